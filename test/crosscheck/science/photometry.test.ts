// Cross-check of src/science (trials, bins, photometry, psth) against the lab's Python functions on
// the real Zarr fixture (scripts/reference/science_photometry.py), with referenceBugs: true.
// Every cell: equal NaN positions, |a - b| <= max(1e-12, 1e-9 |b|). Inputs (trials and FIP
// columns, model latents) come from the same Python run, so this does not depend on the reader.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binLabels, QCH_BIN_LABELS, qchBinned3, RPE_BIN_LABELS, rpeBinned3 } from '../../../src/science/bins.js';
import {
  averageSignalWindow,
  type ChannelEnrichment,
  type ChannelSeries,
  enrichChannel,
  eventTriggeredResponse,
  trialSamples,
} from '../../../src/science/photometry.js';
import { baselineBars, eventsByLabel, psthCompare, rpeSlopes } from '../../../src/science/psth.js';
import { enrichModelColumns, enrichTrials, mapLatentsToTrials, type ModelLatents } from '../../../src/science/trials.js';
import { CellComparison, cellNumber } from '../../support/compare-cells.js';
import { runReferencePython } from '../../support/reference.js';

const FIXTURE = 'test/fixtures/real-nwb/behavior_717531_2024-08-07_09-01-02.nwb';

type Cell = number | null | string;
type Col = Cell[];
interface Psth {
  time: Col;
  mean: Col;
  sem: Col;
  sem_over_sessions: Col;
}
interface Reference {
  channel: string;
  second_channel: string;
  ses_idx: string;
  model: { latents: { q_value: number[][]; choice_kernel: number[][]; choice_prob: number[][] } };
  inputs: {
    trials: Record<string, Col> & { ses_idx: string[] };
    fip: Record<string, { timestamps: number[]; data: number[] }>;
    etr_order: Record<string, null | Record<string, Col>>;
    censor_times: Col;
  };
  trials: Record<string, Col>;
  fip_z: Col;
  per_trial: Record<string, Array<Col | null>>;
  tidy: Record<'timestamps' | 'data' | 'data_z' | 'data_norm' | 'data_z_norm', Col>;
  avg_window: Record<string, Col>;
  etr: Record<'by_events' | 'by_censor_times', { time: Col; values: Col[]; event_times: Col }>;
  psth: Record<string, Record<string, Psth>>;
  baseline_bars: Record<'single' | 'multi', { x: Col; mean: Col; sem: Col; count: Col }>;
  rpe_slopes: Record<string, Record<'pos' | 'neg', { slope: number | null; intercept: number | null; n: number }>>;
}

const f64 = (c: Col): Float64Array => Float64Array.from(c, cellNumber);

/** Worst errors per quantity, printed at the end (they go into the report). */
const cells = new CellComparison();

let ref: Reference;
let ch: string;
let ch2: string;
let trialsIn: Reference['inputs']['trials'];
let series: Record<string, ChannelSeries>;
let enriched: Record<string, ChannelEnrichment>;
let goCue: Float64Array;
let choiceTime: Float64Array;

/** The tidy df_fip columns of one channel from our enrichment. */
function tidyColumns(c: string) {
  const e = enriched[c];
  const s = series[c];
  return {
    timestamps: Float64Array.from(e.tidy.sample, (k) => s.timestamps[k]),
    data: Float64Array.from(e.tidy.sample, (k) => s.data[k]),
    data_z: Float64Array.from(e.tidy.sample, (k) => e.dataZ[k]),
    data_norm: e.tidy.dataNorm,
    data_z_norm: e.tidy.dataZNorm,
  };
}

/**
 * A channel's tidy rows in the order the reference's event_triggered_response sorts them: our own
 * tidy order unless the script reports that pandas' (unstable) sort reordered repeated timestamps.
 */
function alignedSeries(c: string, column: 'data' | 'data_z' | 'data_z_norm') {
  const order = ref.inputs.etr_order[c];
  if (order) return { timestamps: f64(order.timestamps), values: f64(order[column]) };
  const t = tidyColumns(c);
  return { timestamps: t.timestamps, values: t[column] };
}

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ga-science-xcheck-'));
  try {
    const out = join(dir, 'reference.json');
    await runReferencePython(['scripts/reference/science_photometry.py', '--nwb', FIXTURE, '--out', out]);
    ref = JSON.parse(await readFile(out, 'utf8')) as Reference;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  ch = ref.channel;
  ch2 = ref.second_channel;
  trialsIn = ref.inputs.trials;
  goCue = f64(trialsIn.goCue_start_time_in_session);
  choiceTime = f64(trialsIn.choice_time_in_session);
  series = {};
  enriched = {};
  for (const c of [ch, ch2]) {
    series[c] = { timestamps: Float64Array.from(ref.inputs.fip[c].timestamps), data: f64(ref.inputs.fip[c].data) };
    enriched[c] = enrichChannel(
      series[c],
      { goCueInSession: goCue, goCueInTrial: f64(trialsIn.goCue_start_time_in_trial) },
      { referenceBugs: true },
    );
  }
}, 1_800_000);

afterAll(() => {
  console.log(`science cross-check, worst errors:\n${cells.report().join('\n')}`);
});

describe('trial enrichment vs enrich_df_trials_fm / get_foraging_model_info / spec au.enrich_df_trials', () => {
  it('reward history, stay/switch, response time', () => {
    const out = enrichTrials({
      sesIdx: trialsIn.ses_idx,
      earnedReward: f64(trialsIn.earned_reward),
      extraReward: f64(trialsIn.extra_reward),
      animalResponse: f64(trialsIn.animal_response),
      choiceTimeInTrial: f64(trialsIn.choice_time_in_trial),
      goCueStartTimeInTrial: f64(trialsIn.goCue_start_time_in_trial),
    });
    cells.check('reward_all', out.rewardAll, ref.trials.reward_all);
    cells.check('rewarded_prev', out.rewardedPrev, ref.trials.rewarded_prev);
    cells.check('num_reward_past', out.numRewardPast, ref.trials.num_reward_past);
    cells.check('stay', out.stay, ref.trials.stay);
    cells.check('switch', out.switch, ref.trials.switch);
    cells.check('response_time', out.responseTime, ref.trials.response_time);
  });

  it('model latents on trials, chosen/unchosen families, RPE, bins', () => {
    const response = f64(trialsIn.animal_response);
    const l = ref.model.latents;
    const latents: ModelLatents = {
      qValue: [l.q_value[0], l.q_value[1]],
      choiceProb: [l.choice_prob[0], l.choice_prob[1]],
      choiceKernel: [l.choice_kernel[0], l.choice_kernel[1]],
    };
    const { columns, warning } = mapLatentsToTrials(response, latents, true);
    expect(warning).toBeNull();
    cells.check('Q_left', columns.qLeft, ref.trials.Q_left);
    cells.check('Q_right', columns.qRight, ref.trials.Q_right);
    cells.check('L_prob', columns.lProb, ref.trials.L_prob);
    cells.check('R_prob', columns.rProb, ref.trials.R_prob);
    cells.check('L_kernel', columns.lKernel ?? [], ref.trials.L_kernel);
    cells.check('R_kernel', columns.rKernel ?? [], ref.trials.R_kernel);
    const earned = f64(trialsIn.earned_reward);
    const m = enrichModelColumns(response, columns, earned, f64(trialsIn.extra_reward));
    for (const [fam, key] of [
      [m.q, 'Q'],
      [m.p, 'P'],
      [m.k, 'K'],
    ] as const) {
      if (!fam) throw new Error(`no ${key} family`);
      cells.check(`${key}_chosen`, fam.chosen, ref.trials[`${key}_chosen`]);
      cells.check(`${key}_unchosen`, fam.unchosen, ref.trials[`${key}_unchosen`]);
      cells.check(`${key}_sum`, fam.sum, ref.trials[`${key}_sum`]);
      cells.check(`${key}_Delta`, fam.delta, ref.trials[`${key}_Delta`]);
      cells.check(`${key}_change`, fam.change, ref.trials[`${key}_change`]);
    }
    cells.check('Cprobstay', m.cProbStay, ref.trials.Cprobstay);
    cells.check('RPE_earned', m.rpeEarned, ref.trials.RPE_earned);
    cells.check('RPE_all', m.rpeAll, ref.trials.RPE_all);
    expect(binLabels(rpeBinned3(m.rpeEarned), RPE_BIN_LABELS)).toEqual(ref.trials['RPE-binned3']);
    expect(binLabels(qchBinned3(m.q.chosen, earned), QCH_BIN_LABELS)).toEqual(ref.trials['Qch-binned3']);
  });
});

describe('photometry vs enrich_fip_in_df_trials / remove_tonic_df_fip (referenceBugs)', () => {
  it('data_z over the whole recording', () => {
    cells.check('data_z', enriched[ch].dataZ, ref.fip_z);
  });

  it('next go cue (NaN for the last trial: spec F1)', () => {
    cells.check('goCue_start_time_next_in_session', enriched[ch].windows.nextGoCueInSession, ref.trials.goCue_start_time_next_in_session);
    cells.check('goCue_start_time_next_in_trial', enriched[ch].windows.nextGoCueInTrial, ref.trials.goCue_start_time_next_in_trial);
  });

  it('per-trial arrays', () => {
    const cols = [
      [`timestamps_in_session_${ch}`, 'timestampsInSession'],
      [`timestamps_in_trial_${ch}`, 'timestampsInTrial'],
      [`data_${ch}`, 'data'],
      [`data_z_${ch}`, 'dataZ'],
      [`data_${ch}_norm`, 'dataNorm'],
      [`data_z_${ch}_norm`, 'dataZNorm'],
    ] as const;
    let nonEmpty = 0;
    for (let i = 0; i < goCue.length; i++) {
      const s = trialSamples(series[ch], enriched[ch], goCue, i);
      if (s.data.length > 0) nonEmpty++;
      for (const [refName, key] of cols) {
        const e = ref.per_trial[refName][i];
        // the reference stores a scalar NaN instead of an array when the trial has no valid sample
        if (e === null) expect(s[key].every((v) => Number.isNaN(v))).toBe(true);
        else cells.check(`per-trial ${key}`, s[key], e);
      }
    }
    expect(nonEmpty).toBeGreaterThan(500);
  });

  it('baselines of both channels', () => {
    for (const c of [ch, ch2]) {
      cells.check('data_{ch}_baseline', enriched[c].dataBaseline, ref.trials[`data_${c}_baseline`]);
      cells.check('data_z_{ch}_baseline', enriched[c].dataZBaseline, ref.trials[`data_z_${c}_baseline`]);
    }
  });

  it('tidy df_fip rows (merge on repeated timestamps reproduced: spec F14)', () => {
    const t = tidyColumns(ch);
    for (const k of ['timestamps', 'data', 'data_z', 'data_norm', 'data_z_norm'] as const) cells.check(`tidy ${k}`, t[k], ref.tidy[k]);
  });
});

describe('default (corrected) mode on the same session', () => {
  it('differs only where docs/science.md says: F1 (FIP ends before the last trial here) and F14', () => {
    const own = enrichChannel(series[ch], {
      goCueInSession: goCue,
      goCueInTrial: f64(trialsIn.goCue_start_time_in_trial),
    });
    // F1: the last trial gets the recording's end as next go cue, but there is no FIP left
    expect(own.windows.nextGoCueInSession[goCue.length - 1]).toBe(series[ch].timestamps.at(-1));
    cells.check('default data_z_{ch}_baseline', own.dataZBaseline, ref.trials[`data_z_${ch}_baseline`]);
    // F14: one tidy row per in-window sample instead of the merge's pairs at repeated timestamps
    const inWindow = own.ranges.end.reduce((acc, e, i) => acc + e - own.ranges.start[i], 0);
    expect(own.tidy.sample.length).toBe(inWindow);
    expect(ref.tidy.timestamps.length).toBe(2 * inWindow);
  });
});

describe('alignment vs event_triggered_response / get_average_signal_window', () => {
  for (const mode of ['by_events', 'by_censor_times'] as const) {
    it(`choice-aligned data_z_norm, censored ${mode}`, () => {
      const s = alignedSeries(ch, 'data_z_norm');
      const events = choiceTime.filter((t) => !Number.isNaN(t));
      const etr = eventTriggeredResponse(s.timestamps, s.values, events, {
        tStart: -1,
        tEnd: 4,
        censorTimes: mode === 'by_censor_times' ? f64(ref.inputs.censor_times) : null,
      });
      const r = ref.etr[mode];
      cells.check('etr time grid', etr.time, r.time);
      cells.check('etr event times', etr.eventTimes, r.event_times);
      const nt = etr.time.length;
      expect(etr.eventTimes.length).toBe(r.values.length);
      r.values.forEach((row, i) => cells.check(`etr values (${mode})`, etr.values.subarray(i * nt, (i + 1) * nt), row));
    });
  }

  it('average response window 0.33..0.98 s after choice, both channels', () => {
    for (const c of [ch, ch2]) {
      const s = alignedSeries(c, 'data_z_norm');
      cells.check('avg_data_z_norm_choice_time', averageSignalWindow(s.timestamps, s.values, choiceTime), ref.avg_window[c]);
    }
  });
});

describe('PSTH, baseline bars and RPE slopes', () => {
  const labelsOf = (codes: Int8Array, labels: readonly string[]) => binLabels(codes, labels);
  let categories: Record<'choice' | 'rpe' | 'qch', Array<string | null>>;
  let rpeEarned: Float64Array;
  let numRewardPast: Int32Array;

  beforeAll(() => {
    const response = f64(trialsIn.animal_response);
    const l = ref.model.latents;
    const { columns } = mapLatentsToTrials(
      response,
      { qValue: [l.q_value[0], l.q_value[1]], choiceProb: [l.choice_prob[0], l.choice_prob[1]], choiceKernel: [l.choice_kernel[0], l.choice_kernel[1]] },
      true,
    );
    const earned = f64(trialsIn.earned_reward);
    const m = enrichModelColumns(response, columns, earned, f64(trialsIn.extra_reward));
    rpeEarned = m.rpeEarned;
    numRewardPast = enrichTrials({
      sesIdx: trialsIn.ses_idx,
      earnedReward: earned,
      extraReward: f64(trialsIn.extra_reward),
      animalResponse: response,
      choiceTimeInTrial: f64(trialsIn.choice_time_in_trial),
      goCueStartTimeInTrial: f64(trialsIn.goCue_start_time_in_trial),
    }).numRewardPast;
    categories = {
      choice: Array.from(response, (r) => (['left', 'right', 'ignore'] as const)[r] ?? null),
      rpe: labelsOf(rpeBinned3(m.rpeEarned), RPE_BIN_LABELS),
      qch: labelsOf(qchBinned3(m.q.chosen, earned), QCH_BIN_LABELS),
    };
  });

  const panels = [
    ['choice_data_1ses', 'choice', 'data', [['ch']]],
    ['choice_dataz_2ses', 'choice', 'data_z', [['ch'], ['ch2']]],
    ['rpe_dataz_2ses', 'rpe', 'data_z', [['ch'], ['ch2']]],
    ['qch_dataznorm_1ses', 'qch', 'data_z_norm', [['ch']]],
  ] as const;
  for (const [name, cat, column, sessions] of panels) {
    it(`PSTH ${name}`, () => {
      const expected = ref.psth[name];
      const labels = Object.keys(expected);
      const tidy = sessions.map(([which]) => alignedSeries(which === 'ch' ? ch : ch2, column));
      const events = eventsByLabel(choiceTime, categories[cat], labels);
      const psth = psthCompare(
        tidy.map((s) => ({ ...s, events })),
        labels,
        [-1, 4],
      );
      psth.traces.forEach((tr, i) => {
        const e = expected[labels[i]];
        if (e.time.length === 0) {
          // the reference returns an empty frame for a label without events
          expect(tr.nEvents).toBe(0);
          return;
        }
        cells.check('psth time', psth.time, e.time);
        cells.check('psth mean', tr.mean, e.mean);
        cells.check('psth sem', tr.sem, e.sem);
        cells.check('psth sem_over_sessions', tr.semOverSessions, e.sem_over_sessions);
      });
    });
  }

  it('baseline bars (single session and across sessions)', () => {
    const single = baselineBars([{ numRewardPast, baseline: enriched[ch].dataZBaseline }]);
    const multi = baselineBars([
      { numRewardPast, baseline: enriched[ch].dataZBaseline },
      { numRewardPast, baseline: enriched[ch2].dataZBaseline },
    ]);
    for (const [bars, r] of [
      [single, ref.baseline_bars.single],
      [multi, ref.baseline_bars.multi],
    ] as const) {
      cells.check('bars x', bars.map((b) => b.x), r.x);
      cells.check('bars mean', bars.map((b) => b.mean), r.mean);
      cells.check('bars sem', bars.map((b) => b.sem), r.sem);
      cells.check('bars n', bars.map((b) => b.n), r.count);
    }
  });

  it('per-session RPE slopes (RPE >= 0 and < 0) for both channels', () => {
    for (const c of [ch, ch2]) {
      const s = alignedSeries(c, 'data_z_norm');
      const got = rpeSlopes(rpeEarned, averageSignalWindow(s.timestamps, s.values, choiceTime));
      const r = ref.rpe_slopes[c];
      for (const side of ['pos', 'neg'] as const) {
        cells.check('rpe slope', [got?.[side].slope ?? NaN], [r[side].slope]);
        cells.check('rpe intercept', [got?.[side].intercept ?? NaN], [r[side].intercept]);
        expect(got?.[side].n).toBe(r[side].n);
      }
    }
  });
});
