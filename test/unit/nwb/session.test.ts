// Reading the real fixtures into columnar session data. Expected values come from the files'
// own metadata (.zattrs / HDF5 attributes) and from pynwb reading the same files through the
// Python reference harness (scripts/reference), not from this reader's output.
import type { AbsolutePath } from '@zarrita/storage';
import { describe, expect, it } from 'vitest';

import { NwbError } from '../../../src/nwb/errors.js';
import { openNwb } from '../../../src/nwb/open.js';
import { isPhotometrySeries, readSession } from '../../../src/nwb/session.js';
import type { NwbSource } from '../../../src/nwb/source.js';
import { LocalZarrStore } from '../../../src/nwb/storage.js';
import { openZarr } from '../../../src/nwb/zarr.js';
import { HDF5_A, HDF5_B, ZARR } from './fixtures.js';

// `colnames` of /intervals/trials in the HDF5 sessions of 697062 (same in both files).
const HDF5_COLNAMES = [
  'start_time', 'stop_time', 'animal_response', 'rewarded_historyL', 'rewarded_historyR', 'delay_start_time',
  'goCue_start_time', 'reward_outcome_time', 'bait_left', 'bait_right', 'base_reward_probability_sum',
  'reward_probabilityL', 'reward_probabilityR', 'left_valve_open_time', 'right_valve_open_time', 'block_beta',
  'block_min', 'block_max', 'min_reward_each_block', 'delay_beta', 'delay_min', 'delay_max', 'delay_duration',
  'ITI_beta', 'ITI_min', 'ITI_max', 'ITI_duration', 'response_duration', 'reward_consumption_duration',
  'auto_waterL', 'auto_waterR', 'laser_on_trial', 'laser_wavelength', 'laser_location', 'laser_power',
  'laser_duration', 'laser_condition', 'laser_condition_probability', 'laser_start', 'laser_start_offset',
  'laser_end', 'laser_end_offset', 'laser_protocol', 'laser_frequency', 'laser_rampingdown', 'laser_pulse_duration',
]; // prettier-ignore

describe('readSession on HDF5 (697062)', () => {
  it('reads metadata, the whole trials table in colnames order, and the event series', async () => {
    const src = await openNwb(HDF5_A);
    const s = await readSession(src);
    await src.close();
    expect(s.format).toBe('hdf5');
    expect(s.metadata).toMatchObject({
      sessionId: '697062_2023-11-14_11-12-44.json',
      subjectId: '697062',
      sessionStartTime: '2023-11-14T11:12:44.393374+00:00',
      protocol: 'Coupled Baiting',
      experimenter: ['Katrina'],
      subjectWeight: '20.9',
      nwbVersion: '2.6.0',
      scratchMetadata: null,
    });
    expect(s.metadata.sessionDescription).toContain('Training tower:Blue-1');
    expect(s.trials.rowCount).toBe(342);
    expect(s.trials.columns).toEqual(['id', ...HDF5_COLNAMES]);
    expect(s.skippedTrialColumns).toEqual([]);
    // NWB dtypes: int64 ids and flags, float64 times, enum booleans decoded.
    expect(s.trials.data.id).toMatchObject({ kind: 'number', dtype: 'int64' });
    expect(Array.from(s.trials.data.id.values.slice(0, 3) as Float64Array)).toEqual([0, 1, 2]);
    expect(s.trials.data.auto_waterL).toMatchObject({ kind: 'number', dtype: 'int64' });
    expect(s.trials.data.bait_left.kind).toBe('bool');
    expect(s.trials.data.goCue_start_time).toMatchObject({ kind: 'number', dtype: 'float64' });
    expect((s.trials.data.goCue_start_time.values as Float64Array)[0]).toBe(4312324.470112);
    expect(Array.from(s.trials.data.animal_response.values.slice(0, 6) as Float64Array)).toEqual([2, 0, 0, 0, 2, 2]);
    expect(Object.keys(s.events).sort()).toEqual([
      'FIP_falling_time',
      'FIP_rising_time',
      'left_lick_time',
      'left_reward_delivery_time',
      'right_lick_time',
      'right_reward_delivery_time',
    ]);
    expect(s.events.left_lick_time.timestamps).toHaveLength(1081);
    expect(s.events.FIP_rising_time.timestamps).toHaveLength(75341);
    expect(s.available.photometry).toEqual([]);
    expect(s.photometry).toEqual({});
  });

  it('reads only the requested event series (no dataset of the others is touched)', async () => {
    const src = await openNwb(HDF5_B);
    const read: string[] = [];
    const recording: NwbSource = {
      format: src.format,
      label: src.label,
      kind: (p) => src.kind(p),
      listGroup: (p) => src.listGroup(p),
      readAttributes: (p) => src.readAttributes(p),
      readScalar: (p) => src.readScalar(p),
      readDataset: (p) => {
        read.push(p);
        return src.readDataset(p);
      },
      close: () => src.close(),
    };
    const s = await readSession(recording, { events: ['left_lick_time', 'right_lick_time'] });
    await src.close();
    expect(s.trials.rowCount).toBe(265);
    expect(Object.keys(s.events)).toEqual(['left_lick_time', 'right_lick_time']);
    expect(s.available.events).toContain('FIP_rising_time');
    expect(read.filter((p) => p.startsWith('/acquisition/')).sort()).toEqual([
      '/acquisition/left_lick_time/data',
      '/acquisition/left_lick_time/timestamps',
      '/acquisition/right_lick_time/data',
      '/acquisition/right_lick_time/timestamps',
    ]);
  });
});

describe('readSession on Zarr (717531)', () => {
  it('reads metadata, scratch metadata, strings, booleans and the photometry catalogue', async () => {
    const src = await openNwb(ZARR);
    const s = await readSession(src);
    expect(s.format).toBe('zarr');
    expect(s.metadata).toMatchObject({
      sessionId: 'behavior_717531_2024-08-07_09-01-02',
      subjectId: '717531',
      sessionStartTime: '2024-08-07T09:01:02-07:00',
      protocol: null,
      experimenter: null,
    });
    const scratch = s.metadata.scratchMetadata!;
    expect(scratch.rowCount).toBe(1);
    expect(scratch.data.box).toEqual({ kind: 'string', values: ['446-7-D'] });
    expect(scratch.data.weight_after).toMatchObject({ kind: 'number', dtype: 'float64' });
    expect(s.trials.rowCount).toBe(725);
    expect(s.trials.columns).toHaveLength(1 + 59);
    expect(s.trials.data.auto_train_stage.values.slice(0, 2)).toEqual(['STAGE_3', 'STAGE_3']);
    expect(s.trials.data.auto_train_engaged).toMatchObject({ kind: 'bool' });
    expect(s.trials.data.auto_train_engaged.values[0]).toBe(1);
    expect((s.trials.data.reward_random_number_left.values as Float64Array)[0]).toBe(0.6209175172226833);
    expect(s.available.photometry).toEqual([
      'G_1', 'G_1_preprocessed', 'G_2', 'G_2_preprocessed', 'Iso_1', 'Iso_1_preprocessed',
      'Iso_2', 'Iso_2_preprocessed', 'R_1', 'R_1_preprocessed', 'R_2', 'R_2_preprocessed',
    ]); // prettier-ignore
    expect(s.available.events).toEqual([
      'FIP_falling_time', 'FIP_rising_time', 'left_lick_time', 'left_reward_delivery_time',
      'optogenetics_time', 'right_lick_time', 'right_reward_delivery_time',
    ]); // prettier-ignore
    // The one optogenetics sample has no timestamp (NaN), as in the file.
    expect(Number.isNaN(s.events.optogenetics_time.timestamps[0])).toBe(true);
    expect(s.photometry).toEqual({});
    await src.close();
  });

  it('reads a requested channel with its timestamps (pairs repeat at the start)', async () => {
    const src = await openNwb(ZARR);
    const s = await readSession(src, { channels: ['G_1_preprocessed'], events: [] });
    const ch = s.photometry.G_1_preprocessed;
    expect(ch.timestamps).toHaveLength(218054);
    expect(ch.data).toMatchObject({ kind: 'number', dtype: 'float64' });
    expect(ch.timestamps[0]).toBe(ch.timestamps[1]);
    expect(Object.keys(s.photometry)).toEqual(['G_1_preprocessed']);
    await src.close();
  });

  it('an unknown channel is missing-field and lists the channels present', async () => {
    const src = await openNwb(ZARR);
    const err = await readSession(src, { channels: ['G_7'] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NwbError);
    expect((err as NwbError).code).toBe('missing-field');
    expect((err as NwbError).hint).toContain('G_1_preprocessed');
  });

  it('never reads a photometry channel that was not requested', async () => {
    const requested: string[] = [];
    const files = new LocalZarrStore(ZARR);
    const recording = {
      get: (key: AbsolutePath) => {
        requested.push(key);
        return files.get(key);
      },
      listDir: (prefix: AbsolutePath) => files.listDir(prefix),
    };
    const src = await openZarr(recording, ZARR);
    const s = await readSession(src, { channels: ['G_1'] });
    expect(s.photometry.G_1.timestamps).toHaveLength(109027);
    const photometryKeys = requested.filter((k) => isPhotometrySeries(k.split('/')[2] ?? ''));
    // Only G_1's four data chunks and four timestamp chunks (27257 samples per chunk).
    expect(photometryKeys.sort()).toEqual(
      ['data', 'timestamps'].flatMap((d) => [0, 1, 2, 3].map((c) => `/acquisition/G_1/${d}/${c}`)),
    );
    // Structure came from the consolidated metadata: no per-node metadata requests.
    expect(requested.filter((k) => k.endsWith('.zarray') || k.endsWith('.zattrs'))).toEqual([]);
  });
});
