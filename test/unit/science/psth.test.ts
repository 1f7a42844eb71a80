import { describe, expect, it } from 'vitest';
import { baselineBars, eventsByLabel, psthCompare, rpeSlopes } from '../../../src/science/psth.js';

function constantSession(value: number, events: number[][]) {
  const timestamps = Float64Array.from({ length: 2001 }, (_, k) => k * 0.05); // 0..100 s
  return { timestamps, values: new Float64Array(timestamps.length).fill(value), events };
}

describe('psthCompare', () => {
  it('averages session means; SEM over sessions and pooled SEM over events', () => {
    // session 1: two "A" events of value 1; session 2: one "A" event of value 3; no "B" at all
    const psth = psthCompare(
      [constantSession(1, [[20, 40], []]), constantSession(3, [[60], []])],
      ['A', 'B'],
      [-1, 4],
    );
    expect(psth.time.length).toBe(201);
    const [a, b] = psth.traces;
    expect(a.nSessions).toBe(2);
    expect(a.nEvents).toBe(3);
    for (let k = 0; k < psth.time.length; k++) {
      expect(a.mean[k]).toBe(2);
      // std([1, 3], ddof=1) / sqrt(2) = 1
      expect(a.semOverSessions[k]).toBeCloseTo(1, 14);
      // values [1, 1, 3]: std(ddof=1) = sqrt(4/3), / sqrt(3) = 2/3
      expect(a.sem[k]).toBeCloseTo(2 / 3, 14);
    }
    expect(b.nSessions).toBe(0);
    expect(b.mean.every((v) => Number.isNaN(v))).toBe(true);
  });

  it('one session: SEM over sessions is NaN, pooled SEM is the session SEM', () => {
    const psth = psthCompare([constantSession(5, [[20, 40]])], ['A'], [-1, 4]);
    expect(psth.traces[0].mean[0]).toBe(5);
    expect(psth.traces[0].semOverSessions[0]).toBeNaN();
    expect(psth.traces[0].sem[0]).toBe(0);
  });

  it('censors each trace at the union of all labels of the session', () => {
    const psth = psthCompare([constantSession(1, [[20], [21.5]])], ['A', 'B'], [-1, 4]);
    psth.time.forEach((tau, k) => {
      expect(Number.isNaN(psth.traces[0].mean[k])).toBe(tau > 1.5);
      expect(Number.isNaN(psth.traces[1].mean[k])).toBe(tau < -1);
    });
  });

  it('NaN event times (ignored trials at choice) give NaN traces, and are not counted', () => {
    const psth = psthCompare([constantSession(1, [[20], [NaN, NaN]])], ['left', 'ignore'], [-1, 4]);
    expect(psth.traces[1].nEvents).toBe(0);
    expect(psth.traces[1].nSessions).toBe(0);
    expect(psth.traces[1].mean.every((v) => Number.isNaN(v))).toBe(true);
    expect(psth.traces[0].mean.every((v) => v === 1)).toBe(true);
    expect(psth.traces[0].nEvents).toBe(1);
  });

  it('counts the events and sessions averaged: none for events without signal around them', () => {
    // "A": 20 s and 150 s (the recording ends at 100 s) and an ignored trial; "B" only after the end
    const psth = psthCompare(
      [constantSession(1, [[20, 150, NaN], [200]]), constantSession(3, [[30], [250]])],
      ['A', 'B'],
      [-1, 4],
    );
    const [a, b] = psth.traces;
    expect([a.nEvents, a.nSessions]).toEqual([2, 2]);
    expect(a.mean.every((v) => v === 2)).toBe(true);
    expect([b.nEvents, b.nSessions]).toEqual([0, 0]);
    expect(b.mean.every((v) => Number.isNaN(v))).toBe(true);
    // an event whose window reaches the recording counts, though part of its trace is NaN
    const edge = psthCompare([constantSession(1, [[102]])], ['A'], [-3, 4]);
    expect(edge.traces[0].nEvents).toBe(1);
  });
});

describe('eventsByLabel', () => {
  it('groups alignment times by category label in row order', () => {
    const ev = eventsByLabel([1, 2, NaN, 4], ['x', null, 'y', 'x'], ['x', 'y', 'z']);
    expect(ev.map((e) => [...e])).toEqual([[1, 4], [NaN], []]);
  });
});

describe('baselineBars', () => {
  // num_reward_past 1, 2, -1, 1, -1, 1, 2, 3 -> x (previous trial) for trials 1..7: 1, 2, -1, 1, -1, 1, 2
  const numRewardPast = [1, 2, -1, 1, -1, 1, 2, 3];
  const baseline = [9, 1, 2, 3, 4, 5, 6, 7];

  it('one session: mean and SE over trials per previous-trial reward history', () => {
    const bars = baselineBars([{ numRewardPast, baseline }]);
    expect(bars.map((b) => b.x)).toEqual([-1, 1, 2]);
    // x = -1: trials 3, 5 -> 3, 5; x = 1: trials 1, 4, 6 -> 1, 4, 6; x = 2: trials 2, 7 -> 2, 7
    expect(bars.map((b) => b.mean)).toEqual([4, 11 / 3, 4.5]);
    expect(bars[0].sem).toBeCloseTo(1, 14); // std([3,5]) = sqrt(2), / sqrt(2)
    expect(bars[2].sem).toBeCloseTo(2.5, 14);
    expect(bars.map((b) => b.n)).toEqual([2, 3, 2]);
  });

  it('keeps -7 < x < 7 only', () => {
    const bars = baselineBars([{ numRewardPast: [7, -7, 6, -6, 0], baseline: [0, 1, 2, 3, 4] }]);
    expect(bars.map((b) => b.x)).toEqual([-6, 6]);
  });

  it('several sessions: mean ± SEM across per-session means', () => {
    const bars = baselineBars([
      { numRewardPast: [1, 1, 1], baseline: [0, 2, 4] }, // x = 1: mean(2, 4) = 3
      { numRewardPast: [1, 1], baseline: [0, 7] }, // x = 1: 7
      { numRewardPast: [-1, 1], baseline: [0, NaN] }, // x = -1: NaN only
    ]);
    expect(bars).toHaveLength(2);
    expect(bars[0]).toMatchObject({ x: -1, n: 0 });
    expect(bars[0].mean).toBeNaN();
    expect(bars[1]).toMatchObject({ x: 1, mean: 5, n: 2 });
    expect(bars[1].sem).toBeCloseTo(2, 14); // std([3, 7]) = 2 sqrt 2, / sqrt 2
  });
});

describe('rpeSlopes', () => {
  it('fits RPE >= 0 and RPE < 0 separately', () => {
    const rpe = [0, 0.5, 1, -0.2, -0.6, -1, NaN, 0.3];
    const avg = [1, 2, 3, 0.2, 0.6, 1, 5, NaN];
    const s = rpeSlopes(rpe, avg);
    expect(s?.pos.slope).toBeCloseTo(2, 14);
    expect(s?.pos.intercept).toBeCloseTo(1, 14);
    expect(s?.pos.n).toBe(3);
    expect(s?.neg.slope).toBeCloseTo(-1, 14);
    expect(s?.neg.n).toBe(3);
  });
  it('is NaN for one point or constant RPE, null without data', () => {
    const s = rpeSlopes([0.5, -0.5, -0.5], [1, 2, 3]);
    expect(s?.pos.slope).toBeNaN();
    expect(s?.neg.slope).toBeNaN();
    expect(rpeSlopes([NaN, 1], [1, NaN])).toBeNull();
  });
});
