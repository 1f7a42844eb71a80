// Figures from rows of panels, and the one-call route to both files.
import { createHash, hash, type Hash } from 'node:crypto';
import { limiter } from '../concurrency.js';
import { collectGarbage } from '../memory.js';
import { RASTERISER_ID } from './assets.js';
import type { Figure, FigureRow, KeyedRow } from './model.js';
import { renderStrips, scaleFor, type PngOptions } from './png.js';
import { deserializeStrip, pngParts, serializeStrip, type PngStrip } from './png-strips.js';
import { blockDocument, layoutSvgBytes } from './svg/document.js';
import { layoutFigure, planFigure, type RowSummary } from './svg/layout.js';

export interface FigureTitleParts {
  subject: string;
  channel?: string;
  location?: string;
  /** e.g. "last 5 sessions" */
  detail?: string;
}

/** "subject 697062 · G_1_dff-bright (NAc) · last 5 sessions" */
export function figureTitle(parts: FigureTitleParts): string {
  const channel = parts.channel ? `${parts.channel}${parts.location ? ` (${parts.location})` : ''}` : parts.location;
  return [`subject ${parts.subject}`, channel, parts.detail].filter(Boolean).join(' · ');
}

export interface ComposeInput {
  title: string;
  subtitle?: string;
  rows: readonly (FigureRow | KeyedRow)[];
  panelWidth?: number;
  panelHeight?: number;
}

/**
 * A figure of rows × panels with a figure title and row titles (e.g. session or week). Empty rows
 * are left out; keyed rows are kept as they are (they are not built here).
 */
export function composeFigure(input: ComposeInput): Figure {
  for (const dim of [input.panelWidth, input.panelHeight]) {
    if (dim !== undefined && !(dim >= 40)) throw new RangeError(`composeFigure: panel size ${dim} px is too small`);
  }
  return { ...input, rows: input.rows.filter((row) => 'build' in row || row.panels.length > 0 || row.title) };
}

/**
 * Bytes kept between runs under content-derived keys (e.g. in the object store), so work whose
 * inputs did not change is not redone. Keys are 64 hex digits.
 */
export interface BlobCache {
  get(key: string): Promise<Uint8Array | undefined>;
  put(key: string, bytes: Uint8Array): Promise<void>;
  /**
   * The code version, if known. What the drawing code makes from its inputs (a row's SVG) is
   * cached only then, under keys that include it: a code change must not reuse old drawings.
   */
  codeVersion?: string;
}

export interface RenderOptions extends PngOptions {
  /** Where drawn rows are kept: a figure that gained a row draws only that row. */
  cache?: BlobCache;
}

/** Rows from which a figure is large: the peak of a run's memory is where one is drawn. */
export const LARGE_FIGURE_ROWS = 40;
const ASSEMBLY_GARBAGE = 8 * 2 ** 20;

export interface RenderedFigure {
  /** The SVG document, UTF-8 encoded. */
  svg: Uint8Array;
  /** The PNG file as its pieces in order (pngParts): the rows' strips are not copied into one buffer. */
  png: Uint8Array[];
}

/**
 * Feeds a figure model (plain data and typed arrays) to a hash, unambiguously. The text between
 * arrays is gathered and fed at once: a 20-row figure's models have ~10^4 keys and small values.
 */
function hashModel(h: Hash, model: unknown): void {
  let text = '';
  const bytes = (head: string, view: ArrayBufferView) => {
    h.update(text + head).update(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
    text = '';
  };
  const walk = (v: unknown): void => {
    if (ArrayBuffer.isView(v)) bytes(`<${v.constructor.name} ${v.byteLength}>`, v);
    else if (Array.isArray(v) && v.every((x) => typeof x === 'number')) bytes(`[#${v.length}`, Float64Array.from(v));
    else if (Array.isArray(v)) {
      text += `[${v.length}`;
      for (const x of v) walk(x);
    } else if (v !== null && typeof v === 'object') {
      for (const k of Object.keys(v).sort()) {
        text += `${JSON.stringify(k)}:`;
        walk((v as Record<string, unknown>)[k]);
      }
      text += '}';
    } else if (typeof v === 'number') text += `${v},`; // NaN and ±Infinity stay apart (JSON makes them null)
    else text += `${JSON.stringify(v) ?? 'undefined'},`;
  };
  walk(model);
  h.update(text);
}

/** A cached text (a row's body or summary): its sha256, a newline, the text. */
const encodeEntry = (text: string) => new TextEncoder().encode(`${hash('sha256', text)}\n${text}`);

/**
 * The UTF-8 text encodeEntry stored, as bytes (a row's body goes into the SVG file as it is), or
 * undefined for a damaged entry (the row is then made again).
 */
function entryBytes(bytes: Uint8Array | undefined): Uint8Array | undefined {
  if (!bytes || bytes.length < 65 || bytes[64] !== 0x0a) return undefined;
  const text = bytes.subarray(65);
  return hash('sha256', text) === new TextDecoder().decode(bytes.subarray(0, 64)) ? text : undefined;
}

function decodeSummary(bytes: Uint8Array | undefined): RowSummary | undefined {
  const text = entryBytes(bytes);
  try {
    return text === undefined ? undefined : (JSON.parse(new TextDecoder().decode(text)) as RowSummary);
  } catch {
    return undefined;
  }
}

/**
 * SVG text and PNG bytes of a figure. The PNG is drawn row by row (never one tall pixmap) and
 * each row's PNG strip is cached under the hash of what it depends on: its SVG document, the
 * scale and the rasteriser. With the cache's code version, each row's SVG body is cached too,
 * under the hash of the row's model (or a KeyedRow's key) and its place in the figure, and that
 * key then names the row's document for its strip: unchanged rows are neither laid out nor drawn
 * again. A KeyedRow's layout summary is cached under its key, so such a row is not even built.
 */
export async function renderFigure(figure: Figure, options: RenderOptions = {}): Promise<RenderedFigure> {
  const { cache } = options;
  const version = cache?.codeVersion;
  const dims = `${figure.panelWidth ?? ''} ${figure.panelHeight ?? ''}`;
  const summaryKeys = figure.rows.map((row) =>
    version !== undefined && 'build' in row ? hash('sha256', `row summary\n${version}\n${dims}\n${row.key}`) : undefined,
  );
  const summaries = await Promise.all(summaryKeys.map(async (key) => (key ? decodeSummary(await cache!.get(key)) : undefined)));
  const plan = planFigure(figure, summaries);
  const bodyKeys =
    version !== undefined
      ? figure.rows.map((row, r) => {
          const h = createHash('sha256').update(`svg row\n${version}\n${plan.rowContext[r]}\n`);
          if ('build' in row) h.update(`key ${row.key}`);
          else hashModel(h, row);
          return h.digest('hex');
        })
      : [];
  const bodies = await Promise.all(bodyKeys.map(async (key) => entryBytes(await cache!.get(key))));
  const layout = layoutFigure(plan, bodies);
  const scale = scaleFor(layout.width, layout.height, options);
  const docs = layout.blocks.map((b) => blockDocument(layout, b));
  // A row's document is its body (named by its body key) in a frame of the figure's width and
  // the row's height, so that key stands for the body's text; other blocks hash their document.
  const keys = docs.map((doc, b) => {
    const h = createHash('sha256').update(`${RASTERISER_ID}\n${scale}\n`);
    const bodyKey = bodyKeys[b - 1]; // block 0 is the title
    if (bodyKey !== undefined) h.update(`${layout.width} ${layout.blocks[b].height} ${bodyKey}`);
    else for (const part of doc) h.update(part);
    return h.digest('hex');
  });
  const strips: (PngStrip | undefined)[] = await Promise.all(
    keys.map(async (key) => {
      const bytes = await cache?.get(key);
      return bytes && deserializeStrip(bytes);
    }),
  );
  const missing = strips.flatMap((s, i) => (s ? [] : [i]));
  await renderStrips(
    missing.map((i) => docs[i]),
    scale,
    async (j, strip) => {
      strips[missing[j]] = strip;
      await cache?.put(keys[missing[j]], serializeStrip(strip));
    },
  );
  // A few at a time, each encoded when its turn comes: all at once, a 100-row figure's encoded
  // bodies would add to its peak.
  const putting = limiter(4);
  await Promise.all([
    ...bodyKeys.map((key, r) => {
      if (bodies[r] !== undefined) return;
      const body = layout.blocks[r + 1].body as string; // block 0 is the title; drawn just now, so text
      return putting(() => cache!.put(key, encodeEntry(body)));
    }),
    ...summaryKeys.map((key, r) => {
      if (key === undefined || summaries[r] !== undefined) return;
      return putting(() => cache!.put(key, encodeEntry(JSON.stringify(plan.rows[r].summary))));
    }),
  ]);
  // Before a large figure is assembled: the garbage left since the last collection (its rows'
  // layout and documents, cache reads) would add to that peak, the highest of a 100-session run.
  if (figure.rows.length >= LARGE_FIGURE_ROWS) collectGarbage(ASSEMBLY_GARBAGE);
  return { svg: layoutSvgBytes(layout), png: pngParts(strips as PngStrip[]) };
}
