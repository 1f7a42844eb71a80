import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { computeForagingEfficiency } from '../../../src/science/efficiency.js';

// A session built from integer formulas (identical in Python); goldens printed by
// aind-dynamic-foraging-basic-analysis 0.3.38 `compute_foraging_efficiency` on the same arrays.
function session(n: number, k: number) {
  const pairs = [
    [0.45, 0.05],
    [0.4, 0.1],
    [0.3, 0.15],
    [0.225, 0.225],
    [0.8, 0.0],
    [0.6, 0.3],
  ];
  const pL: number[] = [];
  const pR: number[] = [];
  for (let b = 0; pL.length < n; b++) {
    const len = 30 + ((b * 17 + k) % 25);
    let [a, c] = pairs[(b * 5 + k) % pairs.length];
    if ((b + k) % 2) [a, c] = [c, a];
    for (let j = 0; j < len && pL.length < n; j++) {
      pL.push(a);
      pR.push(c);
    }
  }
  const idx = Array.from({ length: n }, (_, i) => i);
  return {
    pRewardL: pL,
    pRewardR: pR,
    choices: idx.map((i) => ((i * 7 + k) % 23 === 0 ? NaN : (i * 13 + k) % 5 < 2 ? 1 : 0)),
    rewards: idx.map((i) => ((i * 11 + k) % 3 === 0 ? 1 : 0)),
    autowaterOffered: idx.map((i) => (i * 3 + k) % 41 === 0),
    randomNumberL: idx.map((i) => ((i * 37 + k) % 101) / 101),
    randomNumberR: idx.map((i) => ((i * 53 + k) % 97) / 97),
  };
}

const GOLDEN = [
  { k: 1, baited: true, eff: 0.60148078556173, seed: 0.5636363636363636, effNoAuto: 0.5996320960202887 },
  { k: 2, baited: false, eff: 0.7356186552890981, seed: 0.7142857142857143, effNoAuto: 0.7298850574712644 },
  { k: 3, baited: true, eff: 0.6688701270482958, seed: 0.6097560975609756, effNoAuto: 0.6681443363397185 },
  { k: 4, baited: false, eff: 0.7797878976918278, seed: 0.7716049382716049, effNoAuto: 0.772741101308184 },
];

describe('computeForagingEfficiency', () => {
  for (const g of GOLDEN) {
    it(`matches the Python package (${g.baited ? 'baited' : 'not baited'}, k=${g.k})`, () => {
      const s = session(400, g.k);
      const full = computeForagingEfficiency({ baited: g.baited, ...s });
      // Logs/pow may differ from libm by an ulp; counts and floors are exact.
      expect(Math.abs(full.foraging_efficiency - g.eff)).toBeLessThanOrEqual(1e-14 * g.eff);
      expect(full.foraging_efficiency_random_seed).toBe(g.seed);
      const plain = computeForagingEfficiency({
        baited: g.baited,
        choices: s.choices,
        rewards: s.rewards,
        pRewardL: s.pRewardL,
        pRewardR: s.pRewardR,
      });
      expect(Math.abs(plain.foraging_efficiency - g.effNoAuto)).toBeLessThanOrEqual(1e-14 * g.effNoAuto);
      expect(plain.foraging_efficiency_random_seed).toBeNaN();
    });
  }

  it('baited optimal rate follows the fix-and-sample formula', () => {
    // pMax 0.4, pMin 0.1: m = floor(ln 0.6 / ln 0.9) = 4, p* = 0.4 + (1 - 0.9^5 - 0.16) / 5.
    const n = 100;
    const r = computeForagingEfficiency({
      baited: true,
      choices: new Array(n).fill(0),
      rewards: new Array(n).fill(1),
      pRewardL: new Array(n).fill(0.4),
      pRewardR: new Array(n).fill(0.1),
    });
    const pStar = 0.4 + (1 - 0.9 ** 5 - 0.16) / 5;
    expect(r.foraging_efficiency).toBeCloseTo(n / (pStar * n), 12);
  });

  it('an optimal greedy player on a non-baited task replayed on its own random numbers scores 1', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }),
          fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true })), { minLength: 1, maxLength: 200 }),
        (rows) => {
          const pL = rows.map((r) => r[0]);
          const pR = rows.map((r) => r[1]);
          const rL = rows.map((r) => r[2]);
          const rR = rows.map((r) => r[3]);
          const choices = rows.map((r) => (r[1] > r[0] ? 1 : 0));
          const rewards = rows.map((r, i) => (choices[i] === 0 ? (r[0] >= r[2] ? 1 : 0) : r[1] >= r[3] ? 1 : 0));
          const e = computeForagingEfficiency({ baited: false, choices, rewards, pRewardL: pL, pRewardR: pR, randomNumberL: rL, randomNumberR: rR });
          const got = rewards.reduce<number>((a, b) => a + b, 0);
          if (got > 0) expect(e.foraging_efficiency_random_seed).toBe(1);
          expect(e.foraging_efficiency).toBeGreaterThanOrEqual(0);
        },
      ),
    );
  });

  it('excludes ignored and autowater trials and rejects bad input', () => {
    const base = { baited: false, pRewardL: [0.5, 0.5, 0.5], pRewardR: [0.1, 0.1, 0.1] };
    const e = computeForagingEfficiency({ ...base, choices: [0, NaN, 0], rewards: [1, 1, 0], autowaterOffered: [false, false, true] });
    // One valid trial, one reward, optimal expectation 0.5.
    expect(e.foraging_efficiency).toBe(2);
    expect(() => computeForagingEfficiency({ ...base, choices: [0, 2, 0], rewards: [0, 0, 0] })).toThrow(RangeError);
    expect(() => computeForagingEfficiency({ ...base, choices: [0, 1], rewards: [0, 0] })).toThrow(RangeError);
  });
});
