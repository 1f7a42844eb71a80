// A figure laid out: columns aligned across rows, legends not repeated, one block of whole px per
// row under the title, so that a row drawn before (a cache) can stand in for drawing it again.
import { textWidth } from '../assets.js';
import type { Figure, FigureRow, KeyedRow } from '../model.js';
import { COLORS } from '../palette.js';
import type { SvgPiece } from './document.js';
import { drawPanel, extraLabelLines, legendKey, planPanel, TICK, type PanelPlan } from './panel.js';
import { LINE, num, SIZE, text } from './text.js';

const GAP = { column: 18, row: 14, margin: 16 };

/**
 * A horizontal band of a figure: the title, or one row. `body` is drawn in the band's own
 * coordinates; a row's body taken from a cache stays the UTF-8 bytes it was stored as.
 */
export interface FigureBlock {
  y: number;
  height: number;
  body: SvgPiece;
}

/** A figure laid out as blocks stacked top to bottom (whole px), `width` × `height` in all. */
export interface FigureLayout {
  width: number;
  height: number;
  blocks: FigureBlock[];
}

/**
 * What laying out a row needs of it, without its data: its title and, per panel, its size, room
 * for y labels and legend, and which legend it shows. Enough to place every other row, so a row
 * drawn before (KeyedRow) is neither built nor planned again.
 */
export interface RowSummary {
  title?: string;
  panels: {
    w: number;
    h: number;
    left: number;
    legendWidth: number;
    legendHeight: number;
    /** The legend's entries, to tell whether it repeats the one above it. */
    legendKey: string;
    /** Tick-label lines below the first (wrapped category names). */
    extraLines: number;
    titled: boolean;
  }[];
}

interface RowPlan {
  summary: RowSummary;
  /** The panels planned for drawing; made when the row is drawn (drawRow) if not already. */
  panels?: PanelPlan[];
}

/** A figure's panels planned (scales, ticks, column positions): everything but drawing the rows. */
export interface FigurePlan {
  figure: Figure;
  rows: RowPlan[];
  /** Per row and column: the panel shows its legend (it has one, unlike the panel above it). */
  showLegend: boolean[][];
  defaultW: number;
  defaultH: number;
  colX: number[];
  colLeft: number[];
  /** Right edge of the last column, before the margin. */
  right: number;
  /**
   * Per row, what its drawn body depends on beyond the row itself (the panel size defaults,
   * its columns' positions, which legends show): with the row, the key of a cached body.
   */
  rowContext: string[];
}

/** The row a figure's entry stands for (a KeyedRow is built here). */
const rowOf = (row: FigureRow | KeyedRow): FigureRow => ('build' in row ? row.build() : row);

function planRow(row: FigureRow, defaultW: number, defaultH: number): RowPlan {
  const panels = row.panels.map((p) => planPanel(p, defaultW, defaultH));
  const summary: RowSummary = {
    title: row.title,
    panels: panels.map((p) => ({
      w: p.w,
      h: p.h,
      left: p.left,
      legendWidth: p.legendWidth,
      legendHeight: p.legendHeight,
      legendKey: p.showLegend ? legendKey(p.panel.legend) : '',
      extraLines: extraLabelLines(p),
      titled: Boolean(p.panel.title),
    })),
  };
  return { summary, panels };
}

/**
 * Plans a figure. `summaries[r]`, where given, stands for row r (from a cache): a KeyedRow with
 * one is not built. Every other row is built and planned.
 */
export function planFigure(figure: Figure, summaries: readonly (RowSummary | undefined)[] = []): FigurePlan {
  const defaultW = figure.panelWidth ?? 250;
  const defaultH = figure.panelHeight ?? 170;
  const rows = figure.rows.map((row, r): RowPlan => {
    const known = summaries[r];
    return known && 'build' in row ? { summary: known } : planRow(rowOf(row), defaultW, defaultH);
  });

  // A legend identical to the one just above it in the same column is not repeated.
  const showLegend = rows.map(({ summary }, r) =>
    summary.panels.map((p, c) => p.legendKey !== '' && p.legendKey !== rows[r - 1]?.summary.panels[c]?.legendKey),
  );

  // Columns line up across rows: each takes its widest y labels, plot and legend.
  const colLeft: number[] = [];
  const colW: number[] = [];
  const colLegend: number[] = [];
  for (const { summary } of rows) {
    summary.panels.forEach((p, c) => {
      colLeft[c] = Math.max(colLeft[c] ?? 0, p.left);
      colW[c] = Math.max(colW[c] ?? 0, p.w);
      colLegend[c] = Math.max(colLegend[c] ?? 0, p.legendWidth);
    });
  }
  const colX: number[] = [];
  let x = GAP.margin;
  for (let c = 0; c < colLeft.length; c++) {
    colX.push(x);
    x += colLeft[c] + colW[c] + colLegend[c] + GAP.column;
  }
  const rowContext = rows.map(({ summary }, r) =>
    JSON.stringify([defaultW, defaultH, summary.panels.map((_, c) => [colX[c], colLeft[c], showLegend[r][c]])]),
  );
  return { figure, rows, showLegend, defaultW, defaultH, colX, colLeft, right: x - GAP.column, rowContext };
}

function drawRow(plan: FigurePlan, r: number): string {
  const row = plan.rows[r];
  row.panels ??= planRow(rowOf(plan.figure.rows[r]), plan.defaultW, plan.defaultH).panels!;
  const body: string[] = [];
  if (row.summary.title) body.push(text(GAP.margin, ROW_TITLE_Y, row.summary.title, { size: SIZE.rowTitle, bold: true }));
  const top = rowTop(row.summary);
  row.panels.forEach((p, c) => {
    p.showLegend = plan.showLegend[r][c];
    body.push(`<g transform="translate(${num(plan.colX[c] + plan.colLeft[c])} ${num(top)})">${drawPanel(p)}</g>`);
  });
  return body.join('');
}

const ROW_TITLE_Y = SIZE.rowTitle + 8;
/** Where a row's panels start below its top: under its title, and room for panel titles. */
const rowTop = (row: RowSummary) => (row.title ? ROW_TITLE_Y : 0) + (row.panels.some((p) => p.titled) ? 24 : 10);

/**
 * The figure's layout: columns aligned across rows, then one block per row under the title.
 * `bodies[r]`, where given, is row r's body as drawn before for the same row and context (a
 * cache), and is used instead of drawing it.
 */
export function layoutFigure(figure: Figure | FigurePlan, bodies: readonly (SvgPiece | undefined)[] = []): FigureLayout {
  const plan = 'rowContext' in figure ? figure : planFigure(figure);
  const { title, subtitle } = plan.figure;
  const bottom = TICK + LINE + 20;

  // Blocks start and end on whole px, so each can be drawn alone and the pieces tile.
  const blocks: FigureBlock[] = [];
  const header: string[] = [];
  let y = GAP.margin + SIZE.title;
  header.push(text(GAP.margin, y, title, { size: SIZE.title, bold: true }));
  let width = GAP.margin + textWidth(title, SIZE.title, true);
  if (subtitle) {
    y += SIZE.subtitle + 6;
    header.push(text(GAP.margin, y, subtitle, { size: SIZE.subtitle, color: COLORS.muted }));
    width = Math.max(width, GAP.margin + textWidth(subtitle, SIZE.subtitle));
  }
  let top = Math.ceil(y + 10);
  blocks.push({ y: 0, height: top, body: header.join('') });

  plan.rows.forEach(({ summary: row }, r) => {
    if (row.title) width = Math.max(width, GAP.margin + textWidth(row.title, SIZE.rowTitle, true));
    const rowHeight = Math.max(
      0,
      ...row.panels.map((p, c) => Math.max(p.h + bottom + p.extraLines * LINE, plan.showLegend[r][c] ? p.legendHeight : 0)),
    );
    // Every row ends alike (a footer block adds the bottom margin), so a row drawn as the last
    // one is still right, and cached, once another row comes after it.
    const height = Math.ceil(rowTop(row) + rowHeight + GAP.row);
    blocks.push({ y: top, height, body: bodies[r] ?? drawRow(plan, r) });
    top += height;
  });
  const footer = plan.rows.length > 0 ? GAP.margin - GAP.row : GAP.margin;
  blocks.push({ y: top, height: footer, body: '' });
  top += footer;

  width = Math.ceil(Math.max(width + GAP.margin, plan.right + GAP.margin));
  return { width, height: top, blocks };
}
