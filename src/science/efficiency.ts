// Foraging efficiency (science-spec section D; aind-dynamic-foraging-basic-analysis
// `compute_foraging_efficiency`): rewards collected over the rewards of an optimal forager that
// knows the reward probabilities, on finished, non-autowater trials. Two optimal references:
// the expected reward ("optimal-average") and a simulation with the session's own random numbers
// ("actual random seed").

import { nanmean } from './stats.js';

export interface ForagingEfficiencyInput {
  /** Baited task: an uncollected reward stays on its side. */
  baited: boolean;
  /** 0 = left, 1 = right, NaN = ignored (ignored trials are excluded). */
  choices: ArrayLike<number>;
  /** Reward per trial; any non-zero value counts as rewarded (the package casts to bool). */
  rewards: ArrayLike<number>;
  pRewardL: ArrayLike<number>;
  pRewardR: ArrayLike<number>;
  /** Trials where autowater was offered are excluded. */
  autowaterOffered?: ArrayLike<number | boolean>;
  /** The session's reward random numbers per side; enables the random-seed variant. */
  randomNumberL?: ArrayLike<number>;
  randomNumberR?: ArrayLike<number>;
}

export interface ForagingEfficiency {
  /** Rewards / expected rewards of the optimal forager. */
  foraging_efficiency: number;
  /** Rewards / rewards of the optimal forager replayed on the session's random numbers (NaN without them). */
  foraging_efficiency_random_seed: number;
}

/** ln(1 - pMax) / ln(1 - pMin), floored: how many times the optimal baiting forager picks the rich side before sampling the poor one. */
function richRunLength(pMax: number, pMin: number): number {
  return Math.floor(Math.log(1 - pMax) / Math.log(1 - pMin));
}

/** Per-trial reward rate of the optimal "fix-and-sample" baiting forager. */
function optimalBaitedRate(pL: number, pR: number): number {
  const pMax = Math.max(pL, pR);
  const pMin = Math.min(pL, pR);
  if (pMin === 0 || pMax >= 1) return pMax;
  const m = richRunLength(pMax, pMin);
  return pMax + (1 - (1 - pMin) ** (m + 1) - pMax * pMax) / (m + 1);
}

/** numpy argmax over [pL, pR]: first maximum, NaN counts as the maximum. */
function argmaxSide(pL: number, pR: number): 0 | 1 {
  if (pL !== pL) return 0;
  if (pR !== pR) return 1;
  return pR > pL ? 1 : 0;
}

function optimalNoBaiting(pL: Float64Array, pR: Float64Array, rL?: Float64Array, rR?: Float64Array) {
  const best = new Float64Array(pL.length);
  for (let i = 0; i < pL.length; i++) best[i] = pL[i] !== pL[i] || pR[i] !== pR[i] ? NaN : Math.max(pL[i], pR[i]);
  const expected = nanmean(best) * pL.length;
  if (!rL || !rR) return { expected, seeded: NaN };
  let seeded = 0;
  for (let i = 0; i < pL.length; i++) {
    const refilled = argmaxSide(pL[i], pR[i]) === 0 ? pL[i] >= rL[i] : pR[i] >= rR[i];
    if (refilled) seeded++;
  }
  return { expected, seeded };
}

function optimalBaiting(pL: Float64Array, pR: Float64Array, rL?: Float64Array, rR?: Float64Array) {
  const n = pL.length;
  const rates = new Float64Array(n);
  for (let i = 0; i < n; i++) rates[i] = optimalBaitedRate(pL[i], pR[i]);
  const expected = nanmean(rates) * n;
  if (!rL || !rR) return { expected, seeded: NaN };

  // Blocks start wherever either side's probability changes (NaN counts as a change).
  const starts: number[] = [0];
  for (let i = 1; i < n; i++) if (!(pL[i] - pL[i - 1] === 0) || !(pR[i] - pR[i - 1] === 0)) starts.push(i);
  starts.push(n);

  let seeded = 0;
  for (let b = 0; b + 1 < starts.length; b++) {
    const s = starts[b];
    const e = starts[b + 1];
    if (s === e) continue;
    const pMax = Math.max(pL[s], pR[s]);
    const pMin = Math.min(pL[s], pR[s]);
    // The package crashes on a NaN probability here (int(nan)); we report no seeded reference.
    if (pMax !== pMax || pMin !== pMin) return { expected, seeded: NaN };
    const rich = argmaxSide(pL[s], pR[s]);
    const greedy = pMin === 0 || pMax >= 1;
    const m = greedy ? 0 : richRunLength(pMax, pMin);
    const armed = [false, false]; // [rich, poor]; baits carry over within the block only
    for (let t = s; t < e; t++) {
      const richRefill = rich === 0 ? pL[t] >= rL[t] : pR[t] >= rR[t];
      const poorRefill = rich === 0 ? pR[t] >= rR[t] : pL[t] >= rL[t];
      armed[0] = armed[0] || richRefill;
      armed[1] = armed[1] || poorRefill;
      // Pattern: m picks of the rich side, then one of the poor side, repeated.
      const pick = greedy || (t - s) % (m + 1) < m ? 0 : 1;
      if (armed[pick]) seeded++;
      armed[pick] = false;
    }
  }
  return { expected, seeded: seeded === 0 ? NaN : seeded };
}

function toFloat(a: ArrayLike<number>, keep: Uint8Array, count: number): Float64Array {
  const out = new Float64Array(count);
  let k = 0;
  for (let i = 0; i < keep.length; i++) if (keep[i]) out[k++] = a[i];
  return out;
}

/** `compute_foraging_efficiency(baited, choice_history, reward_history, p_reward, autowater_offered, random_number)`. */
export function computeForagingEfficiency(input: ForagingEfficiencyInput): ForagingEfficiency {
  const n = input.choices.length;
  const lengths: [string, ArrayLike<unknown> | undefined][] = [
    ['rewards', input.rewards],
    ['pRewardL', input.pRewardL],
    ['pRewardR', input.pRewardR],
    ['autowaterOffered', input.autowaterOffered],
    ['randomNumberL', input.randomNumberL],
    ['randomNumberR', input.randomNumberR],
  ];
  for (const [name, a] of lengths) {
    if (a && a.length !== n) throw new RangeError(`foraging efficiency: ${name} has ${a.length} values, choices ${n}`);
  }
  if ((input.randomNumberL === undefined) !== (input.randomNumberR === undefined)) {
    throw new RangeError('foraging efficiency: give random numbers for both sides or neither');
  }
  const keep = new Uint8Array(n);
  let count = 0;
  let rewarded = 0;
  for (let i = 0; i < n; i++) {
    const c = input.choices[i];
    if (c !== c) continue;
    if (c !== 0 && c !== 1) throw new RangeError(`foraging efficiency: choice ${i} is ${c} (expected 0, 1 or NaN)`);
    if (input.autowaterOffered && input.autowaterOffered[i]) continue;
    keep[i] = 1;
    count++;
    if (input.rewards[i] !== 0) rewarded++;
  }
  const pL = toFloat(input.pRewardL, keep, count);
  const pR = toFloat(input.pRewardR, keep, count);
  const rL = input.randomNumberL && toFloat(input.randomNumberL, keep, count);
  const rR = input.randomNumberR && toFloat(input.randomNumberR, keep, count);
  const optimal = input.baited ? optimalBaiting(pL, pR, rL, rR) : optimalNoBaiting(pL, pR, rL, rR);
  return {
    foraging_efficiency: rewarded / optimal.expected,
    foraging_efficiency_random_seed: rewarded / optimal.seeded,
  };
}
