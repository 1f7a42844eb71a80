// Photometry maths of the reference pipeline, per session and channel:
// - `DU.enrich_fip_in_df_trials`: session z-score, per-trial windows and samples;
// - `DU.remove_tonic_df_fip`: per-trial baselines, baseline-removed (`_norm`) signals, and which
//   samples survive in the tidy df_fip;
// - `DU.alignment.event_triggered_response`: signal around events on a 40 Hz grid, censored;
// - `BA.trial_metrics.get_average_signal_window`: mean response in a window after each choice.
// A channel is given as its samples in time order (df_fip rows of one event and session).

import { nanmean, nanstd, sum } from './stats.js';

export interface ChannelSeries {
  /** Session time of each sample, non-decreasing. */
  timestamps: Float64Array;
  data: Float64Array;
}

function assertSeries(timestamps: ArrayLike<number>, values: ArrayLike<number>, what: string): void {
  if (timestamps.length !== values.length) {
    throw new RangeError(`${what}: ${timestamps.length} timestamps but ${values.length} values`);
  }
  for (let i = 0; i < timestamps.length; i++) {
    if (!Number.isFinite(timestamps[i]) || (i > 0 && timestamps[i] < timestamps[i - 1])) {
      throw new RangeError(`${what}: timestamps must be finite and sorted (index ${i})`);
    }
  }
}

/** `scipy.stats.zscore(x, ddof=1, nan_policy='omit')`: (x - nanmean) / nanstd(ddof=1) over the whole series. */
export function zscore(data: ArrayLike<number>): Float64Array {
  const m = nanmean(data);
  const s = nanstd(data, 1);
  const out = new Float64Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = (data[i] - m) / s;
  return out;
}

export interface WindowOptions {
  /**
   * Reproduce the reference exactly (spec F1: the last trial of a session gets no window). By
   * default the last trial's window runs to the end of the recording.
   */
  referenceBugs?: boolean;
}

export interface TrialWindows {
  /** Next trial's go cue (session time); for the last trial see `trialWindows`. */
  nextGoCueInSession: Float64Array;
  nextGoCueInTrial: Float64Array;
  /** Samples with tStart < t < tEnd belong to the trial. */
  tStart: Float64Array;
  tEnd: Float64Array;
}

/** Window offsets from the go cue of this and of the next trial (s). */
const WINDOW_OFFSET = -1;

/**
 * Trial windows of one session: from 1 s before this go cue to 1 s before the next one, computed
 * in the reference's float order t_start = (goCue_in_trial + -1) + g and
 * t_end = ((g_next - g) + -1) + g. The reference means the last trial to end at the session's
 * last FIP timestamp but assigns NaN (F1); by default we set goCue_start_time_next to that
 * timestamp (as intended) and let the last window take every remaining sample.
 */
export function trialWindows(
  goCueInSession: ArrayLike<number>,
  goCueInTrial: ArrayLike<number>,
  lastFipTimestamp: number,
  opts: WindowOptions = {},
): TrialWindows {
  const n = goCueInSession.length;
  if (goCueInTrial.length !== n) throw new RangeError('trialWindows: go cue columns differ in length');
  const nextGoCueInSession = new Float64Array(n);
  const nextGoCueInTrial = new Float64Array(n);
  const tStart = new Float64Array(n);
  const tEnd = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const g = goCueInSession[i];
    const last = i === n - 1;
    nextGoCueInSession[i] = last ? (opts.referenceBugs ? NaN : lastFipTimestamp) : goCueInSession[i + 1];
    nextGoCueInTrial[i] = nextGoCueInSession[i] - g;
    tStart[i] = goCueInTrial[i] + WINDOW_OFFSET + g;
    tEnd[i] = last && !opts.referenceBugs ? Infinity : nextGoCueInTrial[i] + WINDOW_OFFSET + g;
  }
  return { nextGoCueInSession, nextGoCueInTrial, tStart, tEnd };
}

/** First index with a[i] > x (a sorted). */
function upperBound(a: ArrayLike<number>, x: number, lo = 0, hi = a.length): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] > x) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** First index with a[i] >= x (a sorted). */
function lowerBound(a: ArrayLike<number>, x: number, lo = 0, hi = a.length): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Per trial, the half-open index range [start, end) of samples with tStart < t < tEnd. */
export interface TrialRanges {
  start: Int32Array;
  end: Int32Array;
}

export function trialRanges(timestamps: Float64Array, windows: TrialWindows): TrialRanges {
  const n = windows.tStart.length;
  const start = new Int32Array(n);
  const end = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const a = windows.tStart[i];
    const b = windows.tEnd[i];
    // A NaN bound matches nothing (every comparison with NaN is false).
    if (a !== a || b !== b) continue;
    const lo = upperBound(timestamps, a);
    start[i] = lo;
    end[i] = Math.max(lo, lowerBound(timestamps, b, lo));
  }
  return { start, end };
}

/** Baseline window relative to the go cue, open on both sides. */
const BASELINE_FROM = -1;
const BASELINE_TO = 0;

/**
 * `{col}_baseline`: nanmean of the trial's samples with -1 < t - g < 0 (NaN when there are none,
 * or the trial has no samples).
 */
export function trialBaselines(
  timestamps: Float64Array,
  values: Float64Array,
  goCueInSession: ArrayLike<number>,
  ranges: TrialRanges,
): Float64Array {
  const n = ranges.start.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const g = goCueInSession[i];
    const picked: number[] = [];
    for (let k = ranges.start[i]; k < ranges.end[i]; k++) {
      const t = timestamps[k] - g;
      if (t < BASELINE_TO && t > BASELINE_FROM) picked.push(values[k]);
    }
    out[i] = nanmean(picked);
  }
  return out;
}

/** One channel of one session after `enrich_fip_in_df_trials` + `remove_tonic_df_fip`. */
export interface ChannelEnrichment {
  dataZ: Float64Array;
  windows: TrialWindows;
  ranges: TrialRanges;
  dataBaseline: Float64Array;
  dataZBaseline: Float64Array;
  /**
   * The channel's rows of the tidy df_fip that survive its `.dropna()`, in sample order: sample
   * index (its timestamp, data, data_z), owning trial, and the baseline-removed signals. Samples
   * outside every window, or in a trial whose baseline is NaN, are absent. A sample lying in two
   * windows (possible only through float rounding at a boundary) appears once per trial, as in
   * the reference's merge; repeated timestamps: see `tidyRows`.
   */
  tidy: { sample: Int32Array; trial: Int32Array; dataNorm: Float64Array; dataZNorm: Float64Array };
}

export interface TrialTimes {
  goCueInSession: ArrayLike<number>;
  goCueInTrial: ArrayLike<number>;
  /**
   * The session's last FIP timestamp over all analysed channels (what the reference means as the
   * last trial's next go cue); defaults to this channel's last sample. Only the reported
   * `nextGoCue*` value depends on it: the last window is open-ended either way.
   */
  lastFipTimestamp?: number;
}

/**
 * Photometry enrichment of one channel: z-score over the whole recording, trial windows (see
 * `trialWindows`), baselines and the tidy `_norm` rows.
 */
export function enrichChannel(series: ChannelSeries, trials: TrialTimes, opts: WindowOptions = {}): ChannelEnrichment {
  const { timestamps, data } = series;
  assertSeries(timestamps, data, 'enrichChannel');
  const dataZ = zscore(data);
  const lastTs = trials.lastFipTimestamp ?? (timestamps.length ? timestamps[timestamps.length - 1] : NaN);
  const windows = trialWindows(trials.goCueInSession, trials.goCueInTrial, lastTs, opts);
  const ranges = trialRanges(timestamps, windows);
  const dataBaseline = trialBaselines(timestamps, data, trials.goCueInSession, ranges);
  const dataZBaseline = trialBaselines(timestamps, dataZ, trials.goCueInSession, ranges);

  return {
    dataZ,
    windows,
    ranges,
    dataBaseline,
    dataZBaseline,
    tidy: tidyRows(series, dataZ, ranges, dataBaseline, dataZBaseline, opts.referenceBugs ?? false),
  };
}

/**
 * The tidy df_fip rows of one channel. The reference explodes the per-trial `_norm` arrays and
 * merges them back onto df_fip on (ses_idx, timestamps, event), then drops rows with any NaN.
 * When a series repeats a timestamp (older `*_preprocessed` series store two samples per
 * timestamp) that merge pairs every sample with every same-time sample's norm: with
 * `mergeOnTimestamp` we reproduce that; otherwise each sample keeps its own norm (spec F14).
 */
function tidyRows(
  series: ChannelSeries,
  dataZ: Float64Array,
  ranges: TrialRanges,
  dataBaseline: Float64Array,
  dataZBaseline: Float64Array,
  mergeOnTimestamp: boolean,
): ChannelEnrichment['tidy'] {
  const { timestamps, data } = series;
  const n = timestamps.length;
  // Trials whose window holds each sample, ascending (several only through boundary rounding),
  // as one flat list with per-sample offsets: a list per sample costs ~150 bytes of heap each.
  const offset = new Int32Array(n + 1);
  for (let i = 0; i < ranges.start.length; i++) for (let k = ranges.start[i]; k < ranges.end[i]; k++) offset[k + 1]++;
  for (let k = 0; k < n; k++) offset[k + 1] += offset[k];
  const trialsOf = new Int32Array(offset[n]);
  const fill = offset.slice(0, n);
  for (let i = 0; i < ranges.start.length; i++) for (let k = ranges.start[i]; k < ranges.end[i]; k++) trialsOf[fill[k]++] = i;

  // Equal timestamps lie in the same windows, so a run of them shares one trial list.
  const runs = (visit: (r0: number, r1: number) => void): void => {
    for (let r0 = 0; r0 < n; ) {
      let r1 = r0 + 1;
      while (r1 < n && timestamps[r1] === timestamps[r0]) r1++;
      visit(r0, r1);
      r0 = r1;
    }
  };
  // Rows before the dropna, an upper bound for the typed arrays: a sample's trials, times the
  // samples of its timestamp when merging on it.
  let capacity = offset[n];
  if (mergeOnTimestamp) {
    capacity = 0;
    runs((r0, r1) => (capacity += (offset[r1] - offset[r0]) * (r1 - r0)));
  }
  const sample = new Int32Array(capacity);
  const trial = new Int32Array(capacity);
  const dataNorm = new Float64Array(capacity);
  const dataZNorm = new Float64Array(capacity);
  let rows = 0;
  const emit = (k: number, i: number, j: number): void => {
    const a = data[j] - dataBaseline[i];
    const b = dataZ[j] - dataZBaseline[i];
    // the reference's dropna: the row's own data / data_z and the merged norms
    if (a !== a || b !== b || data[k] !== data[k] || dataZ[k] !== dataZ[k]) return;
    sample[rows] = k;
    trial[rows] = i;
    dataNorm[rows] = a;
    dataZNorm[rows] = b;
    rows++;
  };
  runs((r0, r1) => {
    for (let k = r0; k < r1; k++) {
      for (let t = offset[k]; t < offset[k + 1]; t++) {
        if (!mergeOnTimestamp) emit(k, trialsOf[t], k);
        else for (let j = r0; j < r1; j++) emit(k, trialsOf[t], j);
      }
    }
  });
  const fit = <A extends Int32Array | Float64Array>(a: A): A => (rows === capacity ? a : (a.slice(0, rows) as A));
  return { sample: fit(sample), trial: fit(trial), dataNorm: fit(dataNorm), dataZNorm: fit(dataZNorm) };
}

/** Per-trial arrays of the reference's df_trials_fip (`timestamps_in_session_{ch}`, `data_{ch}`, ...). */
export interface TrialSamples {
  timestampsInSession: Float64Array;
  timestampsInTrial: Float64Array;
  data: Float64Array;
  dataZ: Float64Array;
  dataNorm: Float64Array;
  dataZNorm: Float64Array;
}

export function trialSamples(
  series: ChannelSeries,
  enrichment: ChannelEnrichment,
  goCueInSession: ArrayLike<number>,
  trial: number,
): TrialSamples {
  const s = enrichment.ranges.start[trial];
  const e = enrichment.ranges.end[trial];
  const g = goCueInSession[trial];
  const timestampsInSession = series.timestamps.slice(s, e);
  const data = series.data.slice(s, e);
  const dataZ = enrichment.dataZ.slice(s, e);
  const bd = enrichment.dataBaseline[trial];
  const bz = enrichment.dataZBaseline[trial];
  return {
    timestampsInSession,
    timestampsInTrial: timestampsInSession.map((t) => t - g),
    data,
    dataZ,
    dataNorm: data.map((v) => v - bd),
    dataZNorm: dataZ.map((v) => v - bz),
  };
}

// ---------------------------------------------------------------------------------------------
// Event-triggered response

/**
 * `DU.alignment.get_time_array` (include_endpoint=True): step 1/rate; when the span is not a whole
 * number of steps it is cut to the last whole step. numpy's linspace: k * step + start, last
 * point = stop. [-1, 4] at 40 Hz gives 201 points; [0.33, 1] gives 27 (0.33 .. 0.98).
 */
export function getTimeArray(tStart: number, tEnd: number, samplingRate: number): Float64Array {
  const step = 1 / samplingRate;
  let nSteps = (tEnd - tStart) / step;
  let stop = tEnd;
  if (nSteps !== Math.trunc(nSteps)) {
    nSteps = Math.trunc(nSteps);
    stop = tStart + nSteps * step;
  }
  return linspace(tStart, stop, nSteps + 1);
}

/** `np.linspace(start, stop, num)` with endpoint, in numpy's float order. */
export function linspace(start: number, stop: number, num: number): Float64Array {
  const out = new Float64Array(num);
  const div = num - 1;
  const delta = stop - start;
  const step = delta / div;
  for (let k = 0; k < num; k++) out[k] = (div > 0 && step === 0 ? (k / div) * delta : k * step) + start;
  if (num > 1) out[num - 1] = stop;
  return out;
}

export type NanPolicy = 'error' | 'exclude';

export interface EtrOptions {
  tStart: number;
  tEnd: number;
  /** Output grid rate (Hz); the reference always passes 40. */
  outputSamplingRate?: number;
  /** Blank the response beyond neighbouring events (default true; sorts the events). */
  censor?: boolean;
  /** Censor at these times instead of at the other events. */
  censorTimes?: ArrayLike<number> | null;
  /** A NaN inside an event's slice: 'error' (reference default) throws, 'exclude' blanks the event. */
  nanPolicy?: NanPolicy;
}

/** The reference raises a bare Exception here; typed so callers can report the event. */
export class NanInSliceError extends Error {
  constructor(readonly eventTime: number) {
    super(`NaN value in data slice, at event time ${eventTime}`);
    this.name = 'NanInSliceError';
  }
}

export interface EventTriggeredResponse {
  time: Float64Array;
  /** Event times in row order (sorted when censoring). */
  eventTimes: Float64Array;
  /** events x time, row-major; NaN outside the data, censored or excluded. */
  values: Float64Array;
}

/**
 * np.interp of (xp, fp) at the sorted points `x`, writing NaN outside [xp[0], xp[last]] (the
 * reference's extrapolation screen). Same branch structure as numpy's C loop, so equal bits.
 */
function interpScreened(x: Float64Array, xp: Float64Array, fp: Float64Array, out: Float64Array, offset: number): void {
  const last = xp.length - 1;
  let j = -1; // last index with xp[j] <= x[i]
  for (let i = 0; i < x.length; i++) {
    const xi = x[i];
    if (xi < xp[0] || xi > xp[last]) {
      out[offset + i] = NaN;
      continue;
    }
    while (j < last && xp[j + 1] <= xi) j++;
    let r: number;
    if (j === last || xp[j] === xi) r = fp[j];
    else {
      const slope = (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j]);
      r = slope * (xi - xp[j]) + fp[j];
      if (r !== r) {
        r = slope * (xi - xp[j + 1]) + fp[j + 1];
        if (r !== r && fp[j] === fp[j + 1]) r = fp[j];
      }
    }
    out[offset + i] = r;
  }
}

/**
 * `DU.alignment.event_triggered_response` with interpolate=True: for each event e the samples
 * with e + tStart - dt <= t <= e + tEnd + dt (dt = mean sample interval) are interpolated onto
 * the grid relative to e; grid points outside the slice are NaN; an empty slice gives a NaN row.
 * Censoring blanks times before the previous / after the next event (or censor time).
 */
export function eventTriggeredResponse(
  timestamps: Float64Array,
  values: Float64Array,
  eventTimes: ArrayLike<number>,
  opts: EtrOptions,
): EventTriggeredResponse {
  const { tStart, tEnd } = opts;
  const censor = opts.censor ?? true;
  const nanPolicy = opts.nanPolicy ?? 'error';
  if (!(tEnd > tStart)) throw new RangeError('eventTriggeredResponse: tEnd must be greater than tStart');
  assertSeries(timestamps, values, 'eventTriggeredResponse');
  const events = Float64Array.from(eventTimes);
  if (censor) events.sort(); // typed-array sort puts NaN last, like np.sort

  const time = getTimeArray(tStart, tEnd, opts.outputSamplingRate ?? 40);
  const nt = time.length;
  const out = new Float64Array(events.length * nt).fill(NaN);
  const n = timestamps.length;
  // np.diff(t).mean(): pairwise sum of the differences over their count (NaN with < 2 samples).
  const diffs = new Float64Array(Math.max(0, n - 1));
  for (let i = 1; i < n; i++) diffs[i - 1] = timestamps[i] - timestamps[i - 1];
  const dt = sum(diffs) / diffs.length;

  for (let ev = 0; ev < events.length; ev++) {
    const e = events[ev];
    const a = e + tStart - dt;
    const b = e + tEnd + dt;
    if (a !== a || b !== b) continue; // pandas slices NaN bounds to nothing
    const lo = lowerBound(timestamps, a);
    const hi = upperBound(timestamps, b, lo);
    if (hi <= lo) continue;
    const xp = new Float64Array(hi - lo);
    const fp = values.subarray(lo, hi);
    let hasNaN = false;
    for (let k = lo; k < hi; k++) {
      xp[k - lo] = timestamps[k] - e;
      if (values[k] !== values[k]) hasNaN = true;
    }
    if (hasNaN) {
      if (nanPolicy === 'error') throw new NanInSliceError(e);
      continue;
    }
    interpScreened(time, xp, fp, out, ev * nt);
  }
  if (censor) applyCensoring(out, time, events, tStart, tEnd, opts.censorTimes ?? null);
  return { time, eventTimes: events, values: out };
}

/** `censor_event_triggered_response`: NaN where time < back[i] or time > fwd[i]. */
function applyCensoring(
  out: Float64Array,
  time: Float64Array,
  events: Float64Array,
  tStart: number,
  tEnd: number,
  censorTimes: ArrayLike<number> | null,
): void {
  const ne = events.length;
  const back = new Float64Array(ne);
  const fwd = new Float64Array(ne);
  if (censorTimes === null) {
    for (let i = 0; i < ne; i++) {
      const before = i === 0 ? Infinity : events[i] - events[i - 1];
      const after = i === ne - 1 ? Infinity : events[i + 1] - events[i];
      // np.min and Math.min both propagate NaN (a NaN event censors nothing).
      back[i] = -Math.min(Math.abs(tStart), before);
      fwd[i] = Math.min(tEnd, after);
    }
  } else {
    // NaN censor times (e.g. ignored trials' choice times) compare false with everything.
    const c = Float64Array.from(censorTimes)
      .filter((t) => t === t)
      .sort();
    for (let i = 0; i < ne; i++) {
      const e = events[i];
      // Last censor time < e and first > e; a NaN event has neither.
      const lastBefore = e === e ? lowerBound(c, e) - 1 : -1;
      const firstAfter = e === e ? upperBound(c, e) : c.length;
      back[i] = lastBefore >= 0 ? Math.max(tStart, c[lastBefore] - e) : tStart;
      fwd[i] = firstAfter < c.length ? Math.min(tEnd, c[firstAfter] - e) : tEnd;
    }
  }
  const nt = time.length;
  for (let i = 0; i < ne; i++) {
    for (let k = 0; k < nt; k++) if (time[k] < back[i] || time[k] > fwd[i]) out[i * nt + k] = NaN;
  }
}

/** Default response window after choice (s). */
export const AVG_WINDOW_OFFSETS: readonly [number, number] = [0.33, 1];

/**
 * `get_average_signal_window` for one session and channel: per trial, the mean of the non-NaN
 * grid values of the censored response to its alignment time (choice time) over `offsets`
 * (27 points, 0.33 .. 0.98 s by default). Trials without an alignment time, or whose grid is all
 * NaN, get NaN. `timestamps`/`values` are the channel's tidy df_fip rows (e.g. data_z_norm).
 */
export function averageSignalWindow(
  timestamps: Float64Array,
  values: Float64Array,
  alignTimes: ArrayLike<number>,
  offsets: readonly [number, number] = AVG_WINDOW_OFFSETS,
  opts: { censor?: boolean; nanPolicy?: NanPolicy } = {},
): Float64Array {
  const trials: number[] = [];
  for (let i = 0; i < alignTimes.length; i++) if (alignTimes[i] === alignTimes[i]) trials.push(i);
  // The reference sorts the trials by alignment time so that rows match the sorted events.
  trials.sort((x, y) => alignTimes[x] - alignTimes[y] || x - y);
  const etr = eventTriggeredResponse(
    timestamps,
    values,
    trials.map((i) => alignTimes[i]),
    { tStart: offsets[0], tEnd: offsets[1], censor: opts.censor ?? true, censorTimes: null, nanPolicy: opts.nanPolicy },
  );
  const nt = etr.time.length;
  const out = new Float64Array(alignTimes.length).fill(NaN);
  trials.forEach((trial, row) => {
    out[trial] = nanmean(etr.values.subarray(row * nt, (row + 1) * nt));
  });
  return out;
}
