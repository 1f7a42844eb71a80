// Panel builders for the reference's figures (science-spec section D), from plain arrays to
// Panel descriptions. They draw what they are given (means, SEMs, slopes computed upstream),
// except the OLS lines of the scatter and slope panels, which the reference also fits at plot time.
import { linregress, nanmean } from '../science/stats.js';
import type { Axis, Layer, LegendEntry, Panel, Values } from './model.js';
import { CATEGORICAL, COLORS, orderedColors, type OrderedPalette } from './palette.js';

export const NO_DATA = 'no data';

const hasFinite = (v: Values) => {
  for (let i = 0; i < v.length; i++) if (Number.isFinite(v[i])) return true;
  return false;
};

/** Python's '%.3f' (nan stays 'nan'), with a typographic minus. */
export function format3(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  return v.toFixed(3).replace('-', '−');
}

const withN = (label: string, n?: number) => (n === undefined ? label : `${label} (n=${n})`);
// Room a legend keeps for labels whose digits vary between sessions (LegendEntry.reserve): counts
// up to 4 digits (as wide as "(no data)" or wider), and format3's values between ±10.
const countRoom = (label: string) => `${label} (n=0000)`;
const VALUE_ROOM = '−0.000';

function colorsFor(count: number, palette?: OrderedPalette | readonly string[]): readonly string[] {
  if (palette === 'mako' || palette === 'vlag') return orderedColors(count, palette);
  const list = palette ?? CATEGORICAL;
  return Array.from({ length: count }, (_, i) => list[i % list.length]);
}

// ---------- PSTH ----------

export interface PsthGroup {
  label: string;
  mean: Values;
  /** Half-width of the shaded band (SEM); omitted or NaN: no band there. */
  sem?: Values;
  /** Events (or sessions) averaged, shown in the legend. */
  n?: number;
  color?: string;
}

export interface PsthInput {
  title?: string;
  /** Seconds relative to the alignment event, shared by all groups. */
  time: Values;
  groups: readonly PsthGroup[];
  xLabel?: string;
  yLabel?: string;
  /** Shaded response window, e.g. [0.33, 1]. */
  window?: readonly [number, number];
  /** Dashed vertical line at the event (default 0; null for none). */
  event?: number | null;
  /** Colours for groups without their own: ordered ramp or list (default categorical). */
  palette?: OrderedPalette | readonly string[];
}

/** a ± b elementwise (Float64Array.from with a map function is several times slower). */
function offset(a: Values, b: Values, sign: 1 | -1): Float64Array {
  const out = new Float64Array(a.length);
  for (let k = 0; k < out.length; k++) out[k] = a[k] + sign * b[k];
  return out;
}

/** Mean ± SEM traces over time for several groups. Empty groups are named "(no data)" in the legend. */
export function psthPanel(input: PsthInput): Panel {
  const colors = colorsFor(input.groups.length, input.palette);
  const layers: Layer[] = [];
  const legend: LegendEntry[] = [];
  if (input.window) {
    layers.push({ type: 'span', from: input.window[0], to: input.window[1], color: COLORS.window, opacity: 0.18 });
  }
  const bands: Layer[] = [];
  const lines: Layer[] = [];
  let any = false;
  input.groups.forEach((g, i) => {
    const color = g.color ?? colors[i];
    if (g.mean.length !== input.time.length) {
      throw new RangeError(`psthPanel: group "${g.label}" has ${g.mean.length} means for ${input.time.length} times`);
    }
    const present = hasFinite(g.mean);
    any ||= present;
    if (present && g.sem) {
      bands.push({ type: 'band', x: input.time, lo: offset(g.mean, g.sem, -1), hi: offset(g.mean, g.sem, 1), color, opacity: 0.2 });
    }
    if (present) lines.push({ type: 'line', x: input.time, y: g.mean, color, width: 1.6 });
    legend.push({
      label: present ? withN(g.label, g.n) : `${g.label} (${NO_DATA})`,
      reserve: g.n === undefined ? undefined : countRoom(g.label),
      color,
      mark: g.sem ? 'band' : 'line',
    });
  });
  layers.push(...bands, ...lines);
  const event = input.event === undefined ? 0 : input.event;
  if (event !== null) layers.push({ type: 'rule', axis: 'x', value: event, color: COLORS.reference, dash: [4, 3] });
  const t0 = input.time[0];
  const t1 = input.time[input.time.length - 1];
  return {
    title: input.title,
    x: {
      title: input.xLabel ?? 'time from choice (s)',
      domain: Number.isFinite(t0) && Number.isFinite(t1) && t1 > t0 ? [t0, t1] : undefined,
    },
    y: { title: input.yLabel ?? 'z-scored dF/F' },
    layers,
    legend,
    note: any ? undefined : NO_DATA,
  };
}

// ---------- bars ----------

export interface BarSeries {
  label?: string;
  mean: Values;
  /** Whisker half-length (SE or SEM). */
  err?: Values;
  color?: string;
}

export interface BarPanelInput {
  title?: string;
  /** Category labels (evenly spaced) or numeric positions, one per bar of each series. */
  x: readonly string[] | Values;
  series: readonly BarSeries[];
  xLabel: string;
  yLabel: string;
  palette?: OrderedPalette | readonly string[];
}

/** Mean ± error bars by category or numeric x; several series stand side by side. */
export function barPanel(input: BarPanelInput): Panel {
  const categorical = input.x.length > 0 && typeof input.x[0] === 'string';
  const positions = categorical
    ? Float64Array.from(input.x as readonly string[], (_, i) => i)
    : Float64Array.from(input.x as Values);
  let step = 1;
  if (!categorical) {
    const sorted = Array.from(positions).filter(Number.isFinite).sort((a, b) => a - b);
    const gaps = sorted.slice(1).map((v, i) => v - sorted[i]).filter((d) => d > 0);
    step = gaps.length ? Math.min(...gaps) : 1;
  }
  const k = Math.max(input.series.length, 1);
  const width = (0.8 * step) / k;
  const colors = colorsFor(input.series.length, input.palette ?? (k === 1 ? [COLORS.reference] : undefined));
  const layers: Layer[] = [];
  const legend: LegendEntry[] = [];
  let any = false;
  input.series.forEach((s, i) => {
    if (s.mean.length !== positions.length) {
      throw new RangeError(`barPanel: series ${i} has ${s.mean.length} values for ${positions.length} x`);
    }
    any ||= hasFinite(s.mean);
    const color = s.color ?? colors[i];
    const offset = (i - (k - 1) / 2) * width;
    layers.push({ type: 'bars', x: positions.map((p) => p + offset), y: s.mean, err: s.err, width, color });
    if (s.label) legend.push({ label: s.label, color, mark: 'bar' });
  });
  layers.push({ type: 'rule', axis: 'y', value: 0, color: COLORS.axis, width: 0.8 });
  const x: Axis = categorical
    ? { title: input.xLabel, scale: 'band', categories: input.x as readonly string[] }
    : { title: input.xLabel, pad: 0 };
  if (!categorical && positions.length) {
    const lo = Math.min(...positions.filter(Number.isFinite));
    const hi = Math.max(...positions.filter(Number.isFinite));
    if (Number.isFinite(lo)) x.domain = [lo - step * 0.6, hi + step * 0.6];
  }
  return {
    title: input.title,
    x,
    y: { title: input.yLabel },
    layers,
    legend,
    note: any ? undefined : NO_DATA,
  };
}

// ---------- scatter with split OLS fits ----------

export interface ScatterFitInput {
  title?: string;
  /** Predictor (RPE), one per trial. */
  x: Values;
  /** Response (average signal in the window), one per trial. */
  y: Values;
  xLabel?: string;
  yLabel?: string;
  /** x below `split` is fitted apart from x at or above it (default 0). */
  split?: number;
}

/** OLS fit (scipy linregress) and its line over the x range; no line when the fit is undefined. */
function fitLine(x: number[], y: number[], color: string, width: number): { slope: number; line?: Layer } {
  const fit = linregress(x, y);
  if (!Number.isFinite(fit.slope)) return { slope: fit.slope };
  const lo = Math.min(...x);
  const hi = Math.max(...x);
  const ends = [fit.intercept + fit.slope * lo, fit.intercept + fit.slope * hi];
  return { slope: fit.slope, line: { type: 'line', x: [lo, hi], y: ends, color, width } };
}

/** Scatter of response vs RPE with separate OLS lines for RPE < split (blue) and ≥ split (red). */
export function scatterFitPanel(input: ScatterFitInput): Panel {
  const split = input.split ?? 0;
  if (input.x.length !== input.y.length) {
    throw new RangeError(`scatterFitPanel: ${input.x.length} x for ${input.y.length} y`);
  }
  const sides = [
    { name: `RPE < ${split}`, color: COLORS.rpeNegative, x: [] as number[], y: [] as number[] },
    { name: `RPE ≥ ${split}`, color: COLORS.rpePositive, x: [] as number[], y: [] as number[] },
  ];
  for (let i = 0; i < input.x.length; i++) {
    const x = input.x[i];
    const y = input.y[i];
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    const side = sides[x < split ? 0 : 1];
    side.x.push(x);
    side.y.push(y);
  }
  const layers: Layer[] = [];
  const legend: LegendEntry[] = [];
  for (const side of sides) {
    if (side.x.length) layers.push({ type: 'points', x: side.x, y: side.y, color: side.color, radius: 2.2, opacity: 0.45 });
  }
  for (const side of sides) {
    const { slope, line } = fitLine(side.x, side.y, side.color, 2);
    if (line) layers.push(line);
    legend.push({ label: `${side.name}: slope = ${format3(slope)}`, reserve: `${side.name}: slope = ${VALUE_ROOM}`, color: side.color, mark: 'line' });
  }
  layers.push({ type: 'rule', axis: 'x', value: split, color: COLORS.reference, dash: [4, 3], width: 0.8 });
  const any = sides[0].x.length + sides[1].x.length > 0;
  return {
    title: input.title,
    x: { title: input.xLabel ?? 'RPE' },
    y: { title: input.yLabel ?? 'avg z-scored dF/F (0.33–1 s)' },
    layers: any ? layers : [],
    legend,
    note: any ? undefined : NO_DATA,
  };
}

// ---------- slope over time ----------

export interface SlopeSeries {
  label: string;
  /** One slope per session, NaN where the session had no fit. */
  slope: Values;
  color?: string;
}

export interface SlopeOverTimeInput {
  /** Default: "Average slope = m" (one series) or "Average slope" with means in the legend. */
  title?: string;
  /** Session dates, ms since the Unix epoch. */
  dates: Values;
  series: readonly SlopeSeries[];
  xLabel?: string;
  yLabel?: string;
}

/** Per-session slopes against date with an OLS regression line per series (as seaborn regplot). */
export function slopeOverTimePanel(input: SlopeOverTimeInput): Panel {
  const colors = colorsFor(input.series.length, [COLORS.rpePositive, COLORS.rpeNegative, ...CATEGORICAL]);
  const layers: Layer[] = [];
  const legend: LegendEntry[] = [];
  const means: number[] = [];
  let any = false;
  input.series.forEach((s, i) => {
    if (s.slope.length !== input.dates.length) {
      throw new RangeError(`slopeOverTimePanel: series "${s.label}" has ${s.slope.length} slopes for ${input.dates.length} dates`);
    }
    const color = s.color ?? colors[i];
    const x: number[] = [];
    const y: number[] = [];
    for (let k = 0; k < s.slope.length; k++) {
      if (Number.isFinite(input.dates[k]) && Number.isFinite(s.slope[k])) {
        x.push(input.dates[k]);
        y.push(s.slope[k]);
      }
    }
    any ||= x.length > 0;
    const mean = nanmean(s.slope);
    means.push(mean);
    layers.push({ type: 'points', x, y, color, radius: 3.2, opacity: 0.85 });
    const { line } = fitLine(x, y, color, 1.6);
    if (line) layers.push(line);
    const label = input.series.length === 1 ? s.label : `${s.label}: mean = ${format3(mean)}`;
    legend.push({ label, reserve: input.series.length === 1 ? undefined : `${s.label}: mean = ${VALUE_ROOM}`, color, mark: 'point' });
  });
  layers.push({ type: 'rule', axis: 'y', value: 0, color: COLORS.reference, dash: [4, 3], width: 0.8 });
  const title =
    input.title ?? (input.series.length === 1 ? `Average slope = ${format3(means[0])}` : 'Average slope');
  return {
    title,
    x: { title: input.xLabel ?? 'session date', scale: 'time' },
    y: { title: input.yLabel ?? 'slope (dF/F per unit RPE)' },
    layers: any ? layers : [],
    legend,
    note: any ? undefined : NO_DATA,
  };
}

// ---------- behaviour raster ----------

export interface BehaviourInput {
  title?: string;
  /** animal_response per trial: 0 left, 1 right, 2 ignore. */
  choice: Values;
  /** Earned reward per trial (1/0). */
  rewarded: Values;
  /** x per trial (default trial index). */
  trial?: Values;
  /** Model probability of choosing right. */
  pRight?: Values;
  /** Block reward probabilities; drawn as right / (left + right). */
  rewardProbLeft?: Values;
  rewardProbRight?: Values;
  /** Centred moving average of right choices over this many finished trials (0: none; default 5). */
  smooth?: number;
  xLabel?: string;
}

// y lanes of the raster around the probability axis [0, 1]
const LANE = { right: [1.06, 1.3], left: [-0.06, -0.3], ignore: [1.36, 1.5] } as const;

/** Choice/reward raster (right up, left down, ignores on top) with model P(right) and block probabilities. */
export function behaviourPanel(input: BehaviourInput): Panel {
  const n = input.choice.length;
  if (input.rewarded.length !== n) throw new RangeError(`behaviourPanel: ${n} choices, ${input.rewarded.length} rewards`);
  const trial = input.trial ?? Float64Array.from({ length: n }, (_, i) => i);
  const pick = (f: (c: number, r: boolean) => boolean) => {
    const x: number[] = [];
    for (let i = 0; i < n; i++) if (f(input.choice[i], input.rewarded[i] === 1)) x.push(trial[i]);
    return x;
  };
  const halfway = (lane: readonly [number, number]) => lane[0] + (lane[1] - lane[0]) * 0.45;
  const layers: Layer[] = [
    { type: 'rule', axis: 'y', value: 0.5, color: COLORS.grid, width: 1 },
    { type: 'ticks', x: pick((c, r) => c === 1 && r), y0: LANE.right[0], y1: LANE.right[1], color: COLORS.model, width: 1.2 },
    { type: 'ticks', x: pick((c, r) => c === 1 && !r), y0: LANE.right[0], y1: halfway(LANE.right), color: COLORS.ignore, width: 1 },
    { type: 'ticks', x: pick((c, r) => c === 0 && r), y0: LANE.left[0], y1: LANE.left[1], color: COLORS.model, width: 1.2 },
    { type: 'ticks', x: pick((c, r) => c === 0 && !r), y0: LANE.left[0], y1: halfway(LANE.left), color: COLORS.ignore, width: 1 },
    { type: 'ticks', x: pick((c) => c === 2), y0: LANE.ignore[0], y1: LANE.ignore[1], color: COLORS.rpePositive, width: 1 },
  ];
  const legend: LegendEntry[] = [
    { label: 'rewarded', color: COLORS.model, mark: 'tick' },
    { label: 'unrewarded', color: COLORS.ignore, mark: 'tick' },
    { label: 'ignored', color: COLORS.rpePositive, mark: 'tick' },
  ];
  if (input.rewardProbLeft && input.rewardProbRight) {
    const pl = input.rewardProbLeft;
    const pr = input.rewardProbRight;
    const fraction = Float64Array.from({ length: n }, (_, i) => pr[i] / (pl[i] + pr[i]));
    layers.push({ type: 'line', x: trial, y: fraction, color: COLORS.blockProbability, width: 1.6, curve: 'step', dash: [5, 2] });
    legend.push({ label: 'reward prob. R/(L+R)', color: COLORS.blockProbability, mark: 'line', dash: [5, 2] });
  }
  const smooth = input.smooth ?? 5;
  if (smooth > 0) {
    const fraction = new Float64Array(n).fill(NaN);
    const half = Math.floor(smooth / 2);
    const finished: number[] = [];
    for (let i = 0; i < n; i++) if (input.choice[i] === 0 || input.choice[i] === 1) finished.push(i);
    for (let k = 0; k < finished.length; k++) {
      const from = Math.max(0, k - half);
      const to = Math.min(finished.length, k - half + smooth);
      let right = 0;
      for (let j = from; j < to; j++) right += input.choice[finished[j]] === 1 ? 1 : 0;
      fraction[finished[k]] = right / (to - from);
    }
    const x = finished.map((i) => trial[i]);
    layers.push({ type: 'line', x, y: finished.map((i) => fraction[i]), color: COLORS.left, width: 1.2 });
    legend.push({ label: `choice R (${smooth}-trial mean)`, color: COLORS.left, mark: 'line' });
  }
  if (input.pRight) {
    layers.push({ type: 'line', x: trial, y: input.pRight, color: COLORS.model, width: 1.4 });
    legend.push({ label: 'model P(right)', color: COLORS.model, mark: 'line' });
  }
  const first = trial[0];
  const last = trial[n - 1];
  return {
    title: input.title,
    x: { title: input.xLabel ?? 'trial', domain: n > 1 ? [first - 0.5, last + 0.5] : undefined },
    y: {
      title: 'P(right)',
      domain: [-0.36, 1.56],
      ticks: [
        { value: LANE.left[0] / 2 + LANE.left[1] / 2, label: 'L' },
        { value: 0, label: '0' },
        { value: 0.5, label: '0.5' },
        { value: 1, label: '1' },
        { value: LANE.right[0] / 2 + LANE.right[1] / 2, label: 'R' },
        { value: LANE.ignore[0] / 2 + LANE.ignore[1] / 2, label: 'ign.' },
      ],
    },
    layers: n ? layers : [],
    legend,
    note: n ? undefined : NO_DATA,
  };
}

// ---------- histogram ----------

export interface HistogramGroup {
  label: string;
  values: Values;
  color?: string;
}

export interface HistogramInput {
  title?: string;
  groups: readonly HistogramGroup[];
  /** Bin count over the pooled finite range (numpy's rule: last bin closed), or explicit edges. */
  bins?: number | readonly number[];
  xLabel: string;
  yLabel?: string;
  palette?: readonly string[];
}

function binEdges(groups: readonly HistogramGroup[], bins: number | readonly number[]): number[] {
  if (typeof bins !== 'number') return [...bins];
  let lo = Infinity;
  let hi = -Infinity;
  for (const g of groups) {
    for (let i = 0; i < g.values.length; i++) {
      const v = g.values[i];
      if (Number.isFinite(v)) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
    }
  }
  if (!(lo <= hi)) return [];
  if (lo === hi) {
    lo -= 0.5;
    hi += 0.5;
  }
  return Array.from({ length: bins + 1 }, (_, k) => lo + ((hi - lo) * k) / bins);
}

/** Overlaid step histograms (counts) of several groups on shared bins. */
export function histogramPanel(input: HistogramInput): Panel {
  const edges = binEdges(input.groups, input.bins ?? 30);
  const colors = colorsFor(input.groups.length, input.palette);
  const layers: Layer[] = [];
  const legend: LegendEntry[] = [];
  const nb = edges.length - 1;
  input.groups.forEach((g, i) => {
    const color = g.color ?? colors[i];
    const counts = new Float64Array(Math.max(nb, 0));
    let total = 0;
    for (let k = 0; k < g.values.length; k++) {
      const v = g.values[k];
      if (!Number.isFinite(v) || nb < 1 || v < edges[0] || v > edges[nb]) continue;
      let b = 0;
      while (b < nb - 1 && v >= edges[b + 1]) b++;
      counts[b]++;
      total++;
    }
    legend.push({ label: `${g.label} (n=${total})`, reserve: countRoom(g.label), color, mark: 'band' });
    if (!total) return;
    // outline as a staircase: each bin contributes its two edges at its count
    const x = new Float64Array(2 * nb);
    const y = new Float64Array(2 * nb);
    for (let b = 0; b < nb; b++) {
      x[2 * b] = edges[b];
      x[2 * b + 1] = edges[b + 1];
      y[2 * b] = counts[b];
      y[2 * b + 1] = counts[b];
    }
    layers.push({ type: 'band', x, lo: new Float64Array(2 * nb), hi: y, color, opacity: 0.18 });
    layers.push({ type: 'line', x, y, color, width: 1.4 });
  });
  const any = layers.length > 0;
  return {
    title: input.title,
    x: { title: input.xLabel, domain: nb > 0 ? [edges[0], edges[nb]] : undefined },
    y: { title: input.yLabel ?? 'count' },
    layers,
    legend,
    note: any ? undefined : NO_DATA,
  };
}

// ---------- lines across sessions ----------

export interface LineSeries {
  label: string;
  y: Values;
  /** Shaded ± band (e.g. SEM); NaN entries leave a gap. */
  err?: Values;
  color?: string;
}

export interface LinePanelInput {
  title?: string;
  /** Session index, or dates in ms since the Unix epoch with xScale 'time'. */
  x: Values;
  xScale?: 'linear' | 'time';
  series: readonly LineSeries[];
  xLabel: string;
  yLabel: string;
  markers?: boolean;
  palette?: OrderedPalette | readonly string[];
}

/** A metric across sessions (learning curve), one line per series, optional ± band and markers. */
export function linePanel(input: LinePanelInput): Panel {
  const colors = colorsFor(input.series.length, input.palette);
  const layers: Layer[] = [];
  const legend: LegendEntry[] = [];
  let any = false;
  input.series.forEach((s, i) => {
    if (s.y.length !== input.x.length) {
      throw new RangeError(`linePanel: series "${s.label}" has ${s.y.length} values for ${input.x.length} x`);
    }
    const color = s.color ?? colors[i];
    any ||= hasFinite(s.y);
    if (s.err) {
      const err = s.err;
      layers.push({
        type: 'band',
        x: input.x,
        lo: offset(s.y, err, -1),
        hi: offset(s.y, err, 1),
        color,
        opacity: 0.2,
      });
    }
    layers.push({ type: 'line', x: input.x, y: s.y, color, width: 1.6 });
    if (input.markers ?? true) layers.push({ type: 'points', x: input.x, y: s.y, color, radius: 2.6, opacity: 1 });
    legend.push({ label: s.label, color, mark: s.err ? 'band' : 'line' });
  });
  return {
    title: input.title,
    x: { title: input.xLabel, scale: input.xScale === 'time' ? 'time' : 'linear' },
    y: { title: input.yLabel },
    layers: any ? layers : [],
    legend,
    note: any ? undefined : NO_DATA,
  };
}
