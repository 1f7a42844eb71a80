// Data to px: each panel's extents, axis domains, d3-scale's scales and ticks (dates labelled
// once per day, the year named in the axis title), as many ticks as fit their labels.
import { scaleLinear, scaleUtc } from 'd3-scale';
import { textWidth } from '../assets.js';
import type { Axis, Layer, Panel, Values } from '../model.js';
import { SIZE } from './text.js';

export interface Tick {
  px: number;
  label: string;
}

export interface ScaleGeometry {
  toPx(v: number): number;
  ticks: Tick[];
  /** Appended to the axis title, e.g. the year of date ticks. */
  titleSuffix?: string;
}

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
function axisScale(axis: Axis, domain: [number, number], length: number, flip: boolean): ScaleGeometry {
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

/** A panel's x and y scales over its layers' data (or the axes' own domains), `w` × `h` px. */
export function panelScales(panel: Panel, w: number, h: number): { sx: ScaleGeometry; sy: ScaleGeometry } {
  const { x, y } = layerExtents(panel.layers);
  return { sx: axisScale(panel.x, axisDomain(panel.x, x), w, false), sy: axisScale(panel.y, axisDomain(panel.y, y), h, true) };
}
