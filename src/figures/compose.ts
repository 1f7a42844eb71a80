// Figures from rows of panels, and the one-call route to both files.
import type { Figure, FigureRow } from './model.js';
import { renderPng, type PngOptions } from './png.js';
import { renderSvg } from './svg.js';

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

export interface RenderedFigure {
  svg: string;
  png: Uint8Array;
}

/** SVG text and PNG bytes of a figure. */
export async function renderFigure(figure: Figure, png: PngOptions = {}): Promise<RenderedFigure> {
  const svg = renderSvg(figure);
  return { svg, png: await renderPng(svg, png) };
}
