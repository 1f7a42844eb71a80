// The one module of src/figures that touches the file system: where the bundled DejaVu Sans
// (npm package dejavu-fonts-ttf; matplotlib's default face, so figures read like the lab's) and
// resvg live, and the font read once, on first use, for text widths. The rasteriser loads the
// same files, so layout and PNG agree and PNGs never depend on the machine's fonts; text sent to
// the rasteriser is outlined from them too (ttf.ts).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { parseTtf, type TextOutline, type TtfFont } from './ttf.js';

export const FONT_FAMILY = 'DejaVu Sans';

const require = createRequire(import.meta.url);
const fontDir = join(dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');

const REGULAR = join(fontDir, 'DejaVuSans.ttf');
const BOLD = join(fontDir, 'DejaVuSans-Bold.ttf');

/** Regular and bold font files, for the rasteriser. */
export const FONT_FILES: readonly string[] = [REGULAR, BOLD];

/** Absolute path of the native resvg binding, for the rasteriser's worker thread. */
export const RESVG_MODULE = require.resolve('@resvg/resvg-js');

/**
 * What a drawn pixel depends on besides the SVG: the rasteriser's and the font's versions, and
 * how text is outlined (bump `glyf-N` when ttf.ts outlines differently).
 */
export const RASTERISER_ID = ['@resvg/resvg-js', 'dejavu-fonts-ttf']
  .map((name) => `${name}@${(require(`${name}/package.json`) as { version: string }).version}`)
  .concat('glyf-1')
  .join(' ');

let fonts: { regular: TtfFont; bold: TtfFont } | undefined;
const font = (bold: boolean) => {
  fonts ??= { regular: parseTtf(readFileSync(REGULAR)), bold: parseTtf(readFileSync(BOLD)) };
  return bold ? fonts.bold : fonts.regular;
};

/** Width in px of `text` set in the bundled font at `size` px. */
export function textWidth(text: string, size: number, bold = false): number {
  return font(bold).width(text, size);
}

/** The outline of `text` in the bundled font, scaled by `size / unitsPerEm`; undefined if it can't be outlined. */
export function textOutline(text: string, bold = false): (TextOutline & { unitsPerEm: number }) | undefined {
  const f = font(bold);
  const o = f.outline(text);
  return o && { ...o, unitsPerEm: f.unitsPerEm };
}
