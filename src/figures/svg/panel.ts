// One panel: planned (size, scales, room for y labels and legend) and drawn (grid, layers, axes,
// tick labels, titles, legend) in its own coordinates.
import { textWidth } from '../assets.js';
import type { LegendEntry, Panel } from '../model.js';
import { COLORS } from '../palette.js';
import { drawLayer, LEGEND_SWATCH, legendSwatch } from './marks.js';
import { panelScales, type ScaleGeometry, type Tick } from './scales.js';
import { LINE, num, SIZE, text, wrap } from './text.js';

export const TICK = 4;
const LEGEND_LINE = 14;

export interface PanelPlan {
  panel: Panel;
  w: number;
  h: number;
  sx: ScaleGeometry;
  sy: ScaleGeometry;
  left: number;
  legendWidth: number;
  legendHeight: number;
  showLegend: boolean;
  /** x tick labels as lines (category names wrap to their band's width). */
  xLabels: string[][];
}

// A column is as wide as its widest row's y labels and legend, so a row with wider ones moves
// every row of the figure, and an incremental run redraws them all. So y labels get at least the
// room of "−0.00" (a new session's "−0.25" where the others had "0.5" moves nothing), and legend
// entries the room of their `reserve` text (counts and means whose digits vary between runs).
const Y_LABELS_FLOOR = textWidth('−0.00', SIZE.tick);

export function planPanel(panel: Panel, defaultW: number, defaultH: number): PanelPlan {
  const w = panel.width ?? defaultW;
  const h = panel.height ?? defaultH;
  const { sx, sy } = panelScales(panel, w, h);
  const tickWidth = Math.max(Y_LABELS_FLOOR, ...sy.ticks.map((t) => textWidth(t.label, SIZE.tick)));
  const left = tickWidth + TICK + 4 + (panel.y.title ? SIZE.axisTitle + 6 : 0);
  const legend = panel.legend ?? [];
  const entryWidth = (e: LegendEntry) => Math.max(textWidth(e.label, SIZE.legend), e.reserve ? textWidth(e.reserve, SIZE.legend) : 0);
  const legendWidth = legend.length ? 10 + LEGEND_SWATCH + Math.max(...legend.map(entryWidth)) : 0;
  const band = panel.x.scale === 'band' ? w / Math.max(panel.x.categories?.length ?? 1, 1) : Infinity;
  const xLabels = sx.ticks.map((t) => (band < Infinity ? wrap(t.label, band - 4) : [t.label]));
  return {
    panel,
    w,
    h,
    sx,
    sy,
    left,
    legendWidth,
    legendHeight: legend.length * LEGEND_LINE,
    showLegend: legend.length > 0,
    xLabels,
  };
}

export const extraLabelLines = (plan: PanelPlan) => Math.max(0, ...plan.xLabels.map((l) => l.length - 1));

export const legendKey = (legend?: readonly LegendEntry[]) =>
  JSON.stringify((legend ?? []).map((e) => [e.label, e.color, e.mark]));

export function drawPanel(plan: PanelPlan): string {
  const { panel, sx, sy, w, h } = plan;
  const out: string[] = [];
  let grid = '';
  // explicit ticks label lanes (L / R), which a grid line would cross
  if (!panel.y.ticks) for (const t of sy.ticks) if (t.px >= -0.5 && t.px <= h + 0.5) grid += `M0 ${num(t.px)}H${num(w)}`;
  if (grid) out.push(`<path d="${grid}" stroke="${COLORS.grid}" stroke-width="1"/>`);
  // No clip path: default domains contain every mark, and resvg renders a clipped group
  // through an extra full-size layer, which slows drawing.
  out.push(panel.layers.map((l) => drawLayer(l, sx, sy, w, h)).join(''));

  // axes: left and bottom spines with outward ticks
  let axes = `M0 0V${num(h)}H${num(w)}`;
  const yTicks = sy.ticks.filter((t) => t.px >= -0.5 && t.px <= h + 0.5);
  const inX = (t: Tick) => t.px >= -0.5 && t.px <= w + 0.5;
  for (const t of yTicks) axes += `M0 ${num(t.px)}H${-TICK}`;
  for (const t of sx.ticks) if (inX(t)) axes += `M${num(t.px)} ${num(h)}V${num(h + TICK)}`;
  out.push(`<path d="${axes}" stroke="${COLORS.axis}" stroke-width="1" fill="none"/>`);
  for (const t of yTicks) out.push(text(-TICK - 3, t.px + 3.5, t.label, { size: SIZE.tick, anchor: 'end' }));
  sx.ticks.forEach((t, i) => {
    if (!inX(t)) return;
    plan.xLabels[i].forEach((line, j) =>
      out.push(text(t.px, h + TICK + LINE + j * LINE, line, { size: SIZE.tick, anchor: 'middle' })),
    );
  });
  const extra = extraLabelLines(plan) * LINE;
  if (panel.x.title) {
    const title = panel.x.title + (sx.titleSuffix ?? '');
    out.push(text(w / 2, h + TICK + 27 + extra, title, { size: SIZE.axisTitle, anchor: 'middle' }));
  }
  if (panel.y.title) {
    const title = panel.y.title + (sy.titleSuffix ?? '');
    out.push(text(-plan.left + SIZE.axisTitle - 1, h / 2, title, { size: SIZE.axisTitle, anchor: 'middle', rotate: true }));
  }
  if (panel.title) out.push(text(w / 2, -8, panel.title, { size: SIZE.panelTitle, anchor: 'middle', bold: true }));
  if (panel.note) out.push(text(w / 2, h / 2 + 4, panel.note, { size: SIZE.axisTitle, anchor: 'middle', color: COLORS.muted }));
  if (plan.showLegend && panel.legend) {
    panel.legend.forEach((entry, i) => {
      const y = 6 + i * LEGEND_LINE;
      out.push(legendSwatch(entry, w + 10, y));
      out.push(text(w + 10 + LEGEND_SWATCH, y + 3.5, entry.label, { size: SIZE.legend }));
    });
  }
  return out.join('');
}
