// Generates synthetic mice on disk: per mouse a folder `<subject_id>/` with one NWB per session
// (`behavior_<subject>_<date>_<time>.nwb`, an HDF5 file or a Zarr folder) and `truth.json` with
// the planted ground truth; `dataset.json` at the top lists the mice. Same options, same bytes.

import fs from 'node:fs/promises';
import path from 'node:path';

import { AGENT_MODEL, type QAgentParams } from './agent.js';
import { writeHdf5Nwb } from './hdf5-writer.js';
import { buildNwbTree } from './layout.js';
import { kernelWindowMean, PREPROCESSING_METHOD, type Bleaching } from './photometry.js';
import { planMouse, validateOptions, type DatasetOptions, type MousePlan } from './plan.js';
import { Rng } from './random.js';
import { simulateSession, taskConfigFor, type SessionData } from './session.js';
import { DEFAULT_SPEC_SOURCES, hdf5Specifications, zarrSpecifications, type SpecSources } from './specifications.js';
import type { Block } from './task.js';
import { writeZarrNwb } from './zarr-writer.js';

export const GENERATOR_VERSION = 1;

export interface SessionTruth {
  session_id: string;
  /** Path relative to the mouse folder. */
  file: string;
  format: 'hdf5' | 'zarr';
  date: string;
  seed: number;
  n_trials: number;
  n_finished: number;
  n_ignored: number;
  n_earned: number;
  n_auto_water_trials: number;
  n_manual_water: number;
  first_go_cue_rig_time: number;
  recording: { start: number; end: number };
  blocks: { left: Block[]; right: Block[] };
  /** Per channel: sample SDs of the dF/F series (z-scoring divides by them). */
  photometry: Record<string, { preprocessed_sd: number; motion_corrected_sd: number }>;
}

export interface BleachingTruth {
  /** Baseline = counts * (fast_fraction * exp(-t/fast_tau) + (1 - fast_fraction) * exp(-t/slow_tau)), t from recording start. */
  baseline_counts: number;
  fast_fraction: number;
  fast_tau: number;
  slow_tau: number;
}

export interface ChannelTruth {
  colour: 'G' | 'R';
  fiber: number;
  /** Planted transient amplitude (dF/F, peak) = rpe_gain * RPE_earned + rpe_offset. */
  rpe_gain: number;
  rpe_offset: number;
  motion_coupling: number;
  noise_sd: number;
  drift_amplitude: number;
  bleaching: BleachingTruth;
}

export interface MouseTruth {
  generator_version: number;
  dataset_seed: number;
  mouse_index: number;
  mouse_seed: number;
  subject_id: string;
  agent: { model: string; params: QAgentParams };
  task: {
    protocol: string;
    trials_per_session: number;
    reward_probabilities: number[];
    block_min: number;
    block_max: number;
    block_beta: number;
    iti_min: number;
    iti_max: number;
    iti_beta: number;
    delay_duration: number;
    response_duration: number;
    reward_consumption_duration: number;
    ignore_probability: number;
    auto_water_after_unrewarded: number;
    auto_water_after_ignored: number;
    manual_water_probability: number;
    reward_size_ul: number;
  };
  photometry: {
    sampling_rate_hz: number;
    series: Record<string, string>;
    kernel: { rise_tau: number; decay_tau: number; mean_over_0_33_to_1_s: number };
    channels: Record<string, ChannelTruth>;
    isosbestic: Record<string, { fiber: number; noise_sd: number; bleaching: BleachingTruth }>;
    motion: { events_per_minute: number; min_depth: number; max_depth: number; min_duration: number; max_duration: number };
  };
  sessions: SessionTruth[];
}

function sessionTruth(s: SessionData, file: string): SessionTruth {
  const { trials, deliveries, blocks } = s.behavior;
  const n = s.task.nTrials;
  let ignored = 0;
  let earned = 0;
  let autoTrials = 0;
  for (let i = 0; i < n; i++) {
    if (trials.animal_response[i] === 2) ignored++;
    earned += trials.rewarded_historyL[i] + trials.rewarded_historyR[i];
    if (trials.auto_waterL[i] || trials.auto_waterR[i]) autoTrials++;
  }
  const manual = [...deliveries.left.types, ...deliveries.right.types].filter((t) => t === 'manual').length;
  return {
    session_id: s.plan.sessionId,
    file,
    format: s.plan.format,
    date: s.plan.date,
    seed: s.plan.seed,
    n_trials: n,
    n_finished: n - ignored,
    n_ignored: ignored,
    n_earned: earned,
    n_auto_water_trials: autoTrials,
    n_manual_water: manual,
    first_go_cue_rig_time: trials.goCue_start_time[0],
    recording: s.recording,
    blocks,
    photometry: Object.fromEntries(
      Object.entries(s.photometry.stats).map(([ch, st]) => [
        ch,
        { preprocessed_sd: st.preprocessedSd, motion_corrected_sd: st.motionCorrectedSd },
      ]),
    ),
  };
}

const bleachingTruth = (b: Bleaching): BleachingTruth => ({
  baseline_counts: b.baselineCounts,
  fast_fraction: b.fastFraction,
  fast_tau: b.fastTau,
  slow_tau: b.slowTau,
});

function mouseTruth(opts: DatasetOptions, mouse: MousePlan, sessions: SessionTruth[]): MouseTruth {
  const task = taskConfigFor(mouse, opts.trials);
  const pt = mouse.photometry;
  return {
    generator_version: GENERATOR_VERSION,
    dataset_seed: opts.seed,
    mouse_index: mouse.index,
    mouse_seed: mouse.seed,
    subject_id: mouse.subjectId,
    agent: { model: AGENT_MODEL, params: mouse.agent },
    task: {
      protocol: task.protocol,
      trials_per_session: task.nTrials,
      reward_probabilities: [...task.rewardProbabilities],
      block_min: task.blockMin,
      block_max: task.blockMax,
      block_beta: task.blockBeta,
      iti_min: task.itiMin,
      iti_max: task.itiMax,
      iti_beta: task.itiBeta,
      delay_duration: task.delayDuration,
      response_duration: task.responseDuration,
      reward_consumption_duration: task.rewardConsumptionDuration,
      ignore_probability: task.ignoreProbability,
      auto_water_after_unrewarded: task.autoWaterAfterUnrewarded,
      auto_water_after_ignored: task.autoWaterAfterIgnored,
      manual_water_probability: task.manualWaterProbability,
      reward_size_ul: task.rewardSizeMicroliters,
    },
    photometry: {
      sampling_rate_hz: pt.samplingRateHz,
      series: {
        '{ch}': 'raw fluorescence: bleaching baseline * (1 + dF/F + motion artefact)',
        '{ch}_preprocessed': 'raw / bleaching baseline - 1 (motion artefact kept)',
        [`{ch}_${PREPROCESSING_METHOD}`]: 'true dF/F: RPE transient + drift + noise (motion removed)',
      },
      kernel: {
        rise_tau: pt.kernel.riseTau,
        decay_tau: pt.kernel.decayTau,
        mean_over_0_33_to_1_s: kernelWindowMean(pt.kernel, 0.33, 1),
      },
      channels: Object.fromEntries(
        pt.channels.map((c): [string, ChannelTruth] => [
          c.name,
          {
            colour: c.colour,
            fiber: c.fiber,
            rpe_gain: c.rpeGain,
            rpe_offset: c.rpeOffset,
            motion_coupling: c.motionCoupling,
            noise_sd: c.noiseSd,
            drift_amplitude: c.driftAmplitude,
            bleaching: bleachingTruth(c.bleaching),
          },
        ]),
      ),
      isosbestic: Object.fromEntries(
        pt.iso.map((c) => [c.name, { fiber: c.fiber, noise_sd: c.noiseSd, bleaching: bleachingTruth(c.bleaching) }]),
      ),
      motion: {
        events_per_minute: pt.motion.eventsPerMinute,
        min_depth: pt.motion.minDepth,
        max_depth: pt.motion.maxDepth,
        min_duration: pt.motion.minDuration,
        max_duration: pt.motion.maxDuration,
      },
    },
    sessions,
  };
}

export interface GenerateOptions {
  specSources?: SpecSources;
}

/** Generates mouse `index` of the data set into `outDir/<subject_id>/`; returns its truth. */
export async function generateMouse(
  opts: DatasetOptions,
  index: number,
  outDir: string,
  extra: GenerateOptions = {},
): Promise<MouseTruth> {
  validateOptions(opts);
  const specSources = extra.specSources ?? DEFAULT_SPEC_SOURCES;
  const mouse = planMouse(opts, index);
  const dir = path.join(outDir, mouse.subjectId);
  await fs.mkdir(dir, { recursive: true });
  const sessions: SessionTruth[] = [];
  for (const plan of mouse.sessions) {
    const data = simulateSession(mouse, plan, opts.trials);
    const tree = buildNwbTree(data, Rng.stream(plan.seed, 'object-ids'));
    const file = `${plan.sessionId}.nwb`;
    if (plan.format === 'hdf5') {
      await writeHdf5Nwb(path.join(dir, file), tree, await hdf5Specifications(specSources.hdf5), Date.parse(data.metadata.sessionStartTime));
    } else {
      await writeZarrNwb(path.join(dir, file), tree, await zarrSpecifications(specSources.zarr));
    }
    sessions.push(sessionTruth(data, file));
  }
  const truth = mouseTruth(opts, mouse, sessions);
  await fs.writeFile(path.join(dir, 'truth.json'), `${JSON.stringify(truth, null, 2)}\n`);
  return truth;
}

export interface DatasetSummary {
  generator_version: number;
  options: { seed: number; mice: number; sessions: number; trials: number; format: string; channels: string[]; skip_weekends: boolean };
  mice: { subject_id: string; folder: string; sessions: number }[];
}

/** Generates every mouse of the data set and writes `outDir/dataset.json`. */
export async function generateDataset(opts: DatasetOptions, outDir: string, extra: GenerateOptions = {}): Promise<DatasetSummary> {
  validateOptions(opts);
  const mice: DatasetSummary['mice'] = [];
  for (let i = 0; i < opts.mice; i++) {
    const truth = await generateMouse(opts, i, outDir, extra);
    mice.push({ subject_id: truth.subject_id, folder: truth.subject_id, sessions: truth.sessions.length });
  }
  const summary: DatasetSummary = {
    generator_version: GENERATOR_VERSION,
    options: {
      seed: opts.seed,
      mice: opts.mice,
      sessions: opts.sessions,
      trials: opts.trials,
      format: opts.format,
      channels: [...opts.channels],
      skip_weekends: opts.skipWeekends,
    },
    mice,
  };
  await fs.writeFile(path.join(outDir, 'dataset.json'), `${JSON.stringify(summary, null, 2)}\n`);
  return summary;
}
