// The one module of src/figures that touches the file system: where the bundled DejaVu Sans
// (npm package dejavu-fonts-ttf; matplotlib's default face, so figures read like the lab's) and
// resvg live, and the font read once, on first use, for text widths. The rasteriser loads the
// same files, so layout and PNG agree and PNGs never depend on the machine's fonts.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { parseTtfMetrics, type FontMetrics } from './ttf-metrics.js';

export const FONT_FAMILY = 'DejaVu Sans';

const require = createRequire(import.meta.url);
const fontDir = join(dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');

const REGULAR = join(fontDir, 'DejaVuSans.ttf');
const BOLD = join(fontDir, 'DejaVuSans-Bold.ttf');

/** Regular and bold font files, for the rasteriser. */
export const FONT_FILES: readonly string[] = [REGULAR, BOLD];

/** Absolute path of the native resvg binding, for the rasteriser's worker thread. */
export const RESVG_MODULE = require.resolve('@resvg/resvg-js');

/** What a drawn pixel depends on besides the SVG: the rasteriser's and the font's versions. */
export const RASTERISER_ID = ['@resvg/resvg-js', 'dejavu-fonts-ttf']
  .map((name) => `${name}@${(require(`${name}/package.json`) as { version: string }).version}`)
  .join(' ');

let metrics: { regular: FontMetrics; bold: FontMetrics } | undefined;

/** Width in px of `text` set in the bundled font at `size` px. */
export function textWidth(text: string, size: number, bold = false): number {
  metrics ??= { regular: parseTtfMetrics(readFileSync(REGULAR)), bold: parseTtfMetrics(readFileSync(BOLD)) };
  return (bold ? metrics.bold : metrics.regular).width(text, size);
}
