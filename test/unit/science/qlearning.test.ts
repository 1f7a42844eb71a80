import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  fitQLearning,
  forwardPass,
  goodnessOfFit,
  modelNegLogLikelihood,
  negLogLikelihood,
  QLEARNING_MODELS,
  simulateQLearning,
  type QLearningModelName,
} from '../../../src/science/qlearning.js';
import { SeededUniform } from '../../../src/science/optimize.js';
import { blockTask } from '../../support/tasks.js';

const L2 = 'QLearning_L2F1_CKfull_softmax';
const L1 = 'QLearning_L1F1_CK1_softmax';

const TRUTH: Record<QLearningModelName, Record<string, number>> = {
  [L2]: {
    learn_rate_rew: 0.5,
    learn_rate_unrew: 0.15,
    forget_rate_unchosen: 0.1,
    choice_kernel_relative_weight: 0.3,
    choice_kernel_step_size: 0.3,
    biasL: 0.2,
    softmax_inverse_temperature: 3,
  },
  [L1]: {
    learn_rate: 0.4,
    forget_rate_unchosen: 0.15,
    choice_kernel_relative_weight: 0.2,
    biasL: -0.3,
    softmax_inverse_temperature: 6,
  },
};

describe('forward pass', () => {
  it('reproduces the spec check on 816886_2026-01-08 (learn_rate 0.28503)', () => {
    const params = { ...TRUTH[L1], learn_rate: 0.28503 };
    const lat = forwardPass(L1, params, [0, 0], [1, 0]);
    expect(Array.from(lat.q_value[0])).toEqual([0, 0.28503, 0.2037878991]);
    expect(lat.q_value[0][2]).toBeCloseTo(0.28503 * (1 - 0.28503), 15);
    expect(Array.from(lat.q_value[1])).toEqual([0, 0, 0]);
  });

  it('equals aind-dynamic-foraging-models 0.22.0 on a 3-trial history', () => {
    // Printed by ForagerQLearning(1, 1, 'one_step', 'softmax').perform_closed_loop + base.negLL.
    const params = {
      learn_rate: 0.28503,
      forget_rate_unchosen: 0.1,
      choice_kernel_relative_weight: 0.2,
      biasL: 0.1,
      softmax_inverse_temperature: 5,
    };
    const choices = [0, 0, 1];
    const rewards = [1, 0, 1];
    const lat = forwardPass(L1, params, choices, rewards);
    expect(Array.from(lat.q_value[0])).toEqual([0, 0.28503, 0.2037878991, 0.18340910919]);
    expect(Array.from(lat.q_value[1])).toEqual([0, 0, 0, 0.28503]);
    expect(Array.from(lat.choice_kernel[0])).toEqual([0, 1, 1, 0]);
    expect(Array.from(lat.choice_kernel[1])).toEqual([0, 0, 0, 1]);
    const pyProb = [
      [0.52497918747894, 0.9258862286049581, 0.8927304149002198],
      [0.47502081252106, 0.0741137713950419, 0.10726958509978018],
    ];
    // exp() may differ from libm by an ulp: probabilities agree to ~1e-16.
    for (const row of [0, 1]) {
      lat.choice_prob[row].forEach((p, t) => expect(Math.abs(p - pyProb[row][t])).toBeLessThan(1e-15));
    }
    expect(modelNegLogLikelihood(L1, params, choices, rewards)).toBeCloseTo(2.9538107014279493, 14);
  });

  it('keeps the package shapes and the value-before-update convention', () => {
    const T = 37;
    const sim = simulateQLearning(L2, TRUTH[L2], blockTask(T, 3), 3);
    const lat = forwardPass(L2, TRUTH[L2], sim.choices, sim.rewards);
    expect(lat.q_value[0]).toHaveLength(T + 1);
    expect(lat.choice_kernel[1]).toHaveLength(T + 1);
    expect(lat.choice_prob[0]).toHaveLength(T);
    // The simulation's own latents are the teacher-forced ones on its history.
    expect(lat).toEqual(sim.latents);
    // Trial 0 sees the initial state, trial t+1 the update by trial t.
    expect(lat.q_value[0][0]).toBe(0);
    const c0 = sim.choices[0];
    const lr = sim.rewards[0] ? TRUTH[L2].learn_rate_rew : TRUTH[L2].learn_rate_unrew;
    expect(lat.q_value[c0][1]).toBe(0 + lr * (sim.rewards[0] - 0));
  });

  it('probabilities sum to 1, values and kernels stay in [0, 1], NLL >= 0 and matches negLogLikelihood', () => {
    const model = fc.constantFrom<QLearningModelName>(L2, L1);
    fc.assert(
      fc.property(model, fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 1, max: 300 }), (m, seed, T) => {
        const rng = new SeededUniform(seed);
        const params: Record<string, number> = {};
        for (const b of QLEARNING_MODELS[m].free) params[b.name] = b.lower + (b.upper - b.lower) * rng.uniform();
        const sim = simulateQLearning(m, params, blockTask(T, seed), seed);
        const lat = forwardPass(m, params, sim.choices, sim.rewards);
        for (let t = 0; t < T; t++) {
          expect(Math.abs(lat.choice_prob[0][t] + lat.choice_prob[1][t] - 1)).toBeLessThan(1e-15);
          expect(lat.choice_prob[0][t]).toBeGreaterThanOrEqual(0);
        }
        for (let t = 0; t <= T; t++) {
          for (const row of [0, 1]) {
            expect(lat.q_value[row][t]).toBeGreaterThanOrEqual(0);
            expect(lat.q_value[row][t]).toBeLessThanOrEqual(1);
            expect(lat.choice_kernel[row][t]).toBeGreaterThanOrEqual(0);
            expect(lat.choice_kernel[row][t]).toBeLessThanOrEqual(1);
          }
        }
        const nll = modelNegLogLikelihood(m, params, sim.choices, sim.rewards);
        expect(nll).toBeGreaterThanOrEqual(0);
        expect(nll).toBe(negLogLikelihood(lat.choice_prob, sim.choices));
      }),
      { numRuns: 60 },
    );
  });

  it('goes greedy above 700 and clamps a zero likelihood to 1e-16', () => {
    // beta 1000 (allowed by the package's parameter model, outside the fit bounds): after a
    // rewarded left choice z_L = 1000*0.5 + ... > 700.
    const params = { ...TRUTH[L1], learn_rate: 1, softmax_inverse_temperature: 1000, biasL: 0, choice_kernel_relative_weight: 0 };
    const lat = forwardPass(L1, params, [0, 1], [1, 0]);
    expect(lat.choice_prob[0][1]).toBe(1);
    expect(lat.choice_prob[1][1]).toBe(0);
    expect(modelNegLogLikelihood(L1, params, [0, 1], [1, 0])).toBeCloseTo(Math.log(2) - Math.log(1e-16), 12);
  });

  it('rejects ignores, non-binary rewards, missing or out-of-range parameters', () => {
    expect(() => forwardPass(L1, TRUTH[L1], [0, 2], [0, 0])).toThrow(RangeError);
    expect(() => forwardPass(L1, TRUTH[L1], [0, 1], [0, 0.5])).toThrow(RangeError);
    expect(() => forwardPass(L1, TRUTH[L1], [0, 1], [0])).toThrow(RangeError);
    expect(() => forwardPass(L2, TRUTH[L1], [0], [0])).toThrow(/learn_rate_rew/);
    expect(() => forwardPass(L1, { ...TRUTH[L1], learn_rate: 1.5 }, [0], [0])).toThrow(RangeError);
  });

  it('computes AIC/BIC/LPT like the package', () => {
    const g = goodnessOfFit(100, 7, 400);
    expect(g.AIC).toBe(214);
    expect(g.BIC).toBe(200 + 7 * Math.log(400));
    expect(g.LPT).toBe(Math.exp(-100 / 400));
  });
});

describe('maximum-likelihood fit', () => {
  it('skips sessions with fewer than 50 finished trials', () => {
    const sim = simulateQLearning(L1, TRUTH[L1], blockTask(49, 1), 1);
    const out = fitQLearning(L1, sim.choices, sim.rewards, { seed: 1 });
    expect(out.fit).toBeNull();
    expect(out.reason).toMatch(/49 finished trials < 50/);
  });

  it('is deterministic for a seed and reports the package fields', () => {
    const sim = simulateQLearning(L1, TRUTH[L1], blockTask(300, 5), 5);
    const a = fitQLearning(L1, sim.choices, sim.rewards, { seed: 11 }).fit!;
    const b = fitQLearning(L1, sim.choices, sim.rewards, { seed: 11 }).fit!;
    expect(a.params).toEqual(b.params);
    expect(a.nll).toBe(b.nll);
    expect(Object.keys(a.params).sort()).toEqual(
      ['biasL', 'choice_kernel_relative_weight', 'choice_kernel_step_size', 'forget_rate_unchosen', 'learn_rate', 'softmax_inverse_temperature'],
    );
    expect(a.params.choice_kernel_step_size).toBe(1);
    expect(a.k_model).toBe(5);
    expect(a.n_trials).toBe(300);
    expect(a.nll).toBe(modelNegLogLikelihood(L1, a.params, sim.choices, sim.rewards));
    expect(a.nll).toBeLessThanOrEqual(a.nll_without_polishing);
    expect(a.AIC).toBe(2 * a.nll + 10);
    expect(a.latents).toEqual(forwardPass(L1, a.params, sim.choices, sim.rewards));
  });

  for (const model of [L2, L1] as const) {
    it(`${model}: fitted NLL never exceeds the NLL at the generating parameters`, () => {
      for (const seed of [21, 22, 23]) {
        const sim = simulateQLearning(model, TRUTH[model], blockTask(400, seed), seed);
        const fit = fitQLearning(model, sim.choices, sim.rewards, { seed }).fit!;
        expect(fit.nll).toBeLessThanOrEqual(modelNegLogLikelihood(model, TRUTH[model], sim.choices, sim.rewards));
        for (const b of QLEARNING_MODELS[model].free) {
          expect(fit.params[b.name]).toBeGreaterThanOrEqual(b.lower);
          expect(fit.params[b.name]).toBeLessThanOrEqual(b.upper);
        }
      }
    });
  }
});

/** Observed information (central-difference Hessian of the NLL) -> standard errors. */
function standardErrors(model: QLearningModelName, params: Record<string, number>, choices: Uint8Array, rewards: Uint8Array) {
  const names = QLEARNING_MODELS[model].free.map((b) => b.name);
  const n = names.length;
  const h = names.map((k) => (k === 'softmax_inverse_temperature' ? 1e-3 : 1e-4));
  const f = (d: number[]) => {
    const p = { ...params };
    names.forEach((k, j) => (p[k] += d[j]));
    return modelNegLogLikelihood(model, p, choices, rewards);
  };
  const H: number[][] = Array.from({ length: n }, () => new Array(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const e = (si: number, sj: number) => {
        const d = new Array(n).fill(0);
        d[i] += si * h[i];
        d[j] += sj * h[j];
        return f(d);
      };
      H[i][j] = (e(1, 1) - e(1, -1) - e(-1, 1) + e(-1, -1)) / (4 * h[i] * h[j]);
    }
  }
  // Invert by Gauss-Jordan; the diagonal of the inverse is the variance.
  const A = H.map((row, i) => [...row, ...names.map((_, j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(A[r][c]) > Math.abs(A[piv][c])) piv = r;
    [A[c], A[piv]] = [A[piv], A[c]];
    const d = A[c][c];
    for (let k = 0; k < 2 * n; k++) A[c][k] /= d;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const m = A[r][c];
      for (let k = 0; k < 2 * n; k++) A[r][k] -= m * A[c][k];
    }
  }
  return Object.fromEntries(names.map((k, i) => [k, Math.sqrt(A[i][n + i])]));
}

describe('parameter recovery on long simulated sessions', () => {
  // With T = 5000 trials the MLE is close to its asymptotic normal law, so each fitted parameter
  // should lie within a few standard errors (from the observed information at the optimum) of
  // the generating value: 4 SE bounds a false failure at ~6e-5 per parameter. The absolute
  // bounds guard against a degenerate, huge SE passing that check vacuously.
  const ABS: Record<string, number> = {
    learn_rate_rew: 0.15,
    learn_rate_unrew: 0.1,
    learn_rate: 0.1,
    forget_rate_unchosen: 0.1,
    choice_kernel_relative_weight: 0.15,
    choice_kernel_step_size: 0.2,
    biasL: 0.15,
    softmax_inverse_temperature: 1.5,
  };
  for (const model of [L2, L1] as const) {
    it(`${model} recovers its generating parameters`, () => {
      const T = 5000;
      const sim = simulateQLearning(model, TRUTH[model], blockTask(T, 99), 99);
      const fit = fitQLearning(model, sim.choices, sim.rewards, { seed: 7 }).fit!;
      // Interior optimum, so the observed information is defined at the fit.
      for (const b of QLEARNING_MODELS[model].free) {
        expect(fit.params[b.name]).toBeGreaterThan(b.lower + 1e-3 * (b.upper - b.lower));
        expect(fit.params[b.name]).toBeLessThan(b.upper - 1e-3 * (b.upper - b.lower));
      }
      const se = standardErrors(model, fit.params, sim.choices, sim.rewards);
      for (const b of QLEARNING_MODELS[model].free) {
        const err = Math.abs(fit.params[b.name] - TRUTH[model][b.name]);
        expect(err, `${b.name}: fit ${fit.params[b.name]}, SE ${se[b.name]}`).toBeLessThanOrEqual(4 * se[b.name]);
        expect(err, b.name).toBeLessThanOrEqual(ABS[b.name]);
      }
    });
  }
});
