// Figure -> SVG text. A direct renderer (string building over d3-scale's scales and tick
// choice) rather than Vega: no per-datum scene graph is held in memory, and figures render far
// faster (bench/README.md). Layout measures text with the bundled font, so the PNG has the
// spacing the layout planned. Modules: text.ts (text elements), scales.ts, marks.ts (layers),
// panel.ts, layout.ts (rows and blocks), and here the standalone document.
import { FONT_FAMILY } from '../assets.js';
import type { Figure } from '../model.js';
import { layoutFigure, type FigureBlock, type FigureLayout } from './layout.js';

/** SVG text given as text or as its UTF-8 bytes. */
export type SvgPiece = string | Uint8Array;

/** Pieces of SVG joined as text. */
export const svgText = (pieces: readonly SvgPiece[]): string => {
  const decoder = new TextDecoder();
  return pieces.map((p) => (typeof p === 'string' ? p : decoder.decode(p))).join('');
};

/** A standalone SVG document of `width` × `height` around a body: [before, after]. */
function documentParts(width: number, height: number): [string, string] {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
      `font-family="${FONT_FAMILY}, Verdana, Arial, sans-serif"><rect width="100%" height="100%" fill="#ffffff"/>`,
    '</svg>',
  ];
}

/**
 * One block as a standalone SVG document of the figure's width (to be drawn on its own), in
 * three parts (document = their concatenation), so it can be hashed without being built.
 */
export function blockDocument(layout: FigureLayout, block: FigureBlock): [string, SvgPiece, string] {
  const [before, after] = documentParts(layout.width, block.height);
  return [before, block.body, after];
}

/** The pieces of a laid-out figure's standalone SVG document, in order. */
function documentPieces(layout: FigureLayout): SvgPiece[] {
  const [before, after] = documentParts(layout.width, layout.height);
  const pieces: SvgPiece[] = [before];
  for (const b of layout.blocks) {
    if (b.y === 0) pieces.push(b.body);
    else pieces.push(`<g transform="translate(0 ${b.y})">`, b.body, '</g>');
  }
  pieces.push(after);
  return pieces;
}

/** A laid-out figure as one standalone SVG document. */
export function layoutSvg(layout: FigureLayout): string {
  return svgText(documentPieces(layout));
}

/**
 * layoutSvg's document as UTF-8 bytes, encoded piece by piece (cached rows' bytes copied as they
 * are): a 100-row figure is never one string of millions of characters next to its bytes.
 */
export function layoutSvgBytes(layout: FigureLayout): Uint8Array {
  const pieces = documentPieces(layout);
  const out = new Uint8Array(pieces.reduce((n, p) => n + (typeof p === 'string' ? Buffer.byteLength(p, 'utf8') : p.length), 0));
  const encoder = new TextEncoder();
  let at = 0;
  for (const p of pieces) {
    if (typeof p === 'string') at += encoder.encodeInto(p, out.subarray(at)).written;
    else {
      out.set(p, at);
      at += p.length;
    }
  }
  return out;
}

/** The figure as a standalone SVG document (white background, bundled font named). */
export function renderSvg(figure: Figure): string {
  return layoutSvg(layoutFigure(figure));
}
