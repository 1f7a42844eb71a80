// The one module of src/figures that touches the file system: it reads, once and on first use,
// the bundled DejaVu Sans (npm package dejavu-fonts-ttf; matplotlib's default face, so figures
// read like the lab's) and resvg's WebAssembly module. The same font bytes give the layout its
// text widths and the rasteriser its glyphs, so PNGs never depend on the machine's fonts.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { parseTtfMetrics, type FontMetrics } from './ttf-metrics.js';

export const FONT_FAMILY = 'DejaVu Sans';

const require = createRequire(import.meta.url);
const fontDir = join(dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');

interface Fonts {
  buffers: Uint8Array[];
  regular: FontMetrics;
  bold: FontMetrics;
}

let fonts: Fonts | undefined;

function loadFonts(): Fonts {
  if (!fonts) {
    const regular = readFileSync(join(fontDir, 'DejaVuSans.ttf'));
    const bold = readFileSync(join(fontDir, 'DejaVuSans-Bold.ttf'));
    fonts = { buffers: [regular, bold], regular: parseTtfMetrics(regular), bold: parseTtfMetrics(bold) };
  }
  return fonts;
}

/** Regular and bold font files, for the rasteriser. */
export function fontBuffers(): Uint8Array[] {
  return loadFonts().buffers;
}

/** Width in px of `text` set in the bundled font at `size` px. */
export function textWidth(text: string, size: number, bold = false): number {
  const f = loadFonts();
  return (bold ? f.bold : f.regular).width(text, size);
}

/** The compiled resvg WebAssembly module. */
export function resvgWasmBytes(): Uint8Array {
  return readFileSync(require.resolve('@resvg/resvg-wasm/index_bg.wasm'));
}
