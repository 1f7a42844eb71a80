// SVG -> PNG with resvg (Rust; prebuilt per platform as npm packages, no canvas or browser).
// Each image is drawn in a short-lived worker thread: the native binding frees its 40-200 MB
// pixmap only when V8 collects the wrapper, which nothing prompts (RSS grew ~60 MB per figure
// in one thread), while ending the worker frees it at once. It also keeps the event loop free
// (activity heartbeats) during the ~0.3 s a large figure takes. The WebAssembly build frees
// explicitly but was ~1.5-2x slower and keeps its peak memory for the life of the process.
import { Worker } from 'node:worker_threads';
import { FONT_FAMILY, FONT_FILES, RESVG_MODULE } from './assets.js';

export interface PngOptions {
  /** Pixels per SVG px (default 2, print-sharp text). */
  scale?: number;
  /**
   * Upper bound on width × height; a larger figure gets a smaller scale. Default 12 Mpx (a 5 × 5
   * grid at scale 2), which keeps a rasterisation under ~150 MB; paginate taller figures.
   */
  maxPixels?: number;
}

// CommonJS run by the worker: render, send the PNG bytes back, exit (freeing everything).
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { Resvg } = require(workerData.module);
parentPort.postMessage(new Resvg(workerData.svg, workerData.options).render().asPng());
`;

function svgSize(svg: string): { width: number; height: number } {
  const m = /<svg[^>]*?\swidth="([\d.]+)"[^>]*?\sheight="([\d.]+)"/.exec(svg);
  if (!m) throw new Error('renderPng: the SVG root has no width/height');
  return { width: Number(m[1]), height: Number(m[2]) };
}

/** The scale actually used for this SVG: `scale`, lowered to keep within `maxPixels`. */
export function effectiveScale(svg: string, { scale = 2, maxPixels = 12e6 }: PngOptions = {}): number {
  const { width, height } = svgSize(svg);
  return Math.min(scale, Math.sqrt(maxPixels / (width * height)));
}

function rasterise(svg: string, scale: number): Promise<Uint8Array> {
  const options = {
    fitTo: { mode: 'zoom', value: scale },
    background: '#ffffff',
    font: {
      fontFiles: FONT_FILES,
      loadSystemFonts: false,
      defaultFontFamily: FONT_FAMILY,
      sansSerifFamily: FONT_FAMILY,
    },
  };
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module: RESVG_MODULE, svg, options } });
    let png: Uint8Array | undefined;
    worker.once('message', (bytes: Uint8Array) => (png = bytes));
    worker.once('error', reject);
    worker.once('exit', (code) => (png ? resolve(png) : reject(new Error(`renderPng: worker exited with code ${code}`))));
  });
}

// One rasterisation at a time per process, so concurrent callers do not stack pixmaps.
let queue: Promise<unknown> = Promise.resolve();

/** Rasterise an SVG document (as renderSvg makes) to PNG bytes, with the bundled font only. */
export function renderPng(svg: string, options: PngOptions = {}): Promise<Uint8Array> {
  const scale = effectiveScale(svg, options);
  const result = queue.then(() => rasterise(svg, scale));
  queue = result.catch(() => undefined);
  return result;
}
