// The per-session tables. Real-fixture expectations are taken from the Python reference
// (aind-dynamic-foraging-data-utils 0.1.46 via scripts/reference on the same files); the
// synthetic sessions pin down the reference's rules (windows, tolerances, reward types, sanity
// checks) on cases small enough to work out by hand. The full cell-by-cell comparison is in
// test/crosscheck/nwb.
import { beforeAll, describe, expect, it } from 'vitest';

import { NwbError } from '../../../src/nwb/errors.js';
import { openNwb } from '../../../src/nwb/open.js';
import { readSession, type LoadedSession, type TimeSeries } from '../../../src/nwb/session.js';
import { createDfEvents, createDfFip, createDfSession, createDfTrials, sessionIndex } from '../../../src/nwb/tables.js';
import type { Column, Table } from '../../../src/nwb/types.js';
import { HDF5_A, ZARR } from './fixtures.js';

const values = (t: Table, c: string) => Array.from(t.data[c].values as ArrayLike<unknown>);

async function load(file: string, channels: string[] = []): Promise<LoadedSession> {
  const src = await openNwb(file);
  try {
    return await readSession(src, { channels });
  } finally {
    await src.close();
  }
}

describe('tables of the real HDF5 session 697062_2023-11-14', () => {
  let s: LoadedSession;
  beforeAll(async () => {
    s = await load(HDF5_A);
  });

  it('df_session: parsed ids, rig/water/weight from the descriptions, counts', () => {
    const t = createDfSession(s);
    expect(t.rowCount).toBe(1);
    // Column order of the reference (no auto-train columns in this older file).
    expect(t.columns).toEqual([
      'subject_id', 'session_date', 'nwb_suffix', 'rig', 'user_name', 'experiment_description', 'task',
      'session_start_time', 'weight_before_session', 'weight_after_session', 'water_during_session', 'water_extra',
      'curriculum_name', 'curriculum_version', 'curriculum_schema_version', 'current_stage_actual',
      'if_overriden_by_trainer', 'total_trials', 'finished_trials', 'finished_rate', 'ignore_rate', 'reward_trials',
      'reward_rate', 'ses_idx',
    ]); // prettier-ignore
    const row = Object.fromEntries(t.columns.map((c) => [c, values(t, c)[0]]));
    expect(row).toMatchObject({
      subject_id: '697062',
      session_date: '2023-11-14',
      nwb_suffix: 111244,
      rig: 'Blue-1',
      user_name: 'Katrina',
      task: 'Coupled Baiting',
      weight_before_session: 20.9,
      weight_after_session: 20.9,
      water_during_session: 0,
      water_extra: 0,
      curriculum_name: null,
      total_trials: 342,
      finished_trials: 246,
      reward_trials: 15,
      ses_idx: '697062_2023-11-14',
    });
    expect(row.reward_rate).toBe(15 / 246);
    expect(t.data.nwb_suffix).toMatchObject({ kind: 'number', dtype: 'int64' });
  });

  it('df_trials: reference column order, in-session/in-trial times, raw go cue', () => {
    const { table: t, warnings } = createDfTrials(s);
    expect(warnings).toEqual([]);
    expect(t.rowCount).toBe(342);
    expect(t.columns.slice(0, 3)).toEqual(['trial', 'animal_response', 'rewarded_historyL']);
    expect(t.columns.slice(42)).toEqual([
      'ses_idx', 'bonsai_start_time_in_session', 'bonsai_start_time_in_trial', 'bonsai_stop_time_in_session',
      'bonsai_stop_time_in_trial', 'delay_start_time_in_session', 'delay_start_time_in_trial',
      'goCue_start_time_in_session', 'goCue_start_time_in_trial', 'reward_outcome_time_in_session',
      'reward_outcome_time_in_trial', 'goCue_start_time_raw', 'reward_time_in_session', 'reward_time_in_trial',
      'right_reward_type', 'left_reward_type', 'earned_reward', 'extra_reward', 'choice_time_in_session',
      'choice_time_in_trial',
    ]); // prettier-ignore
    // Valve columns are durations and stay as they are.
    expect(t.columns).toContain('left_valve_open_time');
    expect(values(t, 'goCue_start_time_raw')[0]).toBe(4312324.470112);
    expect(values(t, 'goCue_start_time_in_session')[0]).toBe(0);
    // From the reference: first trial ignored (no choice), then choices at 21.2157... s.
    expect(values(t, 'choice_time_in_session').slice(0, 3)).toEqual([Number.NaN, 21.215743999928236, 28.925023999996483]);
    expect(values(t, 'bonsai_stop_time_in_session')[0]).toBe(12.714368000626564);
    expect(values(t, 'earned_reward').reduce((a, b) => (a as number) + (b as number), 0)).toBe(15);
    expect(values(t, 'extra_reward').reduce((a, b) => (a as number) + (b as number), 0)).toBe(223);
  });

  it('df_events and df_fip: row counts and trial labels of the reference', () => {
    const events = createDfEvents(s);
    expect(events.columns).toEqual(['timestamps', 'data', 'event', 'raw_timestamps', 'trial']);
    expect(events.rowCount).toBe(2933);
    expect(values(events, 'trial').at(-1)).toBe(341);
    expect(values(events, 'timestamps').at(-1)).toBe(3154.015904000029);
    const fip = createDfFip(s)!;
    expect(fip.columns).toEqual(['timestamps', 'data', 'event', 'raw_timestamps', 'ses_idx']);
    expect(fip.rowCount).toBe(150682); // FIP rising + falling frame times only
  });
});

describe('tables of the real Zarr session 717531', () => {
  it('df_session: scratch metadata, auto-train curriculum, consistency flag', async () => {
    const t = createDfSession(await load(ZARR));
    const row = Object.fromEntries(t.columns.map((c) => [c, values(t, c)[0]]));
    expect(row).toMatchObject({
      nwb_suffix: '090102',
      rig: '446-7-D',
      user_name: null,
      task: null,
      weight_after_session: 26.5,
      curriculum_name: 'Uncoupled Without Baiting',
      current_stage_actual: 'STAGE_3',
      // auto_train_stage_overridden is all NaN: pandas groupby drops every row.
      if_consistent_within_session: 0,
      total_trials: 725,
      finished_trials: 672,
      reward_trials: 294,
    });
    expect(row.weight_before_session).toBe(25.893);
    expect(row.if_overriden_by_trainer).toBeNaN();
  });

  it('df_fip holds the requested channels and the FIP frame times, sorted by time', async () => {
    const fip = createDfFip(await load(ZARR, ['G_1']))!;
    expect(fip.rowCount).toBe(109027 + 2 * 109060);
    const ts = fip.data.timestamps.values as Float64Array;
    let unsorted = 0;
    for (let i = 1; i < ts.length; i++) if (!(ts[i] >= ts[i - 1])) unsorted++;
    expect(unsorted).toBe(0);
    expect(new Set(values(fip, 'event'))).toEqual(new Set(['G_1', 'FIP_falling_time', 'FIP_rising_time']));
    expect(values(fip, 'ses_idx')[0]).toBe('717531_2024-08-07');
  });
});

// ---------------------------------------------------------------------------------------------
// Synthetic sessions

const numberColumn = (v: number[], dtype: 'float64' | 'int64' = 'float64'): Column => ({
  kind: 'number',
  dtype,
  values: Float64Array.from(v),
});
const boolColumn = (v: number[]): Column => ({ kind: 'bool', values: Uint8Array.from(v) });
const series = (name: string, t: number[], data?: Column): TimeSeries => ({
  name,
  timestamps: Float64Array.from(t),
  data: data ?? numberColumn(t.map(() => 1)),
});

interface Spec {
  sessionId?: string;
  goCue: number[];
  response: number[];
  rewardedL?: number[];
  rewardedR?: number[];
  responseDuration?: number;
  leftLicks?: number[];
  rightLicks?: number[];
  leftRewards?: TimeSeries;
  rightRewards?: TimeSeries;
  extraEvents?: TimeSeries[];
}

const CLOCK = 1000;
/** A time in session after the round trip through the rig clock (raw = t + CLOCK, then - t0). */
const viaClock = (t: number) => t + CLOCK - CLOCK;

/** A session with go cues at raw times `goCue + CLOCK`. */
function synthetic(spec: Spec): LoadedSession {
  const n = spec.goCue.length;
  const zeros = spec.goCue.map(() => 0);
  const raw = (t: number[]) => t.map((x) => x + CLOCK);
  const columns: Record<string, Column> = {
    id: numberColumn(spec.goCue.map((_, i) => i), 'int64'),
    start_time: numberColumn(raw(spec.goCue.map((g) => g - 1))),
    stop_time: numberColumn(raw(spec.goCue.map((g) => g + 2))),
    animal_response: numberColumn(spec.response),
    rewarded_historyL: boolColumn(spec.rewardedL ?? zeros),
    rewarded_historyR: boolColumn(spec.rewardedR ?? zeros),
    goCue_start_time: numberColumn(raw(spec.goCue)),
    response_duration: numberColumn(spec.goCue.map(() => spec.responseDuration ?? 1)),
  };
  const shift = (s: TimeSeries): TimeSeries => ({ ...s, timestamps: s.timestamps.map((t) => t + CLOCK) });
  const events = [
    series('left_lick_time', spec.leftLicks ?? []),
    series('right_lick_time', spec.rightLicks ?? []),
    spec.leftRewards ?? series('left_reward_delivery_time', []),
    spec.rightRewards ?? series('right_reward_delivery_time', []),
    ...(spec.extraEvents ?? []),
  ].map(shift);
  return {
    file: 'synthetic.nwb',
    format: 'zarr',
    metadata: {
      sessionId: spec.sessionId ?? 'behavior_123456_2024-05-06_10-00-00',
      subjectId: '123456',
      sessionStartTime: '2024-05-06T10:00:00-07:00',
      sessionDescription: null,
      protocol: 'Uncoupled Baiting',
      experimenter: null,
      experimentDescription: null,
      institution: null,
      subjectDescription: null,
      subjectWeight: null,
      nwbVersion: '2.6.0',
      scratchMetadata: null,
    },
    trials: { columns: Object.keys(columns), rowCount: n, data: columns },
    skippedTrialColumns: [],
    events: Object.fromEntries(events.map((e) => [e.name, e])),
    photometry: {},
    available: { events: events.map((e) => e.name), photometry: [] },
  };
}

describe('create_df_trials rules on synthetic sessions', () => {
  it('licks count from 5 ms before the go cue up to 5 ms before the next one', () => {
    const s = synthetic({
      goCue: [0, 10, 20],
      response: [0, 1, 2],
      leftLicks: [-0.004, 9.994],
      rightLicks: [9.996, 10.5],
    });
    const t = createDfTrials(s).table;
    // Trial 0: left lick at -0.004 (inside the tolerance); trial 1: right lick at 9.996.
    expect(values(t, 'choice_time_in_session')).toEqual([viaClock(-0.004), viaClock(9.996), Number.NaN]);
    expect(values(t, 'choice_time_in_trial')[1]).toBe(viaClock(9.996) - 10);
  });

  it('a late lick is no choice unless the trial was rewarded', () => {
    const s = synthetic({
      goCue: [0, 10],
      response: [0, 0],
      rewardedL: [0, 1],
      responseDuration: 1,
      leftLicks: [1.5, 11.5],
      leftRewards: series('left_reward_delivery_time', [11.6]),
    });
    const { table: t, warnings } = createDfTrials(s);
    expect(values(t, 'choice_time_in_session')).toEqual([Number.NaN, 11.5]);
    expect(warnings).toEqual(['Response time greater than minimum, something unusual happened']);
  });

  it('reward time is the earliest delivery, reward type the first one in file order', () => {
    const types: Column = { kind: 'string', values: ['auto', 'earned', 'earned'] };
    const s = synthetic({
      goCue: [0, 10],
      response: [1, 1],
      rewardedR: [0, 1],
      rightLicks: [0.2, 10.2],
      rightRewards: series('right_reward_delivery_time', [0.3, 0.25, 10.3], types),
    });
    const t = createDfTrials(s).table;
    expect(values(t, 'reward_time_in_session')).toEqual([0.25, viaClock(10.3)]);
    expect(values(t, 'right_reward_type')).toEqual(['auto', 'earned']);
    // No left deliveries (a numeric series): NaN, as pandas gives a float column.
    expect(values(t, 'left_reward_type')).toEqual([Number.NaN, Number.NaN]);
    // With reward-type annotations, extra reward = a manual or auto delivery.
    expect(values(t, 'extra_reward')).toEqual([1, 0]);
    expect(values(t, 'earned_reward')).toEqual([0, 1]);
  });

  it('without annotations, extra reward = a delivery in an unearned trial', () => {
    const s = synthetic({
      goCue: [0, 10],
      response: [2, 0],
      rewardedL: [0, 1],
      leftLicks: [10.2],
      leftRewards: series('left_reward_delivery_time', [0.5, 10.3]),
    });
    expect(values(createDfTrials(s).table, 'extra_reward')).toEqual([1, 0]);
  });

  it('reward bookkeeping problems warn before 2025 and fail after', () => {
    const spec: Spec = { goCue: [0, 10], response: [0, 0], rewardedL: [1, 0], leftLicks: [0.2] };
    expect(createDfTrials(synthetic(spec)).warnings[0]).toMatch(/^Rewarded trials without reward time/);
    const late = synthetic({ ...spec, sessionId: 'behavior_123456_2025-03-04_10-00-00' });
    expect(() => createDfTrials(late)).toThrow(NwbError);
    expect(() => createDfTrials(late)).toThrow(/Rewarded trials without reward time/);
  });

  it('a rewarded trial without a choice always fails', () => {
    const s = synthetic({
      goCue: [0, 10],
      response: [0, 0],
      rewardedL: [1, 0],
      leftRewards: series('left_reward_delivery_time', [0.3]),
    });
    const err = (() => {
      try {
        createDfTrials(s);
      } catch (e) {
        return e as NwbError;
      }
      throw new Error('no error');
    })();
    expect(err.code).toBe('inconsistent');
    expect(err.message).toContain('synthetic.nwb');
    expect(err.message).toContain('Rewarded trials without choice time');
  });
});

describe('create_df_events and create_df_fip on synthetic sessions', () => {
  it('labels rows with the last go cue at or before them, -1 before the first', () => {
    const s = synthetic({
      goCue: [0, 10],
      response: [0, 2],
      leftLicks: [-3, 0, 9.5, 10, 50],
      extraEvents: [series('optogenetics_time', [Number.NaN]), series('sniff_detector', [1])],
    });
    const t = createDfEvents(s);
    // NaN times are dropped, sniff_detector ignored; ties keep name order, go cues last.
    expect(values(t, 'event')).toEqual([
      'left_lick_time',
      'left_lick_time',
      'goCue_start_time',
      'left_lick_time',
      'left_lick_time',
      'goCue_start_time',
      'left_lick_time',
    ]);
    expect(values(t, 'timestamps')).toEqual([-3, 0, 0, 9.5, 10, 10, 50]);
    expect(values(t, 'trial')).toEqual([-1, 0, 0, 0, 1, 1, 1]);
    expect(values(t, 'raw_timestamps')[0]).toBe(997);
  });

  it('df_fip is null without any photometry or frame-time series', () => {
    expect(createDfFip(synthetic({ goCue: [0], response: [2] }))).toBeNull();
  });
});

describe('ses_idx and df_session naming schemes', () => {
  it('parses the three generations of session ids', () => {
    expect(sessionIndex('behavior_717531_2024-08-07_09-01-02').sesIdx).toBe('717531_2024-08-07');
    expect(sessionIndex('FIP_717531_2024-08-07_09-01-02').sesIdx).toBe('717531_2024-08-07');
    expect(sessionIndex('697062_2023-11-14_11-12-44.json').sesIdx).toBe('697062_2023-11-14');
  });

  it('a subject id that disagrees with the metadata is inconsistent', () => {
    const s = synthetic({ goCue: [0], response: [2], sessionId: 'behavior_999999_2024-05-06_10-00-00' });
    expect(() => createDfSession(s)).toThrow(/does not match the session id/);
  });

  it('without scratch metadata newer sessions get zeros for rig, user and weights', () => {
    const t = createDfSession(synthetic({ goCue: [0, 1], response: [0, 2], rewardedL: [1, 0] }));
    const row = Object.fromEntries(t.columns.map((c) => [c, values(t, c)[0]]));
    expect(row).toMatchObject({ nwb_suffix: '100000', rig: 0, user_name: 0, weight_before_session: 0, water_extra: 0 });
    expect(row).toMatchObject({ finished_trials: 1, finished_rate: 0.5, ignore_rate: 0.5, reward_rate: 1 });
  });
});
