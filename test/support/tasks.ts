// Simulated task schedules shared by the model tests.
import { SeededUniform } from '../../src/science/optimize.js';

/** Baited coupled blocks of 40–80 trials, reward-probability pairs of the real task. */
export function blockTask(T: number, seed: number) {
  const rng = new SeededUniform(seed);
  const pairs = [
    [0.45, 0.05],
    [0.4, 0.1],
    [0.3, 0.15],
    [0.225, 0.225],
  ];
  const pRewardL = new Float64Array(T);
  const pRewardR = new Float64Array(T);
  for (let t = 0; t < T; ) {
    const len = 40 + Math.floor(rng.uniform() * 40);
    const [a, b] = pairs[Math.floor(rng.uniform() * pairs.length)];
    const flip = rng.uniform() < 0.5;
    for (let k = 0; k < len && t < T; k++, t++) {
      pRewardL[t] = flip ? a : b;
      pRewardR[t] = flip ? b : a;
    }
  }
  return { pRewardL, pRewardR, baiting: true };
}
