// SVG -> pixels with resvg (Rust; prebuilt per platform as npm packages, no canvas or browser),
// encoded to PNG by png-strips.ts. Images are drawn in worker threads, one SVG document per
// request, each worker collecting its young garbage after every drawing (see WORKER_SOURCE); as a
// backstop a worker is also ended (freeing everything at once) after drawing RECYCLE_PIXELS
// pixels, and once idle for IDLE_MS (starting one is not free, so figures drawn one after
// another share it). Workers also keep the event loop free (activity heartbeats) while a large
// figure is drawn. The WebAssembly build frees explicitly but was slower and keeps its peak
// memory for the life of the process.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { collectGarbage } from '../memory.js';
import { FONT_FAMILY, FONT_FILES, RESVG_MODULE } from './assets.js';
import { assemblePng, chunk, encodeStrip, scanlines, type PngStrip } from './png-strips.js';
import { svgText, type SvgPiece } from './svg/document.js';
import { outlineText } from './svg/text.js';

export interface PngOptions {
  /** Pixels per SVG px (default 2, print-sharp text). */
  scale?: number;
  /**
   * Pixel budget (width × height) for the default scale: a larger figure is drawn at the next
   * lower step of SCALE_STEPS, never below 1 px per SVG px (text stays legible). Default 12 Mpx,
   * a 5 × 5 grid at scale 2.
   */
  maxPixels?: number;
}

/** Scales a figure may be drawn at: few steps, so a figure that grows keeps its scale (and cache). */
const SCALE_STEPS = [2, 1.5, 1];
const RECYCLE_PIXELS = 100e6;
const IDLE_MS = 1000;

export function svgSize(svg: string): { width: number; height: number } {
  const m = /<svg[^>]*?\swidth="([\d.]+)"[^>]*?\sheight="([\d.]+)"/.exec(svg);
  if (!m) throw new Error('renderPng: the SVG root has no width/height');
  return { width: Number(m[1]), height: Number(m[2]) };
}

/** The scale for a `width` × `height` figure: `scale` if within `maxPixels`, else the largest step that is. */
export function scaleFor(width: number, height: number, { scale = 2, maxPixels = 12e6 }: PngOptions = {}): number {
  if (scale * scale * width * height <= maxPixels) return scale;
  const fits = SCALE_STEPS.find((s) => s <= scale && s * s * width * height <= maxPixels);
  return fits ?? Math.min(scale, SCALE_STEPS[SCALE_STEPS.length - 1]);
}

/** The scale renderPng uses for this SVG. */
export function effectiveScale(svg: string, options: PngOptions = {}): number {
  const { width, height } = svgSize(svg);
  return scaleFor(width, height, options);
}

// CommonJS run by the worker: draw each document it is sent, reply with it as a PNG strip, then
// collect. The strip is encoded here, in place over the pixels' copy resvg hands out: the main
// thread never holds pixels nor waits on their deflate, and a 100-session run peaks lower. It is
// transferred, not copied. resvg's native pixmap is freed only with its JS wrapper, and without
// a collection after each drawing a worker holds every pixmap it drew until V8 gets to it. A
// young-generation collection is enough (the drawing's wrappers are young when it ends) and
// cheap; a full one after every row made the 100-session group step much slower.
// Each request is handled in an immediate, after the finalizers that collection queued (N-API
// runs them from setImmediate): handled at once, back-to-back requests kept every row's native
// memory until the worker went idle (hundreds of MB on a 100-session all_sess figure).
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
require('node:v8').setFlagsFromString('--expose-gc'); // process-wide: later workers have gc already
const collect = globalThis.gc ?? require('node:vm').runInNewContext('gc');
const { Resvg } = require(workerData.module);
const zlib = require('node:zlib');
${scanlines.toString()}
${chunk.toString()}
${encodeStrip.toString()}
function draw(svg, scale) {
  // Labels arrive as outlines (outlineText): a document with no text left needs no font database,
  // which resvg would otherwise read from the font files for every document (memory per worker).
  const options = svg.includes('<text') ? workerData.options : { ...workerData.options, font: { loadSystemFonts: false } };
  const image = new Resvg(svg, { ...options, fitTo: { mode: 'zoom', value: scale } }).render();
  const strip = encodeStrip(image.pixels, image.width, image.height, zlib);
  parentPort.postMessage(strip, [strip.idat.buffer]);
}
parentPort.on('message', ({ svg, scale }) => setImmediate(() => {
  try {
    draw(svg, scale);
  } catch (e) {
    parentPort.postMessage({ error: String(e && e.message || e) });
  }
  collect({ type: 'minor' });
}));
`;

const RESVG_OPTIONS = {
  background: '#ffffff',
  // An empty crop rectangle: resvg-js otherwise crops to the whole image, i.e. copies every
  // drawing's pixmap once more before handing its pixels out (same pixels, in a noticeable share
  // of a row's draw-and-encode time).
  crop: { left: 0, top: 0, right: 0, bottom: 0 },
  font: { fontFiles: FONT_FILES, loadSystemFonts: false, defaultFontFamily: FONT_FAMILY, sansSerifFamily: FONT_FAMILY },
};

// resvg's native allocator (mimalloc) purges freed pages only after a delay and only when next
// called, so an idle worker kept its last drawing's pages, held through every later, smaller
// figure. Purged at once, a 100-session run peaks lower at the same speed. Read once, when resvg
// first loads: set before any worker starts (an operator's own setting wins).
process.env.MIMALLOC_PURGE_DELAY ??= '0';

/** A worker that draws one document per call; ended by the caller. */
class Rasteriser {
  private readonly worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module: RESVG_MODULE, options: RESVG_OPTIONS } });
  private failed: Error | undefined;
  private pending: { resolve(p: PngStrip): void; reject(e: Error): void } | undefined;
  drawn = 0;

  constructor() {
    this.worker.on('message', (m: PngStrip | { error: string }) => {
      const p = this.pending;
      this.pending = undefined;
      if ('error' in m) p?.reject(new Error(`renderPng: ${m.error}`));
      else p?.resolve(m);
    });
    const fail = (e: Error) => {
      this.failed = e;
      this.pending?.reject(e);
      this.pending = undefined;
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`renderPng: worker exited with code ${code}`)));
  }

  draw(svg: string, scale: number): Promise<PngStrip> {
    if (this.failed) return Promise.reject(this.failed);
    // Referenced only while drawing: an idle worker never keeps the process alive.
    this.worker.ref();
    return new Promise<PngStrip>((resolve, reject) => {
      this.pending = { resolve, reject };
      this.worker.postMessage({ svg, scale });
    }).then(
      (strip) => {
        this.worker.unref();
        this.drawn += strip.width * strip.height;
        return strip;
      },
      (e: unknown) => {
        this.worker.unref();
        throw e;
      },
    );
  }

  async end(): Promise<void> {
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
  }
}

/**
 * At most POOL_SIZE drawings at a time per process, each in its own worker: on two cores, two
 * figures' rows draw side by side while the main thread lays them out. Workers are kept
 * between calls and ended when idle.
 */
class RasteriserPool {
  private readonly idle: Rasteriser[] = [];
  private readonly waiting: ((r: Rasteriser) => void)[] = [];
  private live = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly size: number) {}

  /** `doc` is made once a worker is free: documents waiting their turn are not held meanwhile. */
  async draw(doc: () => string, scale: number): Promise<PngStrip> {
    const r = await this.acquire();
    let ok = false;
    try {
      const strip = await r.draw(doc(), scale);
      ok = true;
      return strip;
    } finally {
      this.release(r, ok && r.drawn <= RECYCLE_PIXELS);
    }
  }

  private acquire(): Promise<Rasteriser> {
    clearTimeout(this.timer);
    const r = this.idle.pop();
    if (r) return Promise.resolve(r);
    if (this.live < this.size) {
      this.live++;
      return Promise.resolve(new Rasteriser());
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** A failed worker, or one that drew RECYCLE_PIXELS, is ended; a waiting caller gets a fresh one. */
  private release(r: Rasteriser, reuse: boolean): void {
    const next = this.waiting.shift();
    if (!reuse) {
      void r.end();
      if (next) next(new Rasteriser());
      else this.live--;
    } else if (next) next(r);
    else this.idle.push(r);
    if (this.idle.length === this.live && this.live > 0) {
      this.timer = setTimeout(() => {
        for (const w of this.idle.splice(0)) void w.end();
        this.live = 0;
      }, IDLE_MS).unref();
    }
  }
}

const POOL_SIZE = Math.min(2, availableParallelism());
const pool = new RasteriserPool(POOL_SIZE);
// A collection once COLLECT_BYTES more is in use while drawing: each row's document is joined and
// its text outlined here, and a 100-row figure's would otherwise pile up until V8 collects on its
// own schedule.
const COLLECT_BYTES = 32 * 2 ** 20;

/**
 * Draws each SVG document (all of one width) at `scale` as a PNG strip, text outlined first
 * (outlineText); `onStrip` receives each as it is done (e.g. to cache it), not necessarily in
 * order. A document given in parts (text or UTF-8 bytes) is joined only when its turn comes: a
 * 100-row figure's documents all at once are ~12 M characters.
 */
export async function renderStrips(
  svgs: readonly (string | readonly SvgPiece[])[],
  scale: number,
  onStrip?: (i: number, s: PngStrip) => Promise<void>,
): Promise<PngStrip[]> {
  const strips: PngStrip[] = new Array(svgs.length);
  await Promise.all(
    svgs.map(async (svg, i) => {
      strips[i] = await pool.draw(() => outlineText(typeof svg === 'string' ? svg : svgText(svg)), scale);
      collectGarbage(COLLECT_BYTES);
      await onStrip?.(i, strips[i]);
    }),
  );
  return strips;
}

/** Rasterises an SVG document (as renderSvg makes) to PNG bytes, with the bundled font only. */
export async function renderPng(svg: string, options: PngOptions = {}): Promise<Uint8Array> {
  return assemblePng(await renderStrips([svg], effectiveScale(svg, options)));
}
