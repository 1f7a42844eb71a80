// The NWB content of a synthetic session as a format-neutral tree: group paths, datasets with
// their NWB dtypes, and the attributes pynwb / hdmf-zarr write (namespace, neurodata_type,
// object_id, colnames, description, TimeSeries conversion/offset/resolution/unit, ...). The
// HDF5 and Zarr writers serialise this same tree, so both formats carry one layout, which is the
// lab's (group names, column names and order, dtypes follow the real fixture files).

import { PREPROCESSING_METHOD } from './photometry.js';
import type { Rng } from './random.js';
import type { SessionData } from './session.js';
import type { Deliveries } from './task.js';

export const NWB_VERSION = '2.6.0';

export type AttrValue =
  | { type: 'text'; value: string }
  | { type: 'textArray'; value: readonly string[] }
  | { type: 'float64'; value: number }
  | { type: 'int64'; value: number };

/**
 * Dataset contents. `zarrDtype` is hdmf-zarr's `zarr_dtype` attribute, which distinguishes
 * values the spec types ("float64", "int64") from ones pynwb inferred ("float", "int").
 */
export type DatasetValue =
  | { type: 'float64'; values: Float64Array; zarrDtype: 'float' | 'float64' }
  | { type: 'int64'; values: BigInt64Array; zarrDtype: 'int' | 'int64' }
  | { type: 'bool'; values: Uint8Array }
  | { type: 'text'; values: readonly string[] }
  | { type: 'scalarText'; value: string }
  /** ISO 8601 datetime stored as ASCII/bytes (pynwb's isodatetime). */
  | { type: 'scalarDatetime'; value: string }
  | { type: 'datetimeArray'; values: readonly string[] };

export interface DatasetNode {
  kind: 'dataset';
  value: DatasetValue;
  attrs: Record<string, AttrValue>;
}

export interface GroupNode {
  kind: 'group';
  attrs: Record<string, AttrValue>;
  children: Record<string, NwbNode>;
}

export type NwbNode = DatasetNode | GroupNode;

const text = (value: string): AttrValue => ({ type: 'text', value });
const f64Attr = (value: number): AttrValue => ({ type: 'float64', value });

const group = (children: Record<string, NwbNode> = {}, attrs: Record<string, AttrValue> = {}): GroupNode => ({
  kind: 'group',
  attrs,
  children,
});
const dataset = (value: DatasetValue, attrs: Record<string, AttrValue> = {}): DatasetNode => ({ kind: 'dataset', value, attrs });
const floats = (values: Float64Array, zarrDtype: 'float' | 'float64' = 'float'): DatasetValue => ({ type: 'float64', values, zarrDtype });
const ints = (values: ArrayLike<number>, zarrDtype: 'int' | 'int64' = 'int'): DatasetValue => ({
  type: 'int64',
  values: BigInt64Array.from(Array.from(values, (v) => BigInt(v))),
  zarrDtype,
});
const constant = (n: number, v: number) => new Float64Array(n).fill(v);

/** Hands out NWB object ids in creation order from the session's id stream. */
class Typed {
  constructor(private readonly ids: Rng) {}
  attrs(namespace: string, neurodataType: string, extra: Record<string, AttrValue> = {}): Record<string, AttrValue> {
    return { ...extra, namespace: text(namespace), neurodata_type: text(neurodataType), object_id: text(this.ids.uuid4()) };
  }
}

type Column = { name: string; description: string; value: DatasetValue };

/** hdmf DynamicTable: `colnames` in order, one VectorData per column, and the `id` column. */
function dynamicTable(typed: Typed, neurodataType: string, namespace: string, description: string, columns: Column[], n: number): GroupNode {
  const tableAttrs = typed.attrs(namespace, neurodataType, {
    colnames: { type: 'textArray', value: columns.map((c) => c.name) },
    description: text(description),
  });
  const children: Record<string, NwbNode> = {};
  for (const c of columns) {
    children[c.name] = dataset(c.value, typed.attrs('hdmf-common', 'VectorData', { description: text(c.description) }));
  }
  children.id = dataset(ints(Array.from({ length: n }, (_, i) => i), 'int64'), typed.attrs('hdmf-common', 'ElementIdentifiers'));
  return group(children, tableAttrs);
}

function timeSeries(
  typed: Typed,
  description: string,
  timestamps: Float64Array,
  data: DatasetValue,
  unit: string,
): GroupNode {
  return group(
    {
      data: dataset(data, { conversion: f64Attr(1), offset: f64Attr(0), resolution: f64Attr(-1), unit: text(unit) }),
      timestamps: dataset(floats(timestamps, 'float64'), { interval: { type: 'int64', value: 1 }, unit: text('seconds') }),
    },
    typed.attrs('core', 'TimeSeries', { comments: text('no comments'), description: text(description) }),
  );
}

function trialsTable(typed: Typed, s: SessionData): GroupNode {
  const { trials: t } = s.behavior;
  const cfg = s.task;
  const n = cfg.nTrials;
  const c = (name: string, description: string, value: DatasetValue): Column => ({ name, description, value });
  const bool = (values: Uint8Array): DatasetValue => ({ type: 'bool', values });
  const zeros = new Array<number>(n).fill(0);
  const laser = (name: string, description: string) => c(name, description, ints(zeros));
  const textColumn = (v: string): DatasetValue => ({ type: 'text', values: new Array<string>(n).fill(v) });
  const columns: Column[] = [
    c('start_time', 'Start time of epoch, in seconds', floats(t.start_time, 'float64')),
    c('stop_time', 'Stop time of epoch, in seconds', floats(t.stop_time, 'float64')),
    c('animal_response', 'The response of the animal. 0, left choice; 1, right choice; 2, no response', floats(t.animal_response)),
    c('rewarded_historyL', 'The reward history of left lick port', bool(t.rewarded_historyL)),
    c('rewarded_historyR', 'The reward history of right lick port', bool(t.rewarded_historyR)),
    c('delay_start_time', 'The delay start time', floats(t.delay_start_time)),
    c('goCue_start_time', 'The go cue start time', floats(t.goCue_start_time)),
    c('reward_outcome_time', 'The reward outcome time (reward/no reward/no response)', floats(t.reward_outcome_time)),
    c('bait_left', 'Whether the current left lickport has a bait or not', bool(t.bait_left)),
    c('bait_right', 'Whether the current right lickport has a bait or not', bool(t.bait_right)),
    c('base_reward_probability_sum', 'The summation of left and right reward probability', floats(constant(n, 0.8))),
    c('reward_probabilityL', 'The reward probability of left lick port', floats(t.reward_probabilityL)),
    c('reward_probabilityR', 'The reward probability of right lick port', floats(t.reward_probabilityR)),
    c('reward_random_number_left', 'The random number used to determine the reward of left lick port', floats(t.reward_random_number_left)),
    c('reward_random_number_right', 'The random number used to determine the reward of right lick port', floats(t.reward_random_number_right)),
    c('left_valve_open_time', 'The left valve open time', floats(constant(n, cfg.valveOpenTime))),
    c('right_valve_open_time', 'The right valve open time', floats(constant(n, cfg.valveOpenTime))),
    c('block_beta', 'The beta of exponential distribution to generate the block length', floats(constant(n, cfg.blockBeta))),
    c('block_min', 'The minimum length allowed for each block', floats(constant(n, cfg.blockMin))),
    c('block_max', 'The maxmum length allowed for each block', floats(constant(n, cfg.blockMax))),
    c('min_reward_each_block', 'The minimum reward allowed for each block', floats(constant(n, 0))),
    c('delay_beta', 'The beta of exponential distribution to generate the delay duration(s)', floats(constant(n, 0))),
    c('delay_min', 'The minimum duration(s) allowed for each delay', floats(constant(n, cfg.delayDuration))),
    c('delay_max', 'The maxmum duration(s) allowed for each delay', floats(constant(n, cfg.delayDuration))),
    c('delay_duration', 'The expected time duration between delay start and go cue start', floats(constant(n, cfg.delayDuration))),
    c('ITI_beta', 'The beta of exponential distribution to generate the ITI duration(s)', floats(constant(n, cfg.itiBeta))),
    c('ITI_min', 'The minimum duration(s) allowed for each ITI', floats(constant(n, cfg.itiMin))),
    c('ITI_max', 'The maxmum duration(s) allowed for each ITI', floats(constant(n, cfg.itiMax))),
    c('ITI_duration', 'The expected time duration between trial start and ITI start', floats(t.ITI_duration)),
    c('response_duration', 'The maximum time that the animal must make a choce in order to get a reward', floats(constant(n, cfg.responseDuration))),
    c('reward_consumption_duration', 'The duration for the animal to consume the reward', floats(constant(n, cfg.rewardConsumptionDuration))),
    c('auto_waterL', 'Autowater given at Left', ints(t.auto_waterL)),
    c('auto_waterR', 'Autowater given at Right', ints(t.auto_waterR)),
    laser('laser_on_trial', 'Trials with laser stimulation'),
    laser('laser_wavelength', 'The wavelength of laser or LED'),
    laser('laser_location', 'The target brain areas'),
    laser('laser_power', 'The laser power(mw)'),
    laser('laser_duration', 'The laser duration'),
    laser('laser_condition', 'The laser on is conditioned on LaserCondition'),
    laser('laser_condition_probability', 'The laser on is conditioned on LaserCondition with a probability LaserConditionPro'),
    laser('laser_start', 'Laser start is aligned to an event'),
    laser('laser_start_offset', 'Laser start is aligned to an event with an offset'),
    laser('laser_end', 'Laser end is aligned to an event'),
    laser('laser_end_offset', 'Laser end is aligned to an event with an offset'),
    laser('laser_protocol', 'The laser waveform'),
    laser('laser_frequency', 'The laser waveform frequency'),
    laser('laser_rampingdown', 'The ramping down time of the laser'),
    laser('laser_pulse_duration', 'The pulse duration for Pulse protocol'),
    c('auto_train_engaged', 'Whether the auto training is engaged', bool(new Uint8Array(n).fill(1))),
    c('auto_train_curriculum_name', 'The name of the auto training curriculum', textColumn(cfg.protocol)),
    c('auto_train_curriculum_version', 'The version of the auto training curriculum', textColumn('2.3')),
    c('auto_train_curriculum_schema_version', 'The schema version of the auto training curriculum', textColumn('1.0')),
    c('auto_train_stage', 'The current stage of auto training', textColumn('STAGE_FINAL')),
    c('auto_train_stage_overridden', 'Whether the auto training stage is overridden', floats(constant(n, Number.NaN))),
    // Newer files split y into y1/y2 (the reference warns about files that only have y).
    c('lickspout_position_x', 'x position (um) of the lickspout position (left-right)', floats(constant(n, 6000))),
    c('lickspout_position_y1', 'y1 position (um) of the lickspout position (forward-backward)', floats(constant(n, 12000))),
    c('lickspout_position_y2', 'y2 position (um) of the lickspout position (forward-backward)', floats(constant(n, 12000))),
    c('lickspout_position_z', 'z position (um) of the lickspout position (up-down)', floats(constant(n, 8000))),
    c('reward_size_left', 'Left reward size (uL)', floats(constant(n, cfg.rewardSizeMicroliters))),
    c('reward_size_right', 'Right reward size (uL)', floats(constant(n, cfg.rewardSizeMicroliters))),
  ];
  return dynamicTable(typed, 'TimeIntervals', 'core', 'experimental trials', columns, n);
}

function scratchMetadata(typed: Typed, s: SessionData): GroupNode {
  const m = s.metadata;
  const one = (v: number) => floats(Float64Array.of(v), 'float64');
  const c = (name: string, value: DatasetValue): Column => ({ name, description: 'no description', value });
  const columns: Column[] = [
    c('box', { type: 'text', values: [m.box] }),
    c('session_end_time', { type: 'text', values: [m.sessionEndTime] }),
    c('session_run_time_in_min', ints([m.runTimeMinutes], 'int64')),
    c('water_in_session_foraging', one(m.water.foraging)),
    c('water_in_session_manual', one(m.water.manual)),
    c('water_in_session_total', one(m.water.total)),
    c('water_after_session', one(m.water.afterSession)),
    c('water_day_total', one(m.water.dayTotal)),
    c('base_weight', one(m.weight.base)),
    c('target_weight', one(m.weight.target)),
    c('target_weight_ratio', one(m.weight.targetRatio)),
    c('weight_after', one(m.weight.after)),
    c('foraging_efficiency', one(Number.NaN)),
    c('foraging_efficiency_with_actual_random_seed', one(Number.NaN)),
  ];
  return dynamicTable(typed, 'DynamicTable', 'hdmf-common', 'Some important session-wise meta data', columns, 1);
}

const ones = (n: number) => new Float64Array(n).fill(1);
const rewardTypes = (d: Deliveries): DatasetValue => ({ type: 'text', values: d.types });

function acquisition(typed: Typed, s: SessionData): GroupNode {
  const { licks, deliveries } = s.behavior;
  const children: Record<string, NwbNode> = {
    FIP_falling_time: timeSeries(typed, 'The time of photometry falling edge (from Harp)', s.photometry.fipFalling, floats(ones(s.photometry.fipFalling.length)), 'second'),
    FIP_rising_time: timeSeries(typed, 'The time of photometry rising edge (from Harp)', s.photometry.fipRising, floats(ones(s.photometry.fipRising.length)), 'second'),
    left_lick_time: timeSeries(typed, 'The time of left licks', licks.left, floats(ones(licks.left.length)), 'second'),
    right_lick_time: timeSeries(typed, 'The time of right licks', licks.right, floats(ones(licks.right.length)), 'second'),
    // Reward types ('earned' / 'auto' / 'manual') as the lab's newer files store them.
    left_reward_delivery_time: timeSeries(typed, 'The reward delivery time of the left lick port', deliveries.left.times, rewardTypes(deliveries.left), 'second'),
    right_reward_delivery_time: timeSeries(typed, 'The reward delivery time of the right lick port', deliveries.right.times, rewardTypes(deliveries.right), 'second'),
  };
  for (const series of s.photometry.series) {
    const processed = series.name.endsWith('_preprocessed') || series.name.endsWith(`_${PREPROCESSING_METHOD}`);
    const description = processed
      ? `dF/F of ${series.name.split('_').slice(0, 2).join('_')} (${series.name.endsWith('_preprocessed') ? 'bleaching removed, motion kept' : 'bleaching and motion removed'})`
      : 'Raw fluorescence';
    children[series.name] = timeSeries(typed, description, series.timestamps, floats(series.data, 'float64'), processed ? 'dF/F' : 'a.u.');
  }
  return group(children);
}

/**
 * The whole file except `/specifications` and the root's `.specloc`, which the writers add from
 * a real file of their format. `ids` is the stream for object ids.
 */
export function buildNwbTree(s: SessionData, ids: Rng): GroupNode {
  const typed = new Typed(ids);
  const m = s.metadata;
  const scalar = (value: string): DatasetNode => dataset({ type: 'scalarText', value });
  const rootAttrs = typed.attrs('core', 'NWBFile', { nwb_version: text(NWB_VERSION) });
  const subject = group(
    {
      genotype: scalar('Gad2-IRES-Cre/wt'),
      sex: scalar(s.plan.index % 2 === 0 ? 'M' : 'F'),
      species: scalar('Mus musculus'),
      subject_id: scalar(m.subjectId),
    },
    typed.attrs('core', 'Subject'),
  );
  return group(
    {
      acquisition: acquisition(typed, s),
      analysis: group(),
      file_create_date: dataset({ type: 'datetimeArray', values: [m.fileCreateDate] }),
      general: group({
        experimenter: dataset({ type: 'text', values: [m.experimenter] }),
        institution: scalar('Allen Institute for Neural Dynamics'),
        protocol: scalar(s.task.protocol),
        session_id: scalar(m.sessionId),
        subject,
      }),
      identifier: scalar(m.identifier),
      intervals: group({ trials: trialsTable(typed, s) }),
      processing: group(),
      scratch: group({ metadata: scratchMetadata(typed, s) }),
      session_description: scalar('Synthetic dynamic-foraging session (grouped-analysis generator)'),
      session_start_time: dataset({ type: 'scalarDatetime', value: m.sessionStartTime }),
      stimulus: group({ presentation: group(), templates: group() }),
      timestamps_reference_time: dataset({ type: 'scalarDatetime', value: m.sessionStartTime }),
    },
    rootAttrs,
  );
}
