// Figure -> SVG text. A direct renderer (string building over d3-scale's scales and tick
// choice) rather than Vega: a 5 × 5 grid of 201-point PSTHs renders in milliseconds instead of
// most of a second, with no per-datum scene graph held in memory. Layout measures text with the
// bundled font, so the PNG has the spacing the layout planned.
import { scaleLinear, scaleUtc } from 'd3-scale';
import { FONT_FAMILY, textOutline, textWidth } from './assets.js';
import type { Axis, Figure, FigureRow, KeyedRow, Layer, LegendEntry, Panel, Values } from './model.js';
import { COLORS } from './palette.js';

const SIZE = { tick: 10, axisTitle: 11, panelTitle: 12, rowTitle: 13, title: 16, subtitle: 12, legend: 10 };
const TICK = 4;
const GAP = { column: 18, row: 14, margin: 16 };
const LEGEND_SWATCH = 18;
const LEGEND_LINE = 14;

interface Tick {
  px: number;
  label: string;
}

const LINE = 11; // tick-label line height

/** Greedy word wrap of a label into lines no wider than `max` px (a long word stays whole). */
function wrap(label: string, max: number): string[] {
  const lines: string[] = [];
  for (const word of label.split(' ')) {
    const last = lines.length - 1;
    if (last >= 0 && textWidth(`${lines[last]} ${word}`, SIZE.tick) <= max) lines[last] += ` ${word}`;
    else lines.push(word);
  }
  return lines;
}

interface ScaleGeometry {
  toPx(v: number): number;
  ticks: Tick[];
  /** Appended to the axis title, e.g. the year of date ticks. */
  titleSuffix?: string;
}

/**
 * A coordinate to 2 decimals, as String(Math.round(v * 100) / 100) writes it, but through integer
 * formatting: 3x faster, and an all_sess figure writes a number per data point.
 */
export function num(v: number): string {
  const n = Math.round(v * 100);
  if (n % 100 === 0 || !(Math.abs(n) < 1e15)) return String(n / 100);
  const m = Math.abs(n);
  const whole = Math.floor(m / 100);
  const cents = m - whole * 100;
  return (n < 0 ? '-' : '') + whole + (cents % 10 === 0 ? `.${cents / 10}` : cents < 10 ? `.0${cents}` : `.${cents}`);
}

/**
 * Characters beyond Latin-1 (−, ±, ≥) as character references: a JS string holding one of them
 * takes two bytes per character, and a 100-session figure's SVG is ~12 M characters.
 */
function escapeXml(text: string): string {
  return text.replace(/[&<>"]|[^\x00-\xff]/gu, (c) => XML_ESCAPES[c] ?? `&#${c.codePointAt(0)};`);
}
const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };

function text(
  x: number,
  y: number,
  content: string,
  opts: { size: number; anchor?: 'start' | 'middle' | 'end'; bold?: boolean; color?: string; rotate?: boolean },
): string {
  const attrs = [
    `x="${num(x)}"`,
    `y="${num(y)}"`,
    `font-size="${opts.size}"`,
    opts.anchor && opts.anchor !== 'start' ? `text-anchor="${opts.anchor}"` : '',
    opts.bold ? 'font-weight="bold"' : '',
    `fill="${opts.color ?? COLORS.text}"`,
    opts.rotate ? `transform="rotate(-90 ${num(x)} ${num(y)})"` : '',
  ].filter(Boolean);
  return `<text ${attrs.join(' ')}>${escapeXml(content)}</text>`;
}

// The elements text() writes, attribute by attribute in its order.
const TEXT_ELEMENT =
  /<text x="([-\d.]+)" y="([-\d.]+)" font-size="([\d.]+)"(?: text-anchor="(middle|end)")?( font-weight="bold")? fill="([^"]+)"(?: transform="(rotate\([^)]*\))")?>([^<]*)<\/text>/g;
// Entity name ("amp") -> character, the inverse of XML_ESCAPES.
const XML_ENTITIES: Record<string, string> = Object.fromEntries(Object.entries(XML_ESCAPES).map(([c, e]) => [e.slice(1, -1), c]));
const unescapeXml = (text: string) =>
  text.replace(/&(?:(amp|lt|gt|quot)|#(\d+));/g, (_, name: string | undefined, code: string | undefined) =>
    name ? XML_ENTITIES[name] : String.fromCodePoint(Number(code)),
  );

/**
 * The document with each element text() wrote replaced by its outline in the bundled font, for
 * the rasteriser (see ttf.ts). A text that can't be outlined stays text.
 */
export function outlineText(svg: string): string {
  return svg.replace(TEXT_ELEMENT, (element, x: string, y: string, size: string, anchor: string | undefined, bold: string | undefined, fill: string, rotate: string | undefined, content: string) => {
    const o = textOutline(unescapeXml(content), bold !== undefined);
    if (!o) return element;
    const scale = Number(size) / o.unitsPerEm;
    const shift = anchor === 'middle' ? o.width / 2 : anchor === 'end' ? o.width : 0;
    const place = `translate(${num(Number(x) - shift * scale)} ${y}) scale(${scale})`;
    return `<path transform="${rotate ? `${rotate} ` : ''}${place}" fill="${fill}" d="${o.d}"/>`;
  });
}

// ---------- extents and scales ----------

class Extent {
  lo = Infinity;
  hi = -Infinity;
  add(v: number): void {
    if (!Number.isFinite(v)) return;
    if (v < this.lo) this.lo = v;
    if (v > this.hi) this.hi = v;
  }
  addAll(values: Values): void {
    for (let i = 0; i < values.length; i++) this.add(values[i]);
  }
  /** Each value ± its offset (a non-finite one counts as 0); apart from addAll, which runs far more often. */
  addShifted(values: Values, offset: Values | number, sign: 1 | -1): void {
    for (let i = 0; i < values.length; i++) {
      const o = typeof offset === 'number' ? offset : offset[i];
      this.add(values[i] + sign * (Number.isFinite(o) ? o : 0));
    }
  }
}

function layerExtents(layers: readonly Layer[]): { x: Extent; y: Extent } {
  const x = new Extent();
  const y = new Extent();
  for (const layer of layers) {
    switch (layer.type) {
      case 'line':
      case 'points':
        x.addAll(layer.x);
        y.addAll(layer.y);
        break;
      case 'band':
        x.addAll(layer.x);
        y.addAll(layer.lo);
        y.addAll(layer.hi);
        break;
      case 'bars':
        x.addShifted(layer.x, layer.width / 2, -1);
        x.addShifted(layer.x, layer.width / 2, 1);
        y.add(0);
        if (layer.err) {
          y.addShifted(layer.y, layer.err, -1);
          y.addShifted(layer.y, layer.err, 1);
        } else y.addAll(layer.y);
        break;
      case 'ticks':
        x.addAll(layer.x);
        y.add(layer.y0);
        y.add(layer.y1);
        break;
      case 'rule':
        (layer.axis === 'x' ? x : y).add(layer.value);
        break;
      case 'span':
        x.add(layer.from);
        x.add(layer.to);
        break;
    }
  }
  return { x, y };
}

function axisDomain(axis: Axis, extent: Extent): [number, number] {
  if (axis.domain) return [axis.domain[0], axis.domain[1]];
  if (axis.scale === 'band') return [-0.5, Math.max(axis.categories?.length ?? 1, 1) - 0.5];
  if (!(extent.lo <= extent.hi)) return [0, 1];
  let { lo, hi } = extent;
  if (lo === hi) {
    // one date: half a day each side, so the axis holds that date's tick alone
    const half = axis.scale === 'time' ? DAY_MS / 2 : Math.abs(lo) * 0.1 || 0.5;
    return [lo - half, hi + half];
  }
  const pad = (hi - lo) * (axis.pad ?? 0.05);
  lo -= pad;
  hi += pad;
  return [lo, hi];
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAY_MS = 86_400_000;

/**
 * Date tick labels: "Jul 08" when all ticks share a year (then named once, in the axis title), else
 * "2024-07-08"; with `time`, each followed by "HH:MM" (ticks within one day).
 */
function dateLabels(dates: Date[], time = false): { labels: string[]; year?: number } {
  const p = (n: number) => String(n).padStart(2, '0');
  const clock = (d: Date) => (time ? ` ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}` : '');
  const years = new Set(dates.map((d) => d.getUTCFullYear()));
  if (years.size === 1) {
    return { labels: dates.map((d) => `${MONTHS[d.getUTCMonth()]} ${p(d.getUTCDate())}${clock(d)}`), year: [...years][0] };
  }
  return { labels: dates.map((d) => `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())}${clock(d)}`) };
}

/**
 * Ticks of a date axis: d3's, kept at midnights (UTC) only, so a short span labelled by dates
 * shows each date once, where that date lies, and never repeats it at 06:00, 12:00... A span
 * without a midnight keeps d3's ticks, labelled with their time.
 */
function dateTicks(all: Date[]): { dates: Date[]; time: boolean } {
  const days = all.filter((d) => d.getTime() % DAY_MS === 0);
  return days.length ? { dates: days, time: false } : { dates: all, time: true };
}

/** The most ticks (up to `count`) whose labels, measured, do not crowd each other along x. */
function fitTicks(make: (count: number) => Tick[], count: number, horizontal: boolean): Tick[] {
  let ticks = make(count);
  if (!horizontal) return ticks;
  for (let c = count; c >= 2; c--) {
    ticks = make(c);
    let ok = true;
    for (let i = 1; i < ticks.length && ok; i++) {
      const room = Math.abs(ticks[i].px - ticks[i - 1].px);
      const need = (textWidth(ticks[i].label, SIZE.tick) + textWidth(ticks[i - 1].label, SIZE.tick)) / 2 + 8;
      ok = room >= need;
    }
    if (ok) break;
  }
  return ticks;
}

/** Scale from data to px along a length; `flip` for the y axis (larger values up). */
function scaleFor(axis: Axis, domain: [number, number], length: number, flip: boolean): ScaleGeometry {
  const range: [number, number] = flip ? [length, 0] : [0, length];
  const count = Math.max(2, Math.floor(length / (flip ? 34 : 50)));
  if (axis.scale === 'time') {
    const s = scaleUtc().domain(domain).range(range);
    if (axis.ticks) return { toPx: (v) => s(v), ticks: axis.ticks.map((t) => ({ px: s(t.value), label: t.label })) };
    let year: number | undefined;
    const make = (c: number) => {
      const { dates, time } = dateTicks(s.ticks(c));
      const labelled = dateLabels(dates, time);
      year = labelled.year;
      return dates.map((d, i) => ({ px: s(d), label: labelled.labels[i] }));
    };
    const ticks = fitTicks(make, count, !flip);
    return { toPx: (v) => s(v), ticks, titleSuffix: year === undefined ? undefined : ` (${year})` };
  }
  const s = scaleLinear().domain(domain).range(range);
  let ticks: Tick[];
  if (axis.ticks) ticks = axis.ticks.map((t) => ({ px: s(t.value), label: t.label }));
  else if (axis.scale === 'band') {
    ticks = (axis.categories ?? []).map((label, k) => ({ px: s(k), label }));
  } else {
    const make = (c: number) => {
      const format = s.tickFormat(c);
      return s.ticks(c).map((v) => ({ px: s(v), label: format(v) }));
    };
    ticks = fitTicks(make, count, !flip);
  }
  return { toPx: (v) => s(v), ticks };
}

// ---------- marks ----------

function linePath(x: Values, y: Values, sx: (v: number) => number, sy: (v: number) => number, step: boolean): string {
  let d = '';
  let open = false;
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i]) || !Number.isFinite(y[i])) {
      open = false;
      continue;
    }
    const px = num(sx(x[i]));
    const py = num(sy(y[i]));
    if (!open) d += `M${px} ${py}`;
    else d += step ? `H${px}V${py}` : `L${px} ${py}`;
    open = true;
  }
  // a step line holds its last value for half an interval, as far as the last trial's slot
  if (step && x.length > 1 && open) {
    const last = x.length - 1;
    d += `H${num(sx(x[last] + (x[last] - x[last - 1]) / 2))}`;
  }
  return d;
}

function bandPath(x: Values, lo: Values, hi: Values, sx: (v: number) => number, sy: (v: number) => number): string {
  let d = '';
  let start = -1;
  const flush = (end: number) => {
    if (start < 0) return;
    let part = '';
    for (let i = start; i < end; i++) part += `${i === start ? 'M' : 'L'}${num(sx(x[i]))} ${num(sy(hi[i]))}`;
    for (let i = end - 1; i >= start; i--) part += `L${num(sx(x[i]))} ${num(sy(lo[i]))}`;
    d += `${part}Z`;
    start = -1;
  };
  for (let i = 0; i < x.length; i++) {
    const ok = Number.isFinite(x[i]) && Number.isFinite(lo[i]) && Number.isFinite(hi[i]);
    if (ok && start < 0) start = i;
    if (!ok) flush(i);
  }
  flush(x.length);
  return d;
}

const dashAttr = (dash?: readonly number[]) => (dash && dash.length ? ` stroke-dasharray="${dash.join(' ')}"` : '');

function drawLayer(layer: Layer, sx: ScaleGeometry, sy: ScaleGeometry, w: number, h: number): string {
  const X = sx.toPx;
  const Y = sy.toPx;
  switch (layer.type) {
    case 'line': {
      const d = linePath(layer.x, layer.y, X, Y, layer.curve === 'step');
      if (!d) return '';
      return `<path d="${d}" fill="none" stroke="${layer.color}" stroke-width="${layer.width ?? 1.6}" stroke-linejoin="round"${dashAttr(layer.dash)}/>`;
    }
    case 'band': {
      const d = bandPath(layer.x, layer.lo, layer.hi, X, Y);
      return d ? `<path d="${d}" fill="${layer.color}" fill-opacity="${layer.opacity ?? 0.22}" stroke="none"/>` : '';
    }
    case 'points': {
      const r = layer.radius ?? 2.5;
      let out = `<g fill="${layer.color}" fill-opacity="${layer.opacity ?? 0.6}">`;
      for (let i = 0; i < layer.x.length; i++) {
        if (!Number.isFinite(layer.x[i]) || !Number.isFinite(layer.y[i])) continue;
        out += `<circle cx="${num(X(layer.x[i]))}" cy="${num(Y(layer.y[i]))}" r="${r}"/>`;
      }
      return `${out}</g>`;
    }
    case 'bars': {
      let bars = '';
      let whiskers = '';
      const half = (X(layer.width) - X(0)) / 2;
      const cap = Math.min(Math.abs(half) * 0.35, 5);
      for (let i = 0; i < layer.x.length; i++) {
        const x = layer.x[i];
        const y = layer.y[i];
        if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
        const cx = X(x);
        const top = Math.min(Y(y), Y(0));
        bars += `<rect x="${num(cx - half)}" y="${num(top)}" width="${num(2 * half)}" height="${num(Math.abs(Y(y) - Y(0)))}"/>`;
        const e = layer.err?.[i];
        if (e !== undefined && Number.isFinite(e) && e > 0) {
          const y0 = num(Y(y - e));
          const y1 = num(Y(y + e));
          whiskers += `M${num(cx)} ${y0}V${y1}M${num(cx - cap)} ${y0}H${num(cx + cap)}M${num(cx - cap)} ${y1}H${num(cx + cap)}`;
        }
      }
      const err = whiskers ? `<path d="${whiskers}" stroke="${COLORS.axis}" stroke-width="1.2" fill="none"/>` : '';
      return `<g fill="${layer.color}" fill-opacity="0.85">${bars}</g>${err}`;
    }
    case 'ticks': {
      let d = '';
      const y0 = num(Y(layer.y0));
      const y1 = num(Y(layer.y1));
      for (let i = 0; i < layer.x.length; i++) {
        if (Number.isFinite(layer.x[i])) d += `M${num(X(layer.x[i]))} ${y0}V${y1}`;
      }
      return d ? `<path d="${d}" stroke="${layer.color}" stroke-width="${layer.width ?? 1}" fill="none"/>` : '';
    }
    case 'rule': {
      if (!Number.isFinite(layer.value)) return '';
      const attrs = `stroke="${layer.color}" stroke-width="${layer.width ?? 1}"${dashAttr(layer.dash)}`;
      if (layer.axis === 'x') {
        const px = num(X(layer.value));
        return `<line x1="${px}" x2="${px}" y1="0" y2="${num(h)}" ${attrs}/>`;
      }
      const py = num(Y(layer.value));
      return `<line x1="0" x2="${num(w)}" y1="${py}" y2="${py}" ${attrs}/>`;
    }
    case 'span': {
      const a = X(layer.from);
      const b = X(layer.to);
      return `<rect x="${num(Math.min(a, b))}" y="0" width="${num(Math.abs(b - a))}" height="${num(h)}" fill="${layer.color}" fill-opacity="${layer.opacity ?? 0.15}"/>`;
    }
  }
}

function legendSwatch(entry: LegendEntry, x: number, y: number): string {
  const c = entry.color;
  switch (entry.mark) {
    case 'line':
      return `<line x1="${num(x)}" x2="${num(x + LEGEND_SWATCH - 4)}" y1="${num(y)}" y2="${num(y)}" stroke="${c}" stroke-width="2"${dashAttr(entry.dash)}/>`;
    case 'band':
      return (
        `<rect x="${num(x)}" y="${num(y - 4)}" width="${LEGEND_SWATCH - 4}" height="8" fill="${c}" fill-opacity="0.25"/>` +
        `<line x1="${num(x)}" x2="${num(x + LEGEND_SWATCH - 4)}" y1="${num(y)}" y2="${num(y)}" stroke="${c}" stroke-width="2"/>`
      );
    case 'point':
      return `<circle cx="${num(x + 7)}" cy="${num(y)}" r="3" fill="${c}"/>`;
    case 'bar':
      return `<rect x="${num(x + 2)}" y="${num(y - 4)}" width="10" height="8" fill="${c}"/>`;
    case 'tick':
      return `<line x1="${num(x + 7)}" x2="${num(x + 7)}" y1="${num(y - 5)}" y2="${num(y + 5)}" stroke="${c}" stroke-width="1.5"/>`;
  }
}

// ---------- layout ----------

interface PanelPlan {
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

function planPanel(panel: Panel, defaultW: number, defaultH: number): PanelPlan {
  const w = panel.width ?? defaultW;
  const h = panel.height ?? defaultH;
  const { x, y } = layerExtents(panel.layers);
  const sx = scaleFor(panel.x, axisDomain(panel.x, x), w, false);
  const sy = scaleFor(panel.y, axisDomain(panel.y, y), h, true);
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

const extraLabelLines = (plan: PanelPlan) => Math.max(0, ...plan.xLabels.map((l) => l.length - 1));

const legendKey = (legend?: readonly LegendEntry[]) =>
  JSON.stringify((legend ?? []).map((e) => [e.label, e.color, e.mark]));

function drawPanel(plan: PanelPlan): string {
  const { panel, sx, sy, w, h } = plan;
  const out: string[] = [];
  let grid = '';
  // explicit ticks label lanes (L / R), which a grid line would cross
  if (!panel.y.ticks) for (const t of sy.ticks) if (t.px >= -0.5 && t.px <= h + 0.5) grid += `M0 ${num(t.px)}H${num(w)}`;
  if (grid) out.push(`<path d="${grid}" stroke="${COLORS.grid}" stroke-width="1"/>`);
  // No clip path: default domains contain every mark, and resvg renders a clipped group
  // through an extra full-size layer (about a third slower on a 5 × 5 figure).
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

/** SVG text given as text or as its UTF-8 bytes. */
export type SvgPiece = string | Uint8Array;

/**
 * A horizontal band of a figure: the title, or one row. `body` is drawn in the band's own
 * coordinates; a row's body taken from a cache stays the UTF-8 bytes it was stored as.
 */
export interface FigureBlock {
  y: number;
  height: number;
  body: SvgPiece;
}

/** Pieces of SVG joined as text. */
export const svgText = (pieces: readonly SvgPiece[]): string => {
  const decoder = new TextDecoder();
  return pieces.map((p) => (typeof p === 'string' ? p : decoder.decode(p))).join('');
};

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
 * are): a 100-row figure is never one ~12 M-character string next to its bytes.
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
