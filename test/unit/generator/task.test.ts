import { describe, expect, it } from 'vitest';

import { sampleAgentParams } from '../../../src/generator/agent.js';
import { Rng } from '../../../src/generator/random.js';
import { DEFAULT_TASK, simulateBehavior, type TaskConfig } from '../../../src/generator/task.js';
import { forwardPass } from '../../../src/science/qlearning.js';

const cfg: TaskConfig = { ...DEFAULT_TASK, nTrials: 600, ignoreProbability: 0.05 };
const params = sampleAgentParams(new Rng(11));
const run = (seed: number, c: TaskConfig = cfg) => simulateBehavior(c, params, 2_000_000, new Rng(seed));
const s = run(3);
const t = s.trials;
const n = cfg.nTrials;
const responded = (i: number) => t.animal_response[i] !== 2;

/** The reference's per-trial windows: licks in [g_i - 0.005, g_{i+1} - 0.005), rewards in [g_i, g_{i+1}). */
function inWindow(times: Float64Array, i: number, tolerance: number): number[] {
  const lo = t.goCue_start_time[i] - tolerance;
  const hi = i + 1 < n ? t.goCue_start_time[i + 1] - tolerance : Infinity;
  return Array.from(times).filter((x) => x >= lo && x < hi);
}

describe('simulateBehavior: timeline', () => {
  it('orders each trial start < delay < go cue < outcome < stop < next start', () => {
    for (let i = 0; i < n; i++) {
      expect(t.delay_start_time[i]).toBeCloseTo(t.start_time[i] + t.ITI_duration[i], 9);
      expect(t.goCue_start_time[i]).toBeGreaterThan(t.delay_start_time[i] + cfg.delayDuration);
      expect(t.reward_outcome_time[i]).toBeGreaterThan(t.goCue_start_time[i]);
      expect(t.stop_time[i]).toBeGreaterThan(t.reward_outcome_time[i]);
      if (i + 1 < n) expect(t.start_time[i + 1]).toBeGreaterThan(t.stop_time[i]);
      expect(t.ITI_duration[i]).toBeGreaterThanOrEqual(cfg.itiMin);
      expect(t.ITI_duration[i]).toBeLessThanOrEqual(cfg.itiMax);
    }
    expect(t.start_time[0]).toBe(2_000_000);
  });

  it('puts the choice lick first in its trial window, inside the response window; ignored trials have no licks', () => {
    for (let i = 0; i < n; i++) {
      const left = inWindow(s.licks.left, i, 0.005);
      const right = inWindow(s.licks.right, i, 0.005);
      if (!responded(i)) {
        expect(left.length + right.length).toBe(0);
        expect(s.latents.choiceTime[i]).toBeNaN();
        expect(t.reward_outcome_time[i]).toBeCloseTo(t.goCue_start_time[i] + cfg.responseDuration, 9);
        continue;
      }
      const chosen = t.animal_response[i] === 0 ? left : right;
      const other = t.animal_response[i] === 0 ? right : left;
      expect(other).toEqual([]);
      expect(chosen[0]).toBe(s.latents.choiceTime[i]);
      const rt = chosen[0] - t.goCue_start_time[i];
      expect(rt).toBeGreaterThan(0);
      expect(rt).toBeLessThan(cfg.responseDuration);
      expect(chosen.length).toBeGreaterThanOrEqual(3);
    }
  });

  it('logs licks and deliveries in time order', () => {
    for (const xs of [s.licks.left, s.licks.right, s.deliveries.left.times, s.deliveries.right.times]) {
      for (let k = 1; k < xs.length; k++) expect(xs[k]).toBeGreaterThan(xs[k - 1]);
    }
  });
});

describe('simulateBehavior: uncoupled blocks and baiting', () => {
  it('gives each side its own blocks of 20-60 trials with a new probability from the set', () => {
    for (const [blocks, p] of [
      [s.blocks.left, t.reward_probabilityL],
      [s.blocks.right, t.reward_probabilityR],
    ] as const) {
      let next = 0;
      blocks.forEach((b, k) => {
        expect(b.start_trial).toBe(next);
        next += b.n_trials;
        if (k < blocks.length - 1) {
          expect(b.n_trials).toBeGreaterThanOrEqual(cfg.blockMin);
          expect(b.n_trials).toBeLessThanOrEqual(cfg.blockMax);
          expect(blocks[k + 1].p_reward).not.toBe(b.p_reward);
        }
        expect(cfg.rewardProbabilities).toContain(b.p_reward);
        for (let i = b.start_trial; i < b.start_trial + b.n_trials; i++) expect(p[i]).toBe(b.p_reward);
      });
      expect(next).toBe(n);
    }
    // uncoupled: the two sides switch at different trials
    const starts = (bs: typeof s.blocks.left) => bs.map((b) => b.start_trial).slice(1);
    expect(starts(s.blocks.left)).not.toEqual(starts(s.blocks.right));
  });

  it('arms a side when its draw is below p, keeps the bait until that side is chosen', () => {
    const sides = [
      { bait: t.bait_left, draw: t.reward_random_number_left, p: t.reward_probabilityL, rewarded: t.rewarded_historyL, code: 0 },
      { bait: t.bait_right, draw: t.reward_random_number_right, p: t.reward_probabilityR, rewarded: t.rewarded_historyR, code: 1 },
    ];
    for (const side of sides) {
      let carried = false;
      for (let i = 0; i < n; i++) {
        expect(side.bait[i]).toBe(carried || side.draw[i] < side.p[i] ? 1 : 0);
        const chosen = t.animal_response[i] === side.code;
        expect(side.rewarded[i]).toBe(chosen && side.bait[i] ? 1 : 0);
        carried = side.bait[i] === 1 && !chosen;
      }
    }
  });
});

describe('simulateBehavior: water', () => {
  function deliveriesOf(i: number, side: 'left' | 'right') {
    const d = s.deliveries[side];
    const lo = t.goCue_start_time[i];
    const hi = i + 1 < n ? t.goCue_start_time[i + 1] : Infinity;
    return d.types.filter((_, k) => d.times[k] >= lo && d.times[k] < hi);
  }

  it('delivers earned water right after the choice lick of rewarded trials only', () => {
    for (let i = 0; i < n; i++) {
      for (const [side, rewarded] of [
        ['left', t.rewarded_historyL],
        ['right', t.rewarded_historyR],
      ] as const) {
        const earned = deliveriesOf(i, side).filter((x) => x === 'earned').length;
        expect(earned).toBe(rewarded[i]);
      }
    }
    const earnedTimes = [...s.deliveries.left.times.filter((_, k) => s.deliveries.left.types[k] === 'earned')];
    for (const x of earnedTimes) {
      const i = Array.from(t.goCue_start_time).findLastIndex((g) => g <= x);
      expect(x - s.latents.choiceTime[i]).toBeGreaterThan(0);
      expect(x - s.latents.choiceTime[i]).toBeLessThan(0.01);
    }
  });

  it('gives auto water at the go cue after the configured dry or idle streak', () => {
    let unrewarded = 0;
    let ignored = 0;
    let autoTrials = 0;
    for (let i = 0; i < n; i++) {
      const auto = t.auto_waterL[i] === 1 || t.auto_waterR[i] === 1;
      expect(auto).toBe(unrewarded >= cfg.autoWaterAfterUnrewarded || ignored >= cfg.autoWaterAfterIgnored);
      const autoTypes = [...deliveriesOf(i, 'left'), ...deliveriesOf(i, 'right')].filter((x) => x === 'auto');
      expect(autoTypes.length).toBe(t.auto_waterL[i] + t.auto_waterR[i]);
      if (auto) {
        autoTrials++;
        unrewarded = 0;
        ignored = 0;
      }
      const earned = t.rewarded_historyL[i] + t.rewarded_historyR[i];
      unrewarded = earned ? 0 : unrewarded + 1;
      ignored = responded(i) ? 0 : ignored + 1;
    }
    expect(autoTrials).toBeGreaterThan(0);
  });

  it('ignores about as often as configured and keeps manual water rare', () => {
    const ignoredCount = Array.from(t.animal_response).filter((x) => x === 2).length;
    expect(ignoredCount / n).toBeGreaterThan(0.02);
    expect(ignoredCount / n).toBeLessThan(0.09);
    const manual = [...s.deliveries.left.types, ...s.deliveries.right.types].filter((x) => x === 'manual').length;
    expect(manual).toBeLessThan(15);
  });
});

describe('simulateBehavior: planted latents', () => {
  it("records the agent's Q before each update and RPE_earned = reward - Q_chosen, as the analysis recomputes them", () => {
    const finished = [...Array(n).keys()].filter(responded);
    const choices = finished.map((i) => t.animal_response[i]);
    const rewards = finished.map((i) => t.rewarded_historyL[i] + t.rewarded_historyR[i]);
    const ref = forwardPass('QLearning_L2F1_CKfull_softmax', { ...params }, choices, rewards);
    finished.forEach((i, k) => {
      expect(s.latents.qLeft[i]).toBe(ref.q_value[0][k]);
      expect(s.latents.qRight[i]).toBe(ref.q_value[1][k]);
      expect(s.latents.pLeft[i]).toBe(ref.choice_prob[0][k]);
      const qChosen = ref.q_value[choices[k]][k];
      expect(s.latents.rpeEarned[i]).toBe(rewards[k] - qChosen);
    });
    for (let i = 0; i < n; i++) if (!responded(i)) expect(s.latents.rpeEarned[i]).toBeNaN();
  });

  it('is a pure function of its inputs', () => {
    const again = run(3);
    for (const [name, values] of Object.entries(t)) {
      expect(Array.from(again.trials[name as keyof typeof t]), name).toEqual(Array.from(values));
    }
    expect(Array.from(again.licks.left)).toEqual(Array.from(s.licks.left));
    expect(again.deliveries.right.types).toEqual(s.deliveries.right.types);
    expect(Array.from(run(4).trials.animal_response)).not.toEqual(Array.from(t.animal_response));
  });
});
