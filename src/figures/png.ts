// SVG -> PNG with resvg (Rust, prebuilt per platform as npm packages; no browser or canvas).
// Only the bundled font is loaded, so a machine without system fonts draws the same pixels.
import { Resvg, renderAsync, type ResvgRenderOptions } from '@resvg/resvg-js';
import { FONT_FAMILY, FONT_FILES } from './font.js';

export interface PngOptions {
  /** Pixels per SVG px (default 2, for print-sharp text). */
  scale?: number;
}

function options(scale: number): ResvgRenderOptions {
  return {
    fitTo: { mode: 'zoom', value: scale },
    background: '#ffffff',
    font: {
      fontFiles: [...FONT_FILES],
      loadSystemFonts: false,
      defaultFontFamily: FONT_FAMILY,
      sansSerifFamily: FONT_FAMILY,
    },
  };
}

/** Rasterise an SVG document to PNG bytes. */
export function renderPng(svg: string, { scale = 2 }: PngOptions = {}): Uint8Array {
  const png = new Resvg(svg, options(scale)).render().asPng();
  return new Uint8Array(png.buffer, png.byteOffset, png.byteLength);
}

/** As renderPng, on resvg's worker thread, so a long rasterisation does not block the event loop. */
export async function renderPngAsync(svg: string, { scale = 2 }: PngOptions = {}): Promise<Uint8Array> {
  const png = (await renderAsync(svg, options(scale))).asPng();
  return new Uint8Array(png.buffer, png.byteOffset, png.byteLength);
}
