/**
 * The per-session tables of the lab's reference, `aind-dynamic-foraging-data-utils` 0.1.46
 * `nwb_utils` (`create_df_session`, `create_df_trials`, `create_df_events`, `create_df_fip`),
 * as pure functions of a `LoadedSession`: same columns, names, order, dtypes and float
 * operations, so every cell equals the reference bit for bit.
 *
 * Deliberate differences (each also noted where it happens):
 * - Rows with equal timestamps in df_events / df_fip: the reference concatenates series in Python
 *   set order and sorts with an unstable quicksort, so the order of tied rows is arbitrary. Here
 *   series are concatenated in name order (go cues last in df_events) and sorted stably.
 * - `create_df_fip` with a processing module other than fiber_photometry: the reference raises
 *   KeyError; here the photometry series are read wherever they are.
 * - `user_name` for newer sessions with an experimenter: the reference stores the whole
 *   experimenter tuple in the cell; here the first name, as for older sessions.
 */

import { sortedOrder, take } from '../science/arrays.js';
import { NwbError } from './errors.js';
import { isPhotometrySeries, type LoadedSession, type TimeSeries } from './session.js';
import type { BoolColumn, Column, MixedColumn, NumberColumn, StringColumn, Table } from './types.js';

/** `SESSION_ALIGNMENT`: times in session are relative to the first go cue. */
const ALIGNMENT = 'goCue_start_time';
/** `RESPONSE_TIMING_TOLERANCE` and `CHOICE_TIMING_TOLERANCE` of the reference (seconds). */
const RESPONSE_TOLERANCE = 0.005;
const CHOICE_TOLERANCE = 0.005;
/** Before this date the reference only warns about reward bookkeeping (manual water unlogged). */
const MANUAL_REWARD_CUTOFF = '2025-01-01';
/** Valve columns hold durations, not times: never re-aligned. */
const SKIP_TIME_COLUMNS = new Set(['right_valve_open_time', 'left_valve_open_time']);
const LICK_EVENTS = ['left_lick_time', 'right_lick_time'] as const;
const REWARD_EVENTS = ['left_reward_delivery_time', 'right_reward_delivery_time'] as const;
const FIP_FRAME_EVENTS = ['FIP_falling_time', 'FIP_rising_time'];
/** `create_df_events(ignore=["sniff_detector"])` default. */
const IGNORED_EVENTS = new Set(['sniff_detector']);

export interface TrialsResult {
  readonly table: Table;
  /** The reference's `warnings.warn` messages, in order. */
  readonly warnings: readonly string[];
}

// ---------------------------------------------------------------------------------------------
// Column helpers

const num = (values: Float64Array, dtype: NumberColumn['dtype'] = 'float64'): NumberColumn => ({
  kind: 'number',
  dtype,
  values,
});
const bool = (values: Uint8Array): BoolColumn => ({ kind: 'bool', values });
const str = (values: (string | null)[]): StringColumn => ({ kind: 'string', values });

function makeTable(entries: [string, Column][], rowCount: number): Table {
  return { columns: entries.map(([c]) => c), rowCount, data: Object.fromEntries(entries) };
}

function numbersOf(session: LoadedSession, name: string): Float64Array {
  const column = session.trials.data[name];
  if (column === undefined || column.kind !== 'number') {
    throw new NwbError('missing-field', 'numeric trials column is missing', {
      file: session.file,
      field: `/intervals/trials/${name}`,
      hint: 'Check that the file is a complete dynamic-foraging NWB session',
    });
  }
  return column.values;
}

/** A boolean trials column; hdmf booleans read as bool, 0/1 numbers are accepted as well. */
function flagsOf(session: LoadedSession, name: string): Uint8Array {
  const column = session.trials.data[name];
  if (column?.kind === 'bool') return column.values;
  if (column?.kind === 'number') return Uint8Array.from(column.values, (v) => (v !== 0 ? 1 : 0));
  throw new NwbError('missing-field', 'boolean trials column is missing', {
    file: session.file,
    field: `/intervals/trials/${name}`,
    hint: 'Check that the file is a complete dynamic-foraging NWB session',
  });
}

function seriesOf(session: LoadedSession, name: string): TimeSeries {
  const series = session.events[name];
  if (series === undefined) {
    throw new NwbError('missing-field', 'event series was not read', {
      file: session.file,
      field: `/acquisition/${name}`,
      hint: 'Read the session with events: "all" (or including this series) before building tables',
    });
  }
  return series;
}

// ---------------------------------------------------------------------------------------------
// Session identifiers

/** `ses_idx` = `<subject>_<date>` from `session_id` (`behavior_<subj>_<date>_...` or `<subj>_<date>_...`). */
export function sessionIndex(sessionId: string): { subjectId: string; sessionDate: string; sesIdx: string } {
  const splits = sessionId.split('_');
  const offset = sessionId.startsWith('behavior') || sessionId.startsWith('FIP') ? 1 : 0;
  const subjectId = splits[offset] ?? '';
  const sessionDate = splits[offset + 1] ?? '';
  return { subjectId, sessionDate, sesIdx: `${subjectId}_${sessionDate}` };
}

// ---------------------------------------------------------------------------------------------
// create_df_session

/** Most frequent non-missing value; ties go to the smallest, as pandas `Series.mode()[0]`. */
function mode(values: readonly (string | null)[]): string | null {
  const counts = new Map<string, number>();
  for (const v of values) if (v !== null) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best: string | null = null;
  let bestCount = 0;
  for (const [v, c] of counts) {
    if (c > bestCount || (c === bestCount && best !== null && v < best)) {
      best = v;
      bestCount = c;
    }
  }
  return best;
}

/** Column values as nullable strings / numbers, for mode and grouping. */
function cellsOf(column: Column): (string | number | null)[] {
  switch (column.kind) {
    case 'string':
      return [...column.values];
    case 'number':
      return Array.from(column.values, (v) => (Number.isNaN(v) ? null : v));
    case 'bool':
      return Array.from(column.values);
    case 'mixed':
      return column.values.map((v) => (typeof v === 'number' && Number.isNaN(v) ? null : v));
    case 'vector':
      return Array.from({ length: column.values.length / column.width }, () => null);
  }
}

/** One-row column holding `value` with the dtype pandas would give it. */
function cell(value: string | number | boolean | null, dtype: NumberColumn['dtype'] = 'float64'): Column {
  if (value === null || typeof value === 'string') return str([value]);
  if (typeof value === 'boolean') return bool(Uint8Array.of(value ? 1 : 0));
  return num(Float64Array.of(value), dtype);
}

/** Python `float(s) if s != "" else fallback` for an optional regex group. */
function floatOr(text: string | undefined, fallback: number): number {
  return text === undefined || text === '' ? fallback : Number(text);
}

/** Port of `create_df_session` for one session (one row). */
export function createDfSession(session: LoadedSession): Table {
  const meta = session.metadata;
  const id = meta.sessionId;
  const assertion = (message: string) =>
    new NwbError('inconsistent', message, {
      file: session.file,
      field: '/general/session_id',
      hint: 'The session id, subject and start time disagree; fix the metadata before analysis',
    });

  // Subject, date and file suffix from session_id (three generations of naming).
  let subjectId: string;
  let sessionDate: string;
  let nwbSuffix: string | number;
  if (id.includes('behavior')) {
    const splits = id.split('_');
    subjectId = splits[1] ?? '';
    sessionDate = splits[2] ?? '';
    nwbSuffix = (splits[3] ?? '').replaceAll('-', '');
  } else {
    const old = /^(\d+)_(\d{4}-\d{2}-\d{2})(?:_(\d+))?\.json/.exec(id);
    if (old !== null) {
      [, subjectId, sessionDate] = old;
      nwbSuffix = old[3] === undefined ? 0 : Number.parseInt(old[3], 10);
    } else {
      const timed = /^(\d+)_(\d{4}-\d{2}-\d{2})(?:_(.*))\.json/.exec(id);
      if (timed === null) throw assertion(`session_id "${id}" does not follow any known naming`);
      [, subjectId, sessionDate] = timed;
      nwbSuffix = Number.parseInt(timed[3].replaceAll('-', ''), 10);
    }
  }
  // The reference's ad-hoc fix for a mistyped mouse id is a substring test (`in "689727"`).
  const subjectFromMeta = '689727'.includes(subjectId) ? subjectId : meta.subjectId;
  if (subjectId !== subjectFromMeta) {
    throw assertion(`subject from the metadata (${subjectFromMeta}) does not match the session id (${subjectId})`);
  }
  // `session_start_time.strftime("%Y-%m-%d")` is the date in the stored offset.
  const dateFromMeta = meta.sessionStartTime.slice(0, 10);
  if (sessionDate !== dateFromMeta) {
    throw assertion(`session date from the metadata (${dateFromMeta}) does not match the session id (${sessionDate})`);
  }

  let rig: string | number;
  let userName: string | number | null;
  let weightBefore: number;
  let weightAfter: number;
  let extraWater: number;
  const scratch = meta.scratchMetadata;
  if (!id.includes('behavior')) {
    const described = /Give extra water.*:(\d*(?:\.\d+)?)? .*?(?:tower|box):(.*)?/.exec(meta.sessionDescription ?? '');
    const weighed = /Weight after.*:(\d*(?:\.\d+)?)?/.exec(meta.subjectDescription ?? '');
    if (described === null || weighed === null) {
      throw new NwbError('missing-field', 'session description or subject description lacks water/rig/weight', {
        file: session.file,
        field: described === null ? '/session_description' : '/general/subject/description',
        hint: 'Older sessions carry "Give extra water(ml):.. Training tower:.." and "Weight after(g):.."',
      });
    }
    extraWater = floatOr(described[1], 0);
    rig = described[2] ?? '';
    weightAfter = floatOr(weighed[1], Number.NaN);
    weightBefore = floatOr(meta.subjectWeight ?? '', Number.NaN);
    userName = meta.experimenter?.[0] ?? null;
  } else if (scratch !== null) {
    const first = (name: string): string | number | null => {
      const column = scratch.data[name];
      if (column === undefined) {
        throw new NwbError('missing-field', 'scratch metadata column is missing', {
          file: session.file,
          field: `/scratch/metadata/${name}`,
          hint: 'Newer sessions store box, weight_after and water_in_session_* in scratch/metadata',
        });
      }
      return cellsOf(column)[0] ?? null;
    };
    rig = first('box') ?? '';
    userName = meta.experimenter?.[0] ?? null;
    weightAfter = Number(first('weight_after') ?? Number.NaN);
    const waterTotal = Number(first('water_in_session_total') ?? Number.NaN);
    weightBefore = weightAfter - waterTotal;
    extraWater = Number(first('water_in_session_manual') ?? Number.NaN);
  } else {
    rig = 0;
    userName = 0;
    weightAfter = 0;
    weightBefore = 0;
    extraWater = 0;
  }

  const entries: [string, Column][] = [
    ['subject_id', cell(subjectId)],
    ['session_date', cell(sessionDate)],
    ['nwb_suffix', cell(nwbSuffix, 'int64')],
    ['rig', cell(rig, 'int64')],
    ['user_name', cell(userName, 'int64')],
    ['experiment_description', cell(meta.experimentDescription)],
    ['task', cell(meta.protocol)],
    ['session_start_time', cell(meta.sessionStartTime)],
    ['weight_before_session', cell(weightBefore)],
    ['weight_after_session', cell(weightAfter)],
    ['water_during_session', cell(weightAfter - weightBefore)],
    ['water_extra', cell(extraWater)],
  ];

  const trials = session.trials;
  if ('auto_train_engaged' in trials.data) {
    const modeOrNull = (name: string): string | null => {
      const column = trials.data[name];
      const m = column === undefined ? null : mode(cellsOf(column).map((v) => (v === null ? null : String(v))));
      return m === 'none' ? null : m;
    };
    entries.push(
      ['curriculum_name', cell(modeOrNull('auto_train_curriculum_name'))],
      ['curriculum_version', cell(modeOrNull('auto_train_curriculum_version'))],
      ['curriculum_schema_version', cell(modeOrNull('auto_train_curriculum_schema_version'))],
      ['current_stage_actual', cell(modeOrNull('auto_train_stage'))],
    );
    const overridden = trials.data.auto_train_stage_overridden;
    const overriddenCells = overridden === undefined ? [] : cellsOf(overridden);
    // All missing -> NaN (a float column in pandas); else the most frequent value.
    if (overriddenCells.every((v) => v === null)) entries.push(['if_overriden_by_trainer', cell(Number.NaN)]);
    else {
      const m = mode(overriddenCells.map((v) => (v === null ? null : String(v))));
      const typed = overridden?.kind === 'string' || m === null ? m : Number(m);
      entries.push(['if_overriden_by_trainer', overridden?.kind === 'bool' ? cell(m === '1') : cell(typed)]);
    }
    // `len(df.groupby(auto_train columns)) == 1`; groupby drops rows with a missing key.
    const keys = trials.columns.filter((c) => c.includes('auto_train')).map((c) => cellsOf(trials.data[c]));
    const groups = new Set<string>();
    for (let i = 0; i < trials.rowCount; i++) {
      const row = keys.map((k) => k[i]);
      if (row.every((v) => v !== null)) groups.add(JSON.stringify(row));
    }
    entries.push(['if_consistent_within_session', cell(groups.size === 1)]);
  } else {
    for (const f of [
      'curriculum_name',
      'curriculum_version',
      'curriculum_schema_version',
      'current_stage_actual',
      'if_overriden_by_trainer',
    ]) {
      entries.push([f, cell(null)]);
    }
  }

  const response = numbersOf(session, 'animal_response');
  const rewardedL = flagsOf(session, 'rewarded_historyL');
  const rewardedR = flagsOf(session, 'rewarded_historyR');
  const total = trials.rowCount;
  let finished = 0;
  let rewards = 0;
  for (let i = 0; i < total; i++) {
    // `animal_response.map({0: 0, 1: 1, 2: nan})`: anything but 0/1 counts as not finished.
    if (response[i] === 0 || response[i] === 1) finished++;
    rewards += rewardedL[i] + rewardedR[i];
  }
  entries.push(
    ['total_trials', cell(total, 'int64')],
    ['finished_trials', cell(finished, 'int64')],
    ['finished_rate', cell(finished / total)],
    ['ignore_rate', cell((total - finished) / total)],
    ['reward_trials', cell(rewards, 'int64')],
    ['reward_rate', cell(rewards / finished)],
    ['ses_idx', cell(`${subjectId}_${sessionDate}`)],
  );
  return makeTable(entries, 1);
}

// ---------------------------------------------------------------------------------------------
// create_df_trials

/** Event times sorted (NaN dropped) with their original positions, for window look-ups. */
interface SortedEvents {
  readonly times: Float64Array;
  readonly order: Uint32Array;
}

function sortEvents(times: Float64Array): SortedEvents {
  const order = sortedOrder(times);
  return { times: take(times, order), order };
}

/** First position with sorted value >= x. */
function lowerBound(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Events with lo <= t < hi (the reference's boolean mask): the earliest time (NaN if none) and
 * the original position of the first one in file order (-1 if none).
 */
function windowOf(ev: SortedEvents, lo: number, hi: number): { min: number; first: number } {
  if (Number.isNaN(lo) || Number.isNaN(hi)) return { min: Number.NaN, first: -1 };
  const start = lowerBound(ev.times, lo);
  const end = lowerBound(ev.times, hi);
  if (end <= start) return { min: Number.NaN, first: -1 };
  let first = ev.order[start];
  for (let k = start + 1; k < end; k++) first = Math.min(first, ev.order[k]);
  return { min: ev.times[start], first };
}

/** numpy `nanmin` of two candidates (NaN only when both are). */
function nanMin(a: number, b: number): number {
  if (Number.isNaN(a)) return b;
  if (Number.isNaN(b)) return a;
  return Math.min(a, b);
}

/** Reward type per trial: `{time: data}` (last wins on equal times) at the first delivery in the window. */
function rewardTypes(series: TimeSeries, shifted: Float64Array, firsts: Int32Array, file: string): Column {
  const lastIndexOf = new Map<number, number>();
  shifted.forEach((t, j) => lastIndexOf.set(t, j));
  const cells = dataCells(series, file);
  const picked = Array.from(firsts, (f) => (f < 0 ? Number.NaN : cells.get(lastIndexOf.get(shifted[f]) ?? f)));
  if (cells.numeric) return num(Float64Array.from(picked as number[]));
  if (series.data.kind === 'string') return str(picked.map((v) => (typeof v === 'string' ? v : null)));
  return { kind: 'mixed', values: picked };
}

/** Port of `create_df_trials(nwb, adjust_time=True)`. */
export function createDfTrials(session: LoadedSession): TrialsResult {
  const warnings: string[] = [];
  const trials = session.trials;
  const n = trials.rowCount;
  const { sessionDate, sesIdx } = sessionIndex(session.metadata.sessionId);
  const goCue = numbersOf(session, ALIGNMENT);
  const t0 = goCue[0];

  // Trial-table columns in order, with start/stop renamed and stop := next start.
  const start = numbersOf(session, 'start_time');
  const stop = numbersOf(session, 'stop_time');
  const bonsaiStop = new Float64Array(n);
  for (let i = 0; i < n - 1; i++) bonsaiStop[i] = start[i + 1];
  bonsaiStop[n - 1] = stop[n - 1];

  const base: [string, Column][] = [['trial', trials.data.id]];
  for (const c of trials.columns.slice(1)) {
    if (c === 'start_time') base.push(['bonsai_start_time', trials.data[c]]);
    else if (c === 'stop_time') base.push(['bonsai_stop_time', num(bonsaiStop)]);
    else base.push([c, trials.data[c]]);
  }
  base.push(['ses_idx', str(new Array<string>(n).fill(sesIdx))]);

  const kept: [string, Column][] = [];
  const aligned: [string, Column][] = [];
  for (const [name, column] of base) {
    if (!name.includes('time') || SKIP_TIME_COLUMNS.has(name)) {
      kept.push([name, column]);
      continue;
    }
    if (column.kind !== 'number') {
      throw new NwbError('unsupported', 'time column is not numeric', {
        file: session.file,
        field: `/intervals/trials/${name}`,
        hint: 'Every trials column whose name contains "time" must hold times in seconds',
      });
    }
    const inSession = new Float64Array(n);
    const inTrial = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      inSession[i] = column.values[i] - t0;
      inTrial[i] = column.values[i] - goCue[i];
    }
    aligned.push([`${name}_in_session`, num(inSession)], [`${name}_in_trial`, num(inTrial)]);
  }

  // Trial windows in session time: go cue to next go cue (+inf after the last one).
  const goCueInSession = Float64Array.from(goCue, (g) => g - t0);
  const next = (i: number) => (i + 1 < n ? goCueInSession[i + 1] : Number.POSITIVE_INFINITY);

  const shiftedOf = (name: string) => Float64Array.from(seriesOf(session, name).timestamps, (t) => t - t0);
  const window = (name: string, tolerance: boolean) => {
    const shifted = shiftedOf(name);
    const sorted = sortEvents(shifted);
    const mins = new Float64Array(n);
    const firsts = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const lo = tolerance ? goCueInSession[i] - CHOICE_TOLERANCE : goCueInSession[i];
      const hi = tolerance ? next(i) - CHOICE_TOLERANCE : next(i);
      const w = windowOf(sorted, lo, hi);
      mins[i] = w.min;
      firsts[i] = w.first;
    }
    return { shifted, mins, firsts };
  };
  const [leftLicks, rightLicks] = LICK_EVENTS.map((e) => window(e, true));
  const [leftRewards, rightRewards] = REWARD_EVENTS.map((e) => window(e, false));

  const rewardTime = new Float64Array(n);
  const rewardInTrial = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    rewardTime[i] = nanMin(rightRewards.mins[i], leftRewards.mins[i]);
    rewardInTrial[i] = rewardTime[i] - goCueInSession[i];
  }
  const typesOf = (name: string, w: { shifted: Float64Array; firsts: Int32Array }) =>
    rewardTypes(seriesOf(session, name), w.shifted, w.firsts, session.file);
  const rightType = typesOf('right_reward_delivery_time', rightRewards);
  const leftType = typesOf('left_reward_delivery_time', leftRewards);

  const rewardedL = flagsOf(session, 'rewarded_historyL');
  const rewardedR = flagsOf(session, 'rewarded_historyR');
  const earned = Uint8Array.from(rewardedL, (l, i) => l | rewardedR[i]);
  const typeIs = (column: Column, i: number, value: string) =>
    (column.kind === 'string' || column.kind === 'mixed') && column.values[i] === value;
  let annotated = false;
  for (let i = 0; i < n; i++) if (typeIs(rightType, i, 'earned')) annotated = true;
  const extra = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    extra[i] = annotated
      ? Number(
          typeIs(rightType, i, 'manual') ||
            typeIs(leftType, i, 'manual') ||
            typeIs(rightType, i, 'auto') ||
            typeIs(leftType, i, 'auto'),
        )
      : Number(!earned[i] && !Number.isNaN(rewardTime[i]));
  }

  const responseDuration = numbersOf(session, 'response_duration');
  const choiceTime = new Float64Array(n);
  const choiceInTrial = new Float64Array(n);
  let late = false;
  for (let i = 0; i < n; i++) {
    choiceTime[i] = nanMin(rightLicks.mins[i], leftLicks.mins[i]);
    choiceInTrial[i] = choiceTime[i] - goCueInSession[i];
    // A lick after the response window ends is not a choice, unless it was rewarded.
    if (choiceInTrial[i] > responseDuration[i] + RESPONSE_TOLERANCE && !earned[i]) {
      choiceTime[i] = Number.NaN;
      choiceInTrial[i] = Number.NaN;
    }
    if (choiceInTrial[i] > responseDuration[i] + RESPONSE_TOLERANCE) late = true;
  }
  if (late) warnings.push('Response time greater than minimum, something unusual happened');

  checkTrialSanity(session, sessionDate, { earned, extra, rewardTime, choiceTime, choiceInTrial }, warnings);

  const columns: [string, Column][] = [
    ...kept,
    ...aligned,
    [`${ALIGNMENT}_raw`, num(goCue)],
    ['reward_time_in_session', num(rewardTime)],
    ['reward_time_in_trial', num(rewardInTrial)],
    ['right_reward_type', rightType],
    ['left_reward_type', leftType],
    ['earned_reward', bool(earned)],
    ['extra_reward', bool(extra)],
    ['choice_time_in_session', num(choiceTime)],
    ['choice_time_in_trial', num(choiceInTrial)],
  ];
  const names = new Set(columns.map(([c]) => c));
  if (names.has('lickspout_position_y') && !names.has('lickspout_position_y1')) {
    warnings.push(
      'Independent lickspout y coordinates are not provided. This DOES NOT indicate a data error, since older data did ' +
        'not allow independent y coordinate movement. It DOES indicate this NWB file needs to be reprocessed. Please ' +
        'report to https://github.com/AllenNeuralDynamics/aind-dynamic-foraging-data-utils/issues/67',
    );
  }
  if (names.has('trial_type')) {
    warnings.push(
      'This session contains multiple trial types. This indicates this session was unusual, care should be taken to ' +
        'evaluate how these trial types impact your analysis',
    );
  }
  return { table: makeTable(columns, n), warnings };
}

/**
 * The reference's sanity checks on rewards and choices. Before 2025-01-01 manual water was not
 * logged, so reward bookkeeping problems only warn; a rewarded trial without a choice (or with
 * a choice before the go cue) always fails.
 */
function checkTrialSanity(
  session: LoadedSession,
  sessionDate: string,
  t: { earned: Uint8Array; extra: Uint8Array; rewardTime: Float64Array; choiceTime: Float64Array; choiceInTrial: Float64Array },
  warnings: string[],
): void {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(sessionDate)) {
    throw new NwbError('inconsistent', `session date "${sessionDate}" in session_id is not YYYY-MM-DD`, {
      file: session.file,
      field: '/general/session_id',
      hint: 'Session ids look like behavior_<subject>_<YYYY-MM-DD>_<HH-MM-SS>',
    });
  }
  const lenient = sessionDate <= MANUAL_REWARD_CUTOFF;
  const fail = (message: string) =>
    new NwbError('inconsistent', message, {
      file: session.file,
      field: '/intervals/trials',
      hint: "The lab's reference rejects this session too; check the rig's reward and lick records",
    });
  const check = (bad: boolean, message: string, oldWarning: string | null) => {
    if (!bad) return;
    if (oldWarning !== null && lenient) warnings.push(oldWarning);
    else throw fail(message);
  };
  const n = t.earned.length;
  let rewardedWithoutRewardTime = false;
  let rewardedWithoutChoice = false;
  let rewardBeforeChoice = false;
  let negativeChoice = false;
  let unrewardedWithRewardTime = false;
  for (let i = 0; i < n; i++) {
    if (t.earned[i]) {
      if (Number.isNaN(t.rewardTime[i])) rewardedWithoutRewardTime = true;
      if (Number.isNaN(t.choiceTime[i])) rewardedWithoutChoice = true;
      // `not np.all(choice <= reward)`: a NaN on either side fails the comparison too.
      if (!t.extra[i] && !(t.choiceTime[i] <= t.rewardTime[i])) rewardBeforeChoice = true;
      if (!(t.choiceInTrial[i] >= -CHOICE_TOLERANCE)) negativeChoice = true;
    } else if (!t.extra[i] && !Number.isNaN(t.rewardTime[i])) unrewardedWithRewardTime = true;
  }
  check(
    rewardedWithoutRewardTime,
    'Rewarded trials without reward time',
    'Rewarded trials without reward time. This is likely due to manual rewards not being recorded in sessions from 2024',
  );
  check(rewardedWithoutChoice, 'Rewarded trials without choice time', null);
  check(
    rewardBeforeChoice,
    'Reward before choice time',
    'Reward before choice time. This is likely due to manual rewards not being recorded in sessions from 2024',
  );
  check(negativeChoice, 'Rewarded trial with negative choice_time_in_trial', null);
  check(
    unrewardedWithRewardTime,
    'Unrewarded trials with reward time',
    'Unrewarded trials with reward time. If this was data from 2024, this is likely because extra_rewards are not recorded',
  );
}

// ---------------------------------------------------------------------------------------------
// create_df_events / create_df_fip

/** Values of a series' data as numbers or strings (booleans as 0/1). */
function dataCells(series: TimeSeries, file: string): { numeric: boolean; get(i: number): number | string } {
  const data = series.data;
  switch (data.kind) {
    case 'number':
      return { numeric: true, get: (i) => data.values[i] };
    case 'bool':
      return { numeric: true, get: (i) => data.values[i] };
    case 'string':
      return { numeric: false, get: (i) => data.values[i] ?? Number.NaN };
    case 'mixed':
      return { numeric: false, get: (i) => data.values[i] };
    case 'vector':
      throw new NwbError('unsupported', 'series data has more than one value per sample', {
        file,
        field: series.name,
        hint: 'Only one-dimensional event and photometry series go into the tidy tables',
      });
  }
}

/** Part of a tidy table: one series' rows, in file order. */
interface Piece {
  readonly label: string;
  readonly raw: Float64Array;
  readonly cells: (i: number) => number | string;
  readonly numeric: boolean;
}

/**
 * Concatenates the pieces, drops NaN times, and sorts by session time (stable: ties keep
 * concatenation order). Returns the tidy columns timestamps, data, event, raw_timestamps.
 */
function tidy(pieces: readonly Piece[], t0: number): { entries: [string, Column][]; rowCount: number; shifted: Float64Array } {
  let total = 0;
  for (const p of pieces) total += p.raw.length;
  const shiftedAll = new Float64Array(total);
  const pieceOf = new Uint16Array(total);
  const rowOf = new Uint32Array(total);
  let k = 0;
  pieces.forEach((p, pi) => {
    for (let i = 0; i < p.raw.length; i++, k++) {
      shiftedAll[k] = p.raw[i] - t0;
      pieceOf[k] = pi;
      rowOf[k] = i;
    }
  });
  let kept = 0;
  const order = new Uint32Array(total);
  for (let j = 0; j < total; j++) if (!Number.isNaN(shiftedAll[j])) order[kept++] = j;
  const rows = order.subarray(0, kept).sort((a, b) => shiftedAll[a] - shiftedAll[b] || a - b);

  const timestamps = new Float64Array(kept);
  const raw = new Float64Array(kept);
  const event = new Array<string>(kept);
  const numeric = pieces.every((p) => p.numeric);
  const dataNum = numeric ? new Float64Array(kept) : undefined;
  const dataMixed = numeric ? undefined : new Array<number | string>(kept);
  for (let r = 0; r < kept; r++) {
    const j = rows[r];
    const p = pieces[pieceOf[j]];
    timestamps[r] = shiftedAll[j];
    raw[r] = p.raw[rowOf[j]];
    event[r] = p.label;
    const v = p.cells(rowOf[j]);
    if (dataNum !== undefined) dataNum[r] = v as number;
    else dataMixed![r] = v;
  }
  const data: Column = dataNum !== undefined ? num(dataNum) : ({ kind: 'mixed', values: dataMixed! } satisfies MixedColumn);
  return {
    entries: [
      ['timestamps', num(timestamps)],
      ['data', data],
      ['event', str(event)],
      ['raw_timestamps', num(raw)],
    ],
    rowCount: kept,
    shifted: timestamps,
  };
}

function seriesPiece(series: TimeSeries, file: string): Piece {
  const cells = dataCells(series, file);
  return { label: series.name, raw: series.timestamps, cells: cells.get, numeric: cells.numeric };
}

/**
 * Port of `create_df_events(nwb)`: every non-photometry acquisition series (except FIP frame
 * times and `sniff_detector`) plus the go cues (data 1), sorted by time, NaN times dropped, each
 * row labelled with the last trial whose go cue is at or before it (-1 before the first).
 * Equal to the reference when the session was read with `events: "all"`.
 */
export function createDfEvents(session: LoadedSession): Table {
  const goCue = numbersOf(session, ALIGNMENT);
  const t0 = goCue[0];
  const names = Object.keys(session.events)
    .filter((e) => !isPhotometrySeries(e) && !FIP_FRAME_EVENTS.includes(e) && !IGNORED_EVENTS.has(e))
    .sort();
  const pieces: Piece[] = names.map((e) => seriesPiece(session.events[e], session.file));
  pieces.push({ label: ALIGNMENT, raw: goCue, cells: () => 1, numeric: true });
  const { entries, rowCount, shifted } = tidy(pieces, t0);

  // Trial of each row: the last index i with goCue_i <= t (go cues need not be sorted). Rows are
  // sorted by time, so that index only grows: sweep the go cues in time order.
  const starts = Float64Array.from(goCue, (g) => g - t0);
  const byTime = sortEvents(starts);
  const trial = new Float64Array(rowCount);
  let next = 0;
  let last = -1;
  for (let r = 0; r < rowCount; r++) {
    while (next < byTime.times.length && byTime.times[next] <= shifted[r]) last = Math.max(last, byTime.order[next++]);
    trial[r] = last;
  }
  entries.push(['trial', num(trial, 'int64')]);

  // The reference asserts that the first go cue row is at time 0 (np.isclose, atol 1e-8).
  const event = entries[2][1] as StringColumn;
  const firstCue = event.values.indexOf(ALIGNMENT);
  if (firstCue >= 0 && !(Math.abs(shifted[firstCue]) <= 1e-8)) {
    throw new NwbError('inconsistent', 'the first go cue is not the earliest one', {
      file: session.file,
      field: `/intervals/trials/${ALIGNMENT}`,
      hint: "Go cue times are out of order; the lab's reference rejects this session too",
    });
  }
  return makeTable(entries, rowCount);
}

/**
 * Port of `create_df_fip(nwb, tidy=True)`: the photometry series that were read plus the FIP
 * frame times (when present), sorted by time, NaN times dropped, with `ses_idx`. Null when the
 * session has none of them (the reference fails on an empty concatenation). Equal to the
 * reference when every photometry series was requested.
 */
export function createDfFip(session: LoadedSession): Table | null {
  const series = [
    ...Object.values(session.photometry),
    ...FIP_FRAME_EVENTS.filter((e) => e in session.events).map((e) => session.events[e]),
  ].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (series.length === 0) return null;
  const t0 = numbersOf(session, ALIGNMENT)[0];
  const { entries, rowCount } = tidy(
    series.map((s) => seriesPiece(s, session.file)),
    t0,
  );
  const { sesIdx } = sessionIndex(session.metadata.sessionId);
  entries.push(['ses_idx', str(new Array<string>(rowCount).fill(sesIdx))]);
  return makeTable(entries, rowCount);
}
