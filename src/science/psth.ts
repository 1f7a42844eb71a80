// Numbers behind the reference's PSTH panels (`BA.plot_fip.plot_fip_psth_compare_alignments` on
// the 40 Hz grid), the baseline-vs-reward-history bars and the per-session RPE slopes
// (`au.add_AUC_and_rpe_slope`). Figures are drawn elsewhere from these.

import { eventTriggeredResponse, getTimeArray } from './photometry.js';
import { linregress, nanmean, nansem } from './stats.js';

/** The reference's PSTH grid rate (Hz). */
export const PSTH_RATE = 40;

/** One session's channel samples (tidy df_fip rows, time order) and its events per label. */
export interface PsthSession {
  timestamps: Float64Array;
  values: Float64Array;
  /** Event times for each label, in the order of the labels passed to `psthCompare`. */
  events: ReadonlyArray<ArrayLike<number>>;
}

export interface PsthTrace {
  label: string;
  /** Mean over sessions of the per-session mean over events (one session: that session's mean). */
  mean: Float64Array;
  /** SEM across the session means (ddof 1; NaN with fewer than two). */
  semOverSessions: Float64Array;
  /** SEM pooled over all events of all sessions (ddof 1). */
  sem: Float64Array;
  /** Sessions with at least one event of this label that has data (see nEvents). */
  nSessions: number;
  /**
   * Events averaged: those whose response has at least one value. An event without a time (an
   * ignored trial at choice) or without signal around it (after the recording ended) is all NaN,
   * adds nothing to the mean, and is not counted.
   */
  nEvents: number;
}

export interface Psth {
  time: Float64Array;
  traces: PsthTrace[];
}

/**
 * PSTH of one channel for several labelled event sets over one or more sessions. Per session the
 * response is censored at the sorted union of ALL the panel's event times (as the reference
 * does), so neighbouring events of another label also cut a trace. NaN event times (ignored
 * trials have no choice time) give all-NaN responses; such events, and a session with no other
 * events of a label, are not counted for it (nEvents, nSessions).
 */
export function psthCompare(
  sessions: readonly PsthSession[],
  labels: readonly string[],
  tw: readonly [number, number],
  opts: { censor?: boolean } = {},
): Psth {
  const censor = opts.censor ?? true;
  const grid = getTimeArray(tw[0], tw[1], PSTH_RATE);
  const nt = grid.length;
  // Per label: per-session event matrices (rows = events).
  const perLabel: Float64Array[][] = labels.map(() => []);
  for (const s of sessions) {
    if (s.events.length !== labels.length) {
      throw new RangeError(`psthCompare: ${s.events.length} event sets for ${labels.length} labels`);
    }
    const censorTimes = censor ? concat(s.events) : null;
    s.events.forEach((ev, l) => {
      const etr = eventTriggeredResponse(s.timestamps, s.values, ev, {
        tStart: tw[0],
        tEnd: tw[1],
        censor,
        censorTimes,
        outputSamplingRate: PSTH_RATE,
      });
      if (etr.eventTimes.length > 0) perLabel[l].push(etr.values);
    });
  }
  const traces = labels.map((label, l) => {
    const mats = perLabel[l];
    const mean = new Float64Array(nt);
    const semOverSessions = new Float64Array(nt);
    const sem = new Float64Array(nt);
    const allRows = mats.reduce((acc, m) => acc + m.length / nt, 0);
    const sessionMeans = new Float64Array(mats.length);
    const pooled = new Float64Array(allRows);
    for (let k = 0; k < nt; k++) {
      let p = 0;
      mats.forEach((m, si) => {
        const rows = m.length / nt;
        const col = new Float64Array(rows);
        for (let r = 0; r < rows; r++) col[r] = pooled[p++] = m[r * nt + k];
        sessionMeans[si] = nanmean(col);
      });
      mean[k] = nanmean(sessionMeans);
      semOverSessions[k] = nansem(sessionMeans);
      sem[k] = nansem(pooled);
    }
    const averaged = mats.map((m) => eventsWithData(m, nt));
    return { label, mean, semOverSessions, sem, nSessions: averaged.filter((n) => n > 0).length, nEvents: averaged.reduce((a, n) => a + n, 0) };
  });
  return { time: grid, traces };
}

/** Rows of an events × time matrix with at least one finite value. */
function eventsWithData(m: Float64Array, nt: number): number {
  let n = 0;
  for (let r = 0; r * nt < m.length; r++) {
    for (let k = r * nt; k < (r + 1) * nt; k++) {
      if (m[k] === m[k]) {
        n++;
        break;
      }
    }
  }
  return n;
}

function concat(parts: ReadonlyArray<ArrayLike<number>>): Float64Array {
  const out = new Float64Array(parts.reduce((acc, p) => acc + p.length, 0));
  let o = 0;
  for (const p of parts) for (let i = 0; i < p.length; i++) out[o++] = p[i];
  return out;
}

/** Event times of the rows whose category equals each label (row order kept, NaN times kept). */
export function eventsByLabel(
  alignTimes: ArrayLike<number>,
  category: ArrayLike<string | null>,
  labels: readonly string[],
): Float64Array[] {
  if (alignTimes.length !== category.length) throw new RangeError('eventsByLabel: columns differ in length');
  const index = new Map(labels.map((l, i) => [l, i] as const));
  const buckets: number[][] = labels.map(() => []);
  for (let i = 0; i < alignTimes.length; i++) {
    const c = category[i];
    const b = c === null ? undefined : index.get(c);
    if (b !== undefined) buckets[b].push(alignTimes[i]);
  }
  return buckets.map((b) => Float64Array.from(b));
}

// ---------------------------------------------------------------------------------------------
// Baseline vs reward history

export interface BaselineBar {
  /** num_reward_past of the previous trial (-6 .. 6, never 0). */
  x: number;
  mean: number;
  /** One session: SE over trials; several: SEM over per-session means (ddof 1). */
  sem: number;
  /** Values behind the bar: trials (one session) or sessions (several) with a non-NaN value. */
  n: number;
}

/** Reward-history range kept for the bars (open interval). */
const HISTORY_LIMIT = 7;

/**
 * Baseline (`data_z_{ch}_baseline` or `data_{ch}_baseline`) against the reward history before it:
 * num_reward_past shifted by one trial within the session (the baseline precedes the trial's own
 * outcome), kept where -7 < x < 7. One session: mean ± SE over trials; several: per-(session, x)
 * means, then mean ± SEM across sessions. Bars are sorted by x; an x whose values are all NaN
 * keeps a NaN bar with n = 0.
 */
export function baselineBars(
  sessions: ReadonlyArray<{ numRewardPast: ArrayLike<number>; baseline: ArrayLike<number> }>,
): BaselineBar[] {
  // x -> per session (or, with one session, per trial) values
  const groups = new Map<number, number[]>();
  const single = sessions.length === 1;
  for (const s of sessions) {
    if (s.numRewardPast.length !== s.baseline.length) throw new RangeError('baselineBars: columns differ in length');
    const bySession = new Map<number, number[]>();
    for (let i = 1; i < s.baseline.length; i++) {
      const x = s.numRewardPast[i - 1];
      if (!(x > -HISTORY_LIMIT && x < HISTORY_LIMIT)) continue;
      let g = bySession.get(x);
      if (!g) bySession.set(x, (g = []));
      g.push(s.baseline[i]);
    }
    for (const [x, vals] of bySession) {
      let g = groups.get(x);
      if (!g) groups.set(x, (g = []));
      if (single) g.push(...vals);
      else g.push(nanmean(vals));
    }
  }
  return [...groups.keys()]
    .sort((a, b) => a - b)
    .map((x) => {
      const vals = groups.get(x) as number[];
      return { x, mean: nanmean(vals), sem: nansem(vals), n: vals.filter((v) => v === v).length };
    });
}

// ---------------------------------------------------------------------------------------------
// RPE slopes

export interface RpeFit {
  slope: number;
  intercept: number;
  n: number;
}

export interface RpeSlopes {
  /** RPE_earned >= 0. */
  pos: RpeFit;
  /** RPE_earned < 0. */
  neg: RpeFit;
}

/**
 * Per-session OLS of the average response window against RPE_earned, separately for RPE >= 0 and
 * RPE < 0 (scipy linregress; NaN when a side is empty, has one point, or constant RPE). Rows
 * missing either value are left out; null when none is left (the reference writes no row).
 */
export function rpeSlopes(rpeEarned: ArrayLike<number>, avgSignal: ArrayLike<number>): RpeSlopes | null {
  if (rpeEarned.length !== avgSignal.length) throw new RangeError('rpeSlopes: columns differ in length');
  const side = { pos: { x: [] as number[], y: [] as number[] }, neg: { x: [] as number[], y: [] as number[] } };
  for (let i = 0; i < rpeEarned.length; i++) {
    const x = rpeEarned[i];
    const y = avgSignal[i];
    if (x !== x || y !== y) continue;
    const s = x >= 0 ? side.pos : side.neg;
    s.x.push(x);
    s.y.push(y);
  }
  if (side.pos.x.length + side.neg.x.length === 0) return null;
  const fit = ({ x, y }: { x: number[]; y: number[] }): RpeFit => {
    const lr = linregress(x, y);
    return { slope: lr.slope, intercept: lr.intercept, n: x.length };
  };
  return { pos: fit(side.pos), neg: fit(side.neg) };
}
