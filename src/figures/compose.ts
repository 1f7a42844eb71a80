// Figures from rows of panels, and the one-call route to both files.
import { createHash } from 'node:crypto';
import { RASTERISER_ID } from './assets.js';
import type { Figure, FigureRow } from './model.js';
import { renderStrips, scaleFor, type PngOptions } from './png.js';
import { assemblePng, deserializeStrip, serializeStrip, type PngStrip } from './png-strips.js';
import { blockDocument, layoutFigure, layoutSvg } from './svg.js';

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
  rows: readonly FigureRow[];
  panelWidth?: number;
  panelHeight?: number;
}

/** A figure of rows × panels with a figure title and row titles (e.g. session or week). */
export function composeFigure(input: ComposeInput): Figure {
  for (const dim of [input.panelWidth, input.panelHeight]) {
    if (dim !== undefined && !(dim >= 40)) throw new RangeError(`composeFigure: panel size ${dim} px is too small`);
  }
  return { ...input, rows: input.rows.filter((row) => row.panels.length > 0 || row.title) };
}

/**
 * Bytes kept between runs under content-derived keys (e.g. in the object store), so work whose
 * inputs did not change is not redone. Keys are 64 hex digits.
 */
export interface BlobCache {
  get(key: string): Promise<Uint8Array | undefined>;
  put(key: string, bytes: Uint8Array): Promise<void>;
}

export interface RenderOptions extends PngOptions {
  /** Where drawn rows are kept: a figure that gained a row draws only that row. */
  cache?: BlobCache;
}

export interface RenderedFigure {
  svg: string;
  png: Uint8Array;
}

/**
 * SVG text and PNG bytes of a figure. The PNG is drawn row by row (never one tall pixmap) and
 * each row's PNG strip is cached under the hash of what it depends on: its SVG document, the
 * scale and the rasteriser.
 */
export async function renderFigure(figure: Figure, options: RenderOptions = {}): Promise<RenderedFigure> {
  const layout = layoutFigure(figure);
  const scale = scaleFor(layout.width, layout.height, options);
  const docs = layout.blocks.map((b) => blockDocument(layout, b));
  const keys = docs.map((doc) => createHash('sha256').update(`${RASTERISER_ID}\n${scale}\n${doc}`).digest('hex'));
  const strips: (PngStrip | undefined)[] = await Promise.all(
    keys.map(async (key) => {
      const bytes = await options.cache?.get(key);
      return bytes && deserializeStrip(bytes);
    }),
  );
  const missing = strips.flatMap((s, i) => (s ? [] : [i]));
  await renderStrips(
    missing.map((i) => docs[i]),
    scale,
    async (j, strip) => {
      strips[missing[j]] = strip;
      await options.cache?.put(keys[missing[j]], serializeStrip(strip));
    },
  );
  return { svg: layoutSvg(layout), png: assemblePng(strips as PngStrip[]) };
}
