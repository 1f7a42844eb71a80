// Planted truth: on long generated sessions (2 mice x 2 sessions x 2,000 trials, one HDF5 and one
// Zarr per mouse), the grouped plugin's per-session stage recovers what the generator planted.
//
// Model fit. The tolerance comes from the likelihood itself, not from hand-picked margins: the
// agent's parameters lie in the fit's 99.9 % likelihood-ratio confidence region,
// 2 (NLL(truth) - NLL(fit)) <= chi2_7(0.999) = 24.32 (7 free parameters), jointly, which allows
// for the correlated, weakly identified kernel parameters. The region is shown to have power:
// the other mouse's agent parameters fall outside it. (Per-parameter recovery within 4 SE of
// the observed information is checked on simulated histories in test/unit/science/qlearning.)
//
// RPE slopes. The generator adds gain * RPE_earned (+ offset) times a unit-peak kernel after each
// choice to dF/F; the analysis z-scores the series (divides by its SD, truth.json), subtracts the
// pre-go-cue baseline and averages the 27-point grid 0.33..0.98 s after choice, linearly
// interpolated from the 20 Hz samples. So the planted z-scored slope is
//   beta = gain * W / SD,  W = mean over the grid of the interpolated kernel (sample phase uniform).
// - Against the agent's true RPE (forward pass at truth.json's parameters) only noise separates
//   the OLS slope from beta: |slope - beta| <= 4 SE (the regression's own standard error).
// - The analysis' slopes regress on the RPE of OUR fit, x_fit = x_true + e. On the fitted subset,
//   slope - beta = -beta cov(e, x_fit) / var(x_fit) + noise, and by Cauchy-Schwarz the first term is
//   at most |beta| sd(e) / sd(x_fit). Tolerance: that bound + 4 SE.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { groupedPhotometry } from '../../../../src/analyses/grouped-photometry/index.js';
import type { SessionPartial } from '../../../../src/analyses/grouped-photometry/session.js';
import { generateDataset, type MouseTruth, type SessionTruth } from '../../../../src/generator/generate.js';
import { openNwb } from '../../../../src/nwb/open.js';
import { readSession } from '../../../../src/nwb/session.js';
import { getTimeArray } from '../../../../src/science/photometry.js';
import { forwardPass, modelNegLogLikelihood, QLEARNING_MODELS } from '../../../../src/science/qlearning.js';
import { linregress } from '../../../../src/science/stats.js';

const MODEL = 'QLearning_L2F1_CKfull_softmax';
const CHI2_7_0999 = 24.3219;
const MAX_Z = 4;
const spec = groupedPhotometry.parameters.schema.parse({ channels: { G_1: 'NAc', G_2: 'VTA' } });

interface Analysed {
  truth: MouseTruth;
  session: SessionTruth;
  partial: SessionPartial;
}

let dir: string;
const analysed: Analysed[] = [];
const report: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ga-planted-'));
  const opts = { seed: 5, mice: 2, sessions: 2, trials: 2000, format: 'mixed' as const, channels: ['G_1', 'G_2'], skipWeekends: false };
  const summary = await generateDataset(opts, dir);
  for (const m of summary.mice) {
    const truth = JSON.parse(await readFile(path.join(dir, m.folder, 'truth.json'), 'utf8')) as MouseTruth;
    for (const session of truth.sessions) {
      const source = await openNwb(path.join(dir, m.folder, session.file));
      const loaded = await readSession(source, groupedPhotometry.sessionRequest(spec)).finally(() => source.close());
      const ctx = { subjectId: truth.subject_id, resources: {}, warn: () => undefined };
      const { partial } = groupedPhotometry.perSession.run(loaded, spec, ctx);
      analysed.push({ truth, session, partial });
    }
  }
}, 180_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  if (report.length) console.log(`planted truth:\n  ${report.join('\n  ')}`);
});

/** The agent's parameters by name (truth.json's typed interface, widened for lookups). */
const agentParams = (truth: MouseTruth): Record<string, number> => ({ ...truth.agent.params });

/** Finished trials of a session: choices and earned rewards, and their rows in the trial table. */
function history(p: SessionPartial) {
  const choices: number[] = [];
  const rewards: number[] = [];
  const rows: number[] = [];
  p.trials.animalResponse.forEach((a, i) => {
    if (a !== 0 && a !== 1) return;
    choices.push(a);
    rewards.push(p.trials.earnedReward[i]);
    rows.push(i);
  });
  return { choices, rewards, rows };
}

/** W: mean over the 0.33..0.98 s grid of the unit-peak kernel, linearly interpolated from samples
 *  every `period` s whose phase relative to the choice is uniform (averaged over 400 phases). */
function windowKernelMean(kernel: MouseTruth['photometry']['kernel'], period: number): number {
  const { rise_tau: r, decay_tau: d } = kernel;
  const k = (t: number) => (t < 0 ? 0 : Math.exp(-t / d) - Math.exp(-t / r));
  const peak = k((Math.log(d / r) * r * d) / (d - r));
  const grid = getTimeArray(0.33, 1, 40);
  const PHASES = 400;
  let total = 0;
  for (const t of grid) {
    for (let p = 0; p < PHASES; p++) {
      const phase = ((p + 0.5) / PHASES) * period;
      const t0 = Math.floor((t - phase) / period) * period + phase;
      total += k(t0) + ((k(t0 + period) - k(t0)) * (t - t0)) / period;
    }
  }
  return total / PHASES / grid.length / peak;
}

const sd = (a: readonly number[]) => {
  const mu = a.reduce((s, v) => s + v, 0) / a.length;
  return Math.sqrt(a.reduce((s, v) => s + (v - mu) ** 2, 0) / (a.length - 1));
};

describe('planted truth on long generated sessions (2,000 trials)', () => {
  it('analyses 4 sessions of 2 mice, one HDF5 and one Zarr each, with both channels', () => {
    expect(analysed.map((a) => a.session.format)).toEqual(['hdf5', 'zarr', 'hdf5', 'zarr']);
    for (const { partial } of analysed) {
      expect(partial.finishedTrials).toBeGreaterThan(1800);
      expect(Object.keys(partial.channels)).toEqual(['G_1', 'G_2']);
    }
  });

  it("the fit recovers the agent: truth inside the fit's 99.9 % LR region, the other mouse's agent outside", () => {
    for (const { truth, session, partial } of analysed) {
      const { choices, rewards } = history(partial);
      const fitted = partial.model!;
      expect(fitted.name).toBe(MODEL);
      const lr = (params: Record<string, number>) => 2 * (modelNegLogLikelihood(MODEL, params, choices, rewards) - fitted.nll);
      const own = lr(agentParams(truth));
      const other = lr(agentParams(analysed.find((a) => a.truth.subject_id !== truth.subject_id)!.truth));
      // The MLE is at least as likely as the truth, and the truth is inside its confidence region.
      expect(own, session.file).toBeGreaterThanOrEqual(-1e-9);
      expect(own, session.file).toBeLessThanOrEqual(CHI2_7_0999);
      // The region is not vacuous: another plausible mouse's parameters are rejected.
      expect(other, session.file).toBeGreaterThan(CHI2_7_0999);
      const agent = agentParams(truth);
      report.push(
        `${session.file} T=${choices.length}: LR truth ${own.toFixed(2)}, other mouse ${other.toFixed(1)} (limit ${CHI2_7_0999}); ` +
          QLEARNING_MODELS[MODEL].free.map((b) => `${b.name} ${fitted.params[b.name].toFixed(3)} (truth ${agent[b.name].toFixed(3)})`).join(', '),
      );
    }
  });

  it('per-session RPE slopes recover the planted gain per channel (both RPE signs)', () => {
    for (const { truth, session, partial } of analysed) {
      const { choices, rewards, rows } = history(partial);
      const q = forwardPass(MODEL, agentParams(truth), choices, rewards).q_value;
      const trueRpe = new Float64Array(partial.totalTrials).fill(NaN);
      rows.forEach((i, t) => (trueRpe[i] = rewards[t] - q[choices[t]][t]));
      const W = windowKernelMean(truth.photometry.kernel, 1 / truth.photometry.sampling_rate_hz);
      for (const [key, ch] of Object.entries(partial.channels)) {
        const beta = (truth.photometry.channels[key].rpe_gain * W) / session.photometry[key].motion_corrected_sd;
        for (const side of ['pos', 'neg'] as const) {
          const pick = (rpe: ArrayLike<number>) => {
            const x: number[] = [];
            const y: number[] = [];
            const e: number[] = [];
            for (let i = 0; i < rpe.length; i++) {
              if (rpe[i] === rpe[i] && ch.avg[i] === ch.avg[i] && (rpe[i] >= 0) === (side === 'pos')) {
                x.push(rpe[i]);
                y.push(ch.avg[i]);
                e.push(partial.trials.rpeEarned[i] - trueRpe[i]);
              }
            }
            return { x, y, e, fit: linregress(x, y) };
          };
          const onTruth = pick(trueRpe);
          const onFit = pick(partial.trials.rpeEarned);
          // The analysis' slope is the OLS slope on our fitted RPE.
          expect(ch.slopes![side].slope).toBe(onFit.fit.slope);
          const label = `${session.file} ${key} RPE ${side === 'pos' ? '>=' : '<'} 0`;
          expect(Math.abs(onTruth.fit.slope - beta), `${label} on true RPE: ${onTruth.fit.slope} vs ${beta}`).toBeLessThanOrEqual(
            MAX_Z * onTruth.fit.stderr,
          );
          const bias = (Math.abs(beta) * sd(onFit.e)) / sd(onFit.x);
          const tolerance = bias + MAX_Z * onFit.fit.stderr;
          expect(Math.abs(onFit.fit.slope - beta), `${label}: ${onFit.fit.slope} vs ${beta} (tolerance ${tolerance})`).toBeLessThanOrEqual(tolerance);
          report.push(
            `${label}: planted ${beta.toFixed(3)}; on true RPE ${onTruth.fit.slope.toFixed(3)}±${onTruth.fit.stderr.toFixed(3)}; ` +
              `analysis ${onFit.fit.slope.toFixed(3)} (|diff| ${Math.abs(onFit.fit.slope - beta).toFixed(3)} <= ${bias.toFixed(3)} + 4×${onFit.fit.stderr.toFixed(3)})`,
          );
        }
      }
    }
  });
});
