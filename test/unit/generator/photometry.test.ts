import { describe, expect, it } from 'vitest';

import { sampleAgentParams } from '../../../src/generator/agent.js';
import {
  kernelWindowMean,
  parseChannels,
  PREPROCESSING_METHOD,
  samplePhotometryTruth,
  synthesizePhotometry,
  type PhotometrySession,
  type PhotometryTruth,
} from '../../../src/generator/photometry.js';
import { Rng } from '../../../src/generator/random.js';
import { DEFAULT_TASK, simulateBehavior } from '../../../src/generator/task.js';

const behavior = simulateBehavior(
  { ...DEFAULT_TASK, nTrials: 400, ignoreProbability: 0.03 },
  sampleAgentParams(new Rng(5)),
  3_000_000,
  new Rng(6),
);
const start = behavior.trials.start_time[0] - 30;
const end = behavior.trials.stop_time[399] + 10;
const truth = samplePhotometryTruth(['G_1', 'R_1', 'G_2'], new Rng(8));
const session = synthesizePhotometry(truth, behavior, start, end, new Rng(9));
const series = (s: PhotometrySession, name: string) => {
  const found = s.series.find((x) => x.name === name);
  if (!found) throw new Error(`no series ${name}`);
  return found;
};

/** OLS slope of y on x. */
function slope(x: number[], y: number[]): number {
  const mx = x.reduce((a, b) => a + b, 0) / x.length;
  const my = y.reduce((a, b) => a + b, 0) / y.length;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < x.length; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
  }
  return sxy / sxx;
}

/** Per responded trial: RPE and the mean of `data` over [0.33, 1] s after the choice. */
function windowMeans(s: PhotometrySession, name: string): { rpe: number[]; value: number[] } {
  const { timestamps, data } = series(s, name);
  const rpe: number[] = [];
  const value: number[] = [];
  behavior.latents.choiceTime.forEach((tc, i) => {
    if (Number.isNaN(tc)) return;
    let sum = 0;
    let count = 0;
    for (let k = 0; k < timestamps.length; k++) {
      const dt = timestamps[k] - tc;
      if (dt >= 0.33 && dt <= 1) {
        sum += data[k];
        count++;
      }
    }
    rpe.push(behavior.latents.rpeEarned[i]);
    value.push(sum / count);
  });
  return { rpe, value };
}

describe('photometry channels', () => {
  it('accepts G_k / R_k (k in 0..4) and rejects the rest', () => {
    expect(parseChannels(['G_1', 'R_0'])).toEqual([
      { colour: 'G', fiber: 1, name: 'G_1' },
      { colour: 'R', fiber: 0, name: 'R_0' },
    ]);
    expect(() => parseChannels([])).toThrow(/at least one/);
    expect(() => parseChannels(['Iso_1'])).toThrow(/G_k or R_k/);
    expect(() => parseChannels(['G_5'])).toThrow(/G_k or R_k/);
    expect(() => parseChannels(['G_1', 'G_1'])).toThrow(/twice/);
  });

  it('adds one isosbestic channel per fibre', () => {
    expect(truth.iso.map((i) => i.name)).toEqual(['Iso_1', 'Iso_2']);
  });
});

describe('synthesizePhotometry', () => {
  it('writes raw, _preprocessed and the analysis-default series per channel, on 20 Hz interleaved clocks', () => {
    const names = session.series.map((s) => s.name).sort();
    const expected = ['G_1', 'R_1', 'G_2', 'Iso_1', 'Iso_2'].flatMap((c) => [c, `${c}_preprocessed`, `${c}_${PREPROCESSING_METHOD}`]);
    expect(names).toEqual(expected.sort());
    const g = series(session, 'G_1').timestamps;
    const iso = series(session, 'Iso_1').timestamps;
    const r = series(session, 'R_1').timestamps;
    expect(g.length).toBe(session.fipRising.length);
    expect(g[0]).toBeGreaterThanOrEqual(start - 1e-4);
    expect(r[r.length - 1]).toBeLessThan(end);
    const worst = (f: (k: number) => number, from = 0) => {
      let m = 0;
      for (let k = from; k < g.length; k++) m = Math.max(m, Math.abs(f(k)));
      return m;
    };
    expect(worst((k) => g[k] - g[k - 1] - 0.05, 1)).toBeLessThan(5e-5);
    expect(worst((k) => iso[k] - g[k] - 1 / 60)).toBeLessThan(5e-4);
    expect(worst((k) => r[k] - g[k] - 2 / 60)).toBeLessThan(5e-4);
    expect(worst((k) => session.fipFalling[k] - session.fipRising[k] - 0.0153)).toBeLessThan(1e-9);
    // same timestamps for every series of one colour
    expect(series(session, 'G_2_preprocessed').timestamps).toBe(g);
  });

  it('shares each fibre’s motion artefact between its isosbestic and signal channels', () => {
    const artefact = (name: string) => {
      const pre = series(session, `${name}_preprocessed`).data;
      const corrected = series(session, `${name}_${PREPROCESSING_METHOD}`).data;
      return Array.from(pre, (x, k) => x - corrected[k]);
    };
    const iso = artefact('Iso_1');
    const g = artefact('G_1');
    const coupling = truth.channels.find((c) => c.name === 'G_1')!.motionCoupling;
    const dips = iso.filter((x) => x < -0.005).length;
    expect(dips).toBeGreaterThan(20);
    // the G frame is 1/60 s earlier than the Iso frame, so compare with a tolerance
    expect(Math.max(...g.map((x, k) => Math.abs(x - coupling * iso[k])))).toBeLessThan(0.02);
    const other = artefact('Iso_2');
    expect(other.some((x, k) => Math.abs(x - iso[k]) > 0.01)).toBe(true);
  });

  it('raw = bleaching baseline * (1 + dF/F): the preprocessed series recovers dF/F from the raw one', () => {
    const raw = series(session, 'G_1').data;
    const pre = series(session, 'G_1_preprocessed').data;
    const b = truth.channels[0].bleaching;
    const ts = series(session, 'G_1').timestamps;
    for (const k of [0, 1000, raw.length - 1]) {
      const t = ts[k] - start;
      const f0 = b.baselineCounts * (b.fastFraction * Math.exp(-t / b.fastTau) + (1 - b.fastFraction) * Math.exp(-t / b.slowTau));
      expect(raw[k] / f0 - 1).toBeCloseTo(pre[k], 12);
    }
    expect(raw[raw.length - 1]).toBeLessThan(raw[0]); // bleaches
  });

  it('plants a transient whose amplitude is gain * RPE + offset (noise-free, slope within 3%)', () => {
    const quiet: PhotometryTruth = {
      ...truth,
      channels: truth.channels.map((c) => ({ ...c, noiseSd: 0, driftAmplitude: 0 })),
    };
    const clean = synthesizePhotometry(quiet, behavior, start, end, new Rng(9));
    const windowMean = kernelWindowMean(truth.kernel, 0.33, 1);
    for (const ch of truth.channels) {
      const { rpe, value } = windowMeans(clean, `${ch.name}_${PREPROCESSING_METHOD}`);
      // earlier transients leave small tails, so the recovered slope is close, not exact
      expect(Math.abs(slope(rpe, value) / (ch.rpeGain * windowMean) - 1)).toBeLessThan(0.03);
    }
  });

  it('keeps the planted slope recoverable through noise and drift', () => {
    const windowMean = kernelWindowMean(truth.kernel, 0.33, 1);
    for (const ch of truth.channels) {
      const { rpe, value } = windowMeans(session, `${ch.name}_${PREPROCESSING_METHOD}`);
      const ratio = slope(rpe, value) / (ch.rpeGain * windowMean);
      expect(ratio).toBeGreaterThan(0.8);
      expect(ratio).toBeLessThan(1.2);
    }
    expect(session.stats.G_1.motionCorrectedSd).toBeGreaterThan(0);
    expect(session.stats.G_1.preprocessedSd).toBeGreaterThan(session.stats.G_1.motionCorrectedSd);
  });

  it('kernelWindowMean is the mean of the unit-peak kernel over the window', () => {
    const { riseTau, decayTau } = truth.kernel;
    const k = (t: number) => Math.exp(-t / decayTau) - Math.exp(-t / riseTau);
    let peak = 0;
    for (let t = 0; t < 3; t += 1e-5) peak = Math.max(peak, k(t));
    let sum = 0;
    const steps = 100_000;
    for (let j = 0; j < steps; j++) sum += k(0.33 + ((j + 0.5) * 0.67) / steps);
    expect(kernelWindowMean(truth.kernel, 0.33, 1)).toBeCloseTo(sum / steps / peak, 6);
  });

  it('is deterministic for a seed', () => {
    const again = synthesizePhotometry(truth, behavior, start, end, new Rng(9));
    expect(Array.from(series(again, 'G_2').data)).toEqual(Array.from(series(session, 'G_2').data));
  });
});
