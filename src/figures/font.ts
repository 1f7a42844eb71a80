// The one module of src/figures that touches the file system: the bundled DejaVu Sans (the
// npm package dejavu-fonts-ttf; matplotlib's default face, so figures read like the lab's).
// resvg gets the file paths so PNGs never depend on the machine's fonts; the layout reads the
// same files once, on first use, for text widths.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { parseTtfMetrics, type FontMetrics } from './ttf-metrics.js';

export const FONT_FAMILY = 'DejaVu Sans';

const fontDir = join(dirname(createRequire(import.meta.url).resolve('dejavu-fonts-ttf/package.json')), 'ttf');
const REGULAR = join(fontDir, 'DejaVuSans.ttf');
const BOLD = join(fontDir, 'DejaVuSans-Bold.ttf');

/** Font files for the rasteriser. */
export const FONT_FILES: readonly string[] = [REGULAR, BOLD];

let metrics: { regular: FontMetrics; bold: FontMetrics } | undefined;

/** Width in px of `text` set in the bundled font at `size` px. */
export function textWidth(text: string, size: number, bold = false): number {
  metrics ??= { regular: parseTtfMetrics(readFileSync(REGULAR)), bold: parseTtfMetrics(readFileSync(BOLD)) };
  return (bold ? metrics.bold : metrics.regular).width(text, size);
}
