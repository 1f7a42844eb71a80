// SVG -> PNG with resvg compiled to WebAssembly. The native build (@resvg/resvg-js) is ~1.5×
// faster but frees each 40-200 MB pixmap only when V8 next collects garbage, which it has no
// reason to do: RSS grew by ~60 MB per figure. Here every image is freed as soon as it is
// encoded; wasm memory stays at the largest figure's size, which `maxPixels` bounds.
import { initWasm, Resvg } from '@resvg/resvg-wasm';
import { FONT_FAMILY, fontBuffers, resvgWasmBytes } from './assets.js';

export interface PngOptions {
  /** Pixels per SVG px (default 2, print-sharp text). */
  scale?: number;
  /** Upper bound on width × height; a larger figure gets a smaller scale (default 24 Mpx ≈ 96 MB RGBA). */
  maxPixels?: number;
}

let ready: Promise<void> | undefined;

function svgSize(svg: string): { width: number; height: number } {
  const m = /<svg[^>]*?\swidth="([\d.]+)"[^>]*?\sheight="([\d.]+)"/.exec(svg);
  if (!m) throw new Error('renderPng: the SVG root has no width/height');
  return { width: Number(m[1]), height: Number(m[2]) };
}

/** The scale actually used for this SVG: `scale`, lowered to keep within `maxPixels`. */
export function effectiveScale(svg: string, { scale = 2, maxPixels = 24e6 }: PngOptions = {}): number {
  const { width, height } = svgSize(svg);
  return Math.min(scale, Math.sqrt(maxPixels / (width * height)));
}

/** Rasterise an SVG document (as renderSvg makes) to PNG bytes, with the bundled font only. */
export async function renderPng(svg: string, options: PngOptions = {}): Promise<Uint8Array> {
  ready ??= initWasm(resvgWasmBytes());
  await ready;
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: effectiveScale(svg, options) },
    background: '#ffffff',
    font: { fontBuffers: fontBuffers(), defaultFontFamily: FONT_FAMILY, sansSerifFamily: FONT_FAMILY },
  });
  try {
    const image = resvg.render();
    try {
      return image.asPng();
    } finally {
      image.free();
    }
  } finally {
    resvg.free();
  }
}
