// The uncoupled-baiting dynamic-foraging task, played by a QAgent: per-side reward-probability
// blocks, baiting, ignores, auto water, manual water, and the rig-clock timeline of every trial
// (start, delay, go cue, licks, valve openings, outcome, stop) as the lab's GUI logs it.
// Pure: a config, agent parameters and a seeded stream in, typed arrays out.

import { QAgent, type QAgentParams } from './agent.js';
import type { Rng } from './random.js';

export interface TaskConfig {
  /** `/general/protocol`. */
  protocol: string;
  nTrials: number;
  /** A side's probability in a new block is drawn from this set, never repeating its last one. */
  rewardProbabilities: readonly number[];
  blockMin: number;
  blockMax: number;
  /** Mean of the exponential added to blockMin. */
  blockBeta: number;
  itiMin: number;
  itiMax: number;
  itiBeta: number;
  delayDuration: number;
  responseDuration: number;
  rewardConsumptionDuration: number;
  /** Per-trial probability that the mouse does not respond. */
  ignoreProbability: number;
  /** Auto water on the next trial after this many trials in a row without earned reward. */
  autoWaterAfterUnrewarded: number;
  /** ... or after this many ignored trials in a row. */
  autoWaterAfterIgnored: number;
  /** Per-trial probability of a manual water drop from the experimenter. */
  manualWaterProbability: number;
  rewardSizeMicroliters: number;
  valveOpenTime: number;
}

export const DEFAULT_TASK: Omit<TaskConfig, 'nTrials' | 'ignoreProbability'> = {
  protocol: 'Uncoupled Baiting',
  rewardProbabilities: [0.1, 0.5, 0.9],
  blockMin: 20,
  blockMax: 60,
  blockBeta: 20,
  itiMin: 1,
  itiMax: 10,
  itiBeta: 3,
  delayDuration: 1,
  responseDuration: 1.5,
  rewardConsumptionDuration: 1,
  autoWaterAfterUnrewarded: 6,
  autoWaterAfterIgnored: 3,
  manualWaterProbability: 0.005,
  rewardSizeMicroliters: 2,
  valveOpenTime: 0.015,
};

export type RewardType = 'earned' | 'auto' | 'manual';

export interface Deliveries {
  times: Float64Array;
  types: RewardType[];
}

export interface Block {
  start_trial: number;
  n_trials: number;
  p_reward: number;
}

/** Per-trial arrays (length nTrials) with the trials-table meaning; times on the rig clock. */
export interface TrialArrays {
  start_time: Float64Array;
  stop_time: Float64Array;
  delay_start_time: Float64Array;
  goCue_start_time: Float64Array;
  reward_outcome_time: Float64Array;
  ITI_duration: Float64Array;
  /** 0 left, 1 right, 2 ignored (float64 in the NWB). */
  animal_response: Float64Array;
  rewarded_historyL: Uint8Array;
  rewarded_historyR: Uint8Array;
  bait_left: Uint8Array;
  bait_right: Uint8Array;
  reward_probabilityL: Float64Array;
  reward_probabilityR: Float64Array;
  reward_random_number_left: Float64Array;
  reward_random_number_right: Float64Array;
  auto_waterL: Uint8Array;
  auto_waterR: Uint8Array;
}

/** What the agent computed on each trial (NaN on ignored trials, which it skips). */
export interface TrialLatents {
  /** Time of the choice lick (rig clock). */
  choiceTime: Float64Array;
  qLeft: Float64Array;
  qRight: Float64Array;
  pLeft: Float64Array;
  /** reward − Q_chosen before the update (earned reward only), the analysis' `RPE_earned`. */
  rpeEarned: Float64Array;
}

export interface BehaviorSession {
  config: TaskConfig;
  trials: TrialArrays;
  latents: TrialLatents;
  licks: { left: Float64Array; right: Float64Array };
  deliveries: { left: Deliveries; right: Deliveries };
  blocks: { left: Block[]; right: Block[] };
}

const GO_CUE_LATENCY = 0.0004;
const VALVE_LATENCY = 0.0006;
const STOP_LATENCY = 0.012;
const INTER_TRIAL_GAP = 0.015;
const INTER_LICK_INTERVAL = 0.14;

/** Block lengths and probabilities for one side, covering nTrials. */
function sideBlocks(cfg: TaskConfig, rng: Rng): { blocks: Block[]; p: Float64Array } {
  const p = new Float64Array(cfg.nTrials);
  const blocks: Block[] = [];
  let prev = Number.NaN;
  for (let start = 0; start < cfg.nTrials; ) {
    const choices = cfg.rewardProbabilities.filter((x) => x !== prev);
    const pr = rng.pick(choices.length > 0 ? choices : cfg.rewardProbabilities);
    const len = Math.min(cfg.blockMax, Math.round(cfg.blockMin + rng.exponential(cfg.blockBeta)));
    const n = Math.min(len, cfg.nTrials - start);
    p.fill(pr, start, start + n);
    blocks.push({ start_trial: start, n_trials: n, p_reward: pr });
    prev = pr;
    start += n;
  }
  return { blocks, p };
}

/** Response time after the go cue: a lognormal around 0.3 s, inside the response window. */
function responseTime(cfg: TaskConfig, rng: Rng): number {
  const limit = cfg.responseDuration - 0.02;
  for (let k = 0; k < 20; k++) {
    const rt = 0.08 + Math.exp(Math.log(0.22) + 0.5 * rng.normal());
    if (rt < limit) return rt;
  }
  return limit;
}

class EventList {
  readonly times: number[] = [];
  readonly types: RewardType[] = [];
  add(t: number, type: RewardType): void {
    this.times.push(t);
    this.types.push(type);
  }
  /** Sorted by time (manual drops may come after a later-listed event). */
  toDeliveries(): Deliveries {
    const order = this.times.map((_, i) => i).sort((a, b) => this.times[a] - this.times[b]);
    return { times: Float64Array.from(order, (i) => this.times[i]), types: order.map((i) => this.types[i]) };
  }
}

/**
 * Plays one session. `firstTrialStart` is the rig-clock time of the first trial's start; the
 * agent starts from zero (as the model is fitted per session).
 */
export function simulateBehavior(
  cfg: TaskConfig,
  params: QAgentParams,
  firstTrialStart: number,
  rng: Rng,
): BehaviorSession {
  const n = cfg.nTrials;
  const left = sideBlocks(cfg, rng);
  const right = sideBlocks(cfg, rng);
  const f64 = () => new Float64Array(n);
  const u8 = () => new Uint8Array(n);
  const trials: TrialArrays = {
    start_time: f64(),
    stop_time: f64(),
    delay_start_time: f64(),
    goCue_start_time: f64(),
    reward_outcome_time: f64(),
    ITI_duration: f64(),
    animal_response: f64(),
    rewarded_historyL: u8(),
    rewarded_historyR: u8(),
    bait_left: u8(),
    bait_right: u8(),
    reward_probabilityL: left.p,
    reward_probabilityR: right.p,
    reward_random_number_left: f64(),
    reward_random_number_right: f64(),
    auto_waterL: u8(),
    auto_waterR: u8(),
  };
  const nan = () => new Float64Array(n).fill(Number.NaN);
  const latents: TrialLatents = { choiceTime: nan(), qLeft: nan(), qRight: nan(), pLeft: nan(), rpeEarned: nan() };
  const licks: [number[], number[]] = [[], []];
  const deliveries = [new EventList(), new EventList()];
  const agent = new QAgent(params);
  const bait = [false, false];
  let unrewardedStreak = 0;
  let ignoredStreak = 0;
  let t = firstTrialStart;

  for (let i = 0; i < n; i++) {
    trials.start_time[i] = t;
    const iti = Math.min(cfg.itiMax, cfg.itiMin + rng.exponential(cfg.itiBeta));
    trials.ITI_duration[i] = iti;
    const delayStart = t + iti;
    const goCue = delayStart + cfg.delayDuration + GO_CUE_LATENCY + 0.0012 * rng.uniform();
    trials.delay_start_time[i] = delayStart;
    trials.goCue_start_time[i] = goCue;

    // Arm each side; an uncollected bait stays (uncoupled baiting).
    const pSide = [left.p[i], right.p[i]];
    const draws = [rng.uniform(), rng.uniform()];
    for (const s of [0, 1]) bait[s] = bait[s] || draws[s] < pSide[s];
    trials.reward_random_number_left[i] = draws[0];
    trials.reward_random_number_right[i] = draws[1];
    trials.bait_left[i] = bait[0] ? 1 : 0;
    trials.bait_right[i] = bait[1] ? 1 : 0;

    // Auto water after a long dry or idle spell, on the armed side(s), else on the richer side.
    if (unrewardedStreak >= cfg.autoWaterAfterUnrewarded || ignoredStreak >= cfg.autoWaterAfterIgnored) {
      const sides = bait[0] || bait[1] ? [0, 1].filter((s) => bait[s]) : [pSide[1] > pSide[0] ? 1 : 0];
      for (const s of sides) {
        deliveries[s].add(goCue + 0.001, 'auto');
        (s === 0 ? trials.auto_waterL : trials.auto_waterR)[i] = 1;
      }
      unrewardedStreak = 0;
      ignoredStreak = 0;
    }

    let outcome: number;
    if (rng.bernoulli(cfg.ignoreProbability)) {
      trials.animal_response[i] = 2;
      outcome = goCue + cfg.responseDuration;
      unrewardedStreak++;
      ignoredStreak++;
    } else {
      const pL = agent.pLeft();
      const choice: 0 | 1 = rng.uniform() < pL ? 0 : 1;
      const reward: 0 | 1 = bait[choice] ? 1 : 0;
      bait[choice] = false;
      latents.pLeft[i] = pL;
      latents.qLeft[i] = agent.qL;
      latents.qRight[i] = agent.qR;
      latents.rpeEarned[i] = reward - agent.q(choice);
      agent.update(choice, reward);

      const lickTime = goCue + responseTime(cfg, rng);
      latents.choiceTime[i] = lickTime;
      trials.animal_response[i] = choice;
      (choice === 0 ? trials.rewarded_historyL : trials.rewarded_historyR)[i] = reward;
      const boutLength = reward ? rng.int(5, 11) : rng.int(2, 6);
      let lt = lickTime;
      licks[choice].push(lt);
      for (let k = 0; k < boutLength; k++) {
        lt += Math.max(0.07, INTER_LICK_INTERVAL + 0.02 * rng.normal());
        licks[choice].push(lt);
      }
      if (reward) deliveries[choice].add(lickTime + VALVE_LATENCY, 'earned');
      outcome = lickTime + 0.0002;
      unrewardedStreak = reward ? 0 : unrewardedStreak + 1;
      ignoredStreak = 0;
    }
    trials.reward_outcome_time[i] = outcome;
    const stop = outcome + cfg.rewardConsumptionDuration + STOP_LATENCY;
    trials.stop_time[i] = stop;
    if (rng.bernoulli(cfg.manualWaterProbability)) deliveries[rng.int(0, 1)].add(stop - 0.3, 'manual');
    t = stop + INTER_TRIAL_GAP;
  }

  return {
    config: cfg,
    trials,
    latents,
    licks: { left: Float64Array.from(licks[0]), right: Float64Array.from(licks[1]) },
    deliveries: { left: deliveries[0].toDeliveries(), right: deliveries[1].toDeliveries() },
    blocks: { left: left.blocks, right: right.blocks },
  };
}
