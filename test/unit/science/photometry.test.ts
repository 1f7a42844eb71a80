import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  averageSignalWindow,
  enrichChannel,
  eventTriggeredResponse,
  getTimeArray,
  linspace,
  NanInSliceError,
  trialBaselines,
  trialRanges,
  trialSamples,
  trialWindows,
  zscore,
} from '../../../src/science/photometry.js';

/** Samples k * step from `from` (k integer), so every timestamp is a correctly rounded product. */
function clock(from: number, to: number, step: number): Float64Array {
  const n = Math.round((to - from) / step) + 1;
  return Float64Array.from({ length: n }, (_, k) => from + k * step);
}

describe('zscore', () => {
  it('uses nanmean and nanstd(ddof=1) over the whole series', () => {
    expect([...zscore([1, 2, 3, NaN])]).toEqual([-1, 0, 1, NaN]);
    expect([...zscore([2, 4, 6, 8])].map((v) => +v.toFixed(12))).toEqual(
      [-3, -1, 1, 3].map((d) => +(d / Math.sqrt(20 / 3)).toFixed(12)),
    );
  });
  it('is NaN for a constant series (0 / 0)', () => {
    expect([...zscore([5, 5, 5])]).toEqual([NaN, NaN, NaN]);
  });
});

describe('trial windows', () => {
  const g = [10, 20, 30];
  const gInTrial = [0, 0, 0];

  it('run from 1 s before this go cue to 1 s before the next; the last one to the end by default', () => {
    const w = trialWindows(g, gInTrial, 42);
    expect([...w.tStart]).toEqual([9, 19, 29]);
    expect([...w.tEnd]).toEqual([19, 29, Infinity]);
    expect([...w.nextGoCueInSession]).toEqual([20, 30, 42]);
    expect([...w.nextGoCueInTrial]).toEqual([10, 10, 12]);
  });
  it('with referenceBugs the last trial has no window (spec F1)', () => {
    const w = trialWindows(g, gInTrial, 42, { referenceBugs: true });
    expect([...w.tEnd]).toEqual([19, 29, NaN]);
    expect([...w.nextGoCueInSession]).toEqual([20, 30, NaN]);
  });
  it('keep the reference float order ((g_next - g) + -1) + g', () => {
    const w = trialWindows([0.02, 4.13], [0, 0], NaN);
    expect(w.tEnd[0]).toBe(3.1300000000000003);
    expect(4.13 - 1).toBe(3.13); // the direct order would differ in the last bit
  });
  it('select samples strictly inside (open interval)', () => {
    const ts = clock(8, 35, 0.5);
    const r = trialRanges(ts, trialWindows(g, gInTrial, 35));
    expect(ts[r.start[0]]).toBe(9.5);
    expect(ts[r.end[0] - 1]).toBe(18.5);
    expect(ts[r.start[1]]).toBe(19.5);
    expect(ts[r.end[2] - 1]).toBe(35);
    const bug = trialRanges(ts, trialWindows(g, gInTrial, 35, { referenceBugs: true }));
    expect(bug.end[2] - bug.start[2]).toBe(0);
  });
  it('ranges equal a brute-force filter of t_start < t < t_end', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 100, noNaN: true }), { minLength: 1, maxLength: 80 }),
        fc.array(fc.double({ min: 0, max: 100, noNaN: true }), { minLength: 1, maxLength: 10 }),
        (rawTs, rawG) => {
          const ts = Float64Array.from(rawTs).sort();
          const goCues = Float64Array.from(rawG).sort();
          const w = trialWindows(goCues, new Float64Array(goCues.length), ts[ts.length - 1]);
          const r = trialRanges(ts, w);
          for (let i = 0; i < goCues.length; i++) {
            const want = [...ts.keys()].filter((k) => ts[k] > w.tStart[i] && ts[k] < w.tEnd[i]);
            const got = Array.from({ length: r.end[i] - r.start[i] }, (_, j) => r.start[i] + j);
            expect(got).toEqual(want);
          }
        },
      ),
    );
  });
});

describe('baselines and tidy rows (remove_tonic_df_fip)', () => {
  const ts = clock(8, 35, 0.25);
  const data = Float64Array.from(ts); // signal = time, so baselines are easy to check
  const trials = { goCueInSession: [10, 20, 30], goCueInTrial: [0, 0, 0] };

  it('baseline = nanmean over -1 < t - g < 0', () => {
    const e = enrichChannel({ timestamps: ts, data }, trials);
    // samples 9.25, 9.5, 9.75 (9 is outside the open window, 10 is t - g = 0)
    expect([...e.dataBaseline]).toEqual([9.5, 19.5, 29.5]);
  });
  it('NaN baseline when the window has no valid sample, and those samples leave the tidy table', () => {
    const gappy = Float64Array.from(data);
    for (let k = 0; k < ts.length; k++) if (ts[k] > 19 && ts[k] < 20) gappy[k] = NaN;
    const e = enrichChannel({ timestamps: ts, data: gappy }, trials);
    expect(e.dataBaseline[1]).toBeNaN();
    expect(e.tidy.trial.includes(1)).toBe(false);
    expect(trialBaselines(ts, data, [10], { start: new Int32Array([5]), end: new Int32Array([5]) })[0]).toBeNaN();
  });
  it('tidy rows are the in-window samples with data - baseline, in sample order', () => {
    const e = enrichChannel({ timestamps: ts, data }, trials);
    expect(e.tidy.sample[0]).toBe(5); // 9.25
    expect(e.tidy.dataNorm[0]).toBe(9.25 - 9.5);
    expect(e.tidy.sample.every((s, i) => i === 0 || s > e.tidy.sample[i - 1])).toBe(true);
    // every sample after 9 is kept, including the last trial's (corrected F1)
    expect(e.tidy.sample.length).toBe(ts.length - 5 - 2); // minus 8..9 and the two exact boundaries 19, 29
    expect(e.windows.nextGoCueInSession[2]).toBe(35); // the channel's last sample by default
    const sessionEnd = enrichChannel({ timestamps: ts, data }, { ...trials, lastFipTimestamp: 36 });
    expect(sessionEnd.windows.nextGoCueInSession[2]).toBe(36);
    expect([...sessionEnd.tidy.sample]).toEqual([...e.tidy.sample]);
    const bug = enrichChannel({ timestamps: ts, data }, trials, { referenceBugs: true });
    expect(bug.tidy.trial.includes(2)).toBe(false);
    expect(bug.dataBaseline[2]).toBeNaN();
    expect(bug.tidy.sample[bug.tidy.sample.length - 1]).toBe(ts.indexOf(28.75));
  });
  it('data_z is z-scored over the whole recording, then baselined the same way', () => {
    const e = enrichChannel({ timestamps: ts, data }, trials);
    const z = zscore(data);
    expect([...e.dataZ]).toEqual([...z]);
    const s = trialSamples({ timestamps: ts, data }, e, trials.goCueInSession, 0);
    expect(s.timestampsInTrial[0]).toBe(9.25 - 10);
    expect([...s.dataZNorm]).toEqual([...s.dataZ].map((v) => v - e.dataZBaseline[0]));
    expect(s.timestampsInSession.length).toBe(e.ranges.end[0] - e.ranges.start[0]);
  });
  it('repeated timestamps: one row per sample, or the reference merge cross product (F14)', () => {
    const dup = { timestamps: Float64Array.from([9.5, 9.5, 10.5, 10.5]), data: Float64Array.from([1, 3, 5, 7]) };
    const one = { goCueInSession: [10, 20], goCueInTrial: [0, 0] };
    const own = enrichChannel(dup, one);
    expect(own.dataBaseline[0]).toBe(2); // mean(1, 3)
    expect([...own.tidy.sample]).toEqual([0, 1, 2, 3]);
    expect([...own.tidy.dataNorm]).toEqual([-1, 1, 3, 5]);
    const merged = enrichChannel(dup, one, { referenceBugs: true });
    expect([...merged.tidy.sample]).toEqual([0, 0, 1, 1, 2, 2, 3, 3]);
    expect([...merged.tidy.dataNorm]).toEqual([-1, 1, -1, 1, 3, 5, 3, 5]);
  });
  it('rejects unsorted or non-finite timestamps', () => {
    expect(() => enrichChannel({ timestamps: Float64Array.from([1, 0]), data: new Float64Array(2) }, trials)).toThrow(
      RangeError,
    );
    expect(() => enrichChannel({ timestamps: Float64Array.from([NaN]), data: new Float64Array(1) }, trials)).toThrow(
      RangeError,
    );
  });
});

describe('get_time_array', () => {
  it('has the spec grid sizes at 40 Hz', () => {
    expect(getTimeArray(-1, 4, 40).length).toBe(201);
    expect(getTimeArray(-1.5, 4, 40).length).toBe(221);
    expect(getTimeArray(-2, 4, 40).length).toBe(241);
    const w = getTimeArray(0.33, 1, 40);
    expect(w.length).toBe(27);
    expect(w[0]).toBe(0.33);
    // (1 - 0.33) / 0.025 = 26.8 steps: cut to 26, stop = 0.33 + 26 * 0.025, so 1.0 is never reached
    expect(w[26]).toBe(0.33 + 26 * 0.025);
    expect(w[26]).toBeCloseTo(0.98, 12);
  });
  it('follows numpy linspace: k * step + start, last point = stop', () => {
    const g = getTimeArray(-1, 4, 40);
    expect(g[0]).toBe(-1);
    expect(g[1]).toBe(1 * (5 / 200) + -1);
    expect(g[200]).toBe(4);
    expect([...linspace(0, 1, 5)]).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect([...linspace(2, 2, 3)]).toEqual([2, 2, 2]);
  });
});

describe('event_triggered_response', () => {
  // A straight line is reproduced exactly by linear interpolation (up to rounding).
  const ts = clock(0, 30, 0.05);
  const line = ts.map((t) => 2 * t + 1);
  const opts = { tStart: -1, tEnd: 4 };

  it('interpolates onto the grid relative to each event', () => {
    const etr = eventTriggeredResponse(ts, line, [10.013], { ...opts, censor: false });
    expect(etr.time.length).toBe(201);
    etr.time.forEach((tau, k) => expect(etr.values[k]).toBeCloseTo(2 * (10.013 + tau) + 1, 10));
  });
  it('is NaN outside the data and for events with no samples around them', () => {
    const etr = eventTriggeredResponse(ts, line, [28, 100], { ...opts, censor: false });
    const nt = etr.time.length;
    etr.time.forEach((tau, k) => {
      if (tau > 2) expect(etr.values[k]).toBeNaN();
      else expect(etr.values[k]).toBeCloseTo(2 * (28 + tau) + 1, 10);
      expect(etr.values[nt + k]).toBeNaN();
    });
  });
  it('censors by neighbouring events: -min(|t_start|, gap back), min(t_end, gap forward)', () => {
    const etr = eventTriggeredResponse(ts, line, [11.5, 10], opts);
    expect([...etr.eventTimes]).toEqual([10, 11.5]); // sorted
    const nt = etr.time.length;
    etr.time.forEach((tau, k) => {
      expect(Number.isNaN(etr.values[k])).toBe(tau > 1.5);
      expect(Number.isNaN(etr.values[nt + k])).toBe(false); // back gap 1.5 > |t_start|
    });
    const close = eventTriggeredResponse(ts, line, [10, 10.5], opts);
    close.time.forEach((tau, k) => expect(Number.isNaN(close.values[nt + k])).toBe(tau < -0.5));
  });
  it('censors by explicit censor times: max(t_start, before - e), min(t_end, after - e)', () => {
    const etr = eventTriggeredResponse(ts, line, [10], { ...opts, censorTimes: [9.6, 10, 12, NaN] });
    etr.time.forEach((tau, k) => expect(Number.isNaN(etr.values[k])).toBe(tau < -0.4 || tau > 2));
  });
  it('a NaN event gives a NaN row and censors nothing', () => {
    const etr = eventTriggeredResponse(ts, line, [NaN, 10], opts);
    const nt = etr.time.length;
    expect([...etr.eventTimes]).toEqual([10, NaN]);
    expect(etr.values.subarray(0, nt).every((v) => !Number.isNaN(v))).toBe(true);
    expect(etr.values.subarray(nt).every((v) => Number.isNaN(v))).toBe(true);
  });
  it('NaN inside a slice throws a typed error, or blanks the event with nanPolicy exclude', () => {
    const holed = Float64Array.from(line);
    holed[ts.indexOf(10)] = NaN;
    expect(() => eventTriggeredResponse(ts, holed, [10], opts)).toThrow(NanInSliceError);
    const etr = eventTriggeredResponse(ts, holed, [10, 25], { ...opts, nanPolicy: 'exclude' });
    const nt = etr.time.length;
    expect(etr.values.subarray(0, nt).every((v) => Number.isNaN(v))).toBe(true);
    expect(etr.values[nt + 40]).toBeCloseTo(2 * 25 + 1, 10);
  });
  it('rejects an empty window', () => {
    expect(() => eventTriggeredResponse(ts, line, [1], { tStart: 1, tEnd: 1 })).toThrow(RangeError);
  });
});

describe('get_average_signal_window', () => {
  const ts = clock(0, 30, 0.05);
  const line = ts.map((t) => 2 * t + 1);
  const meanTau = (0.33 + (0.33 + 26 * 0.025)) / 2; // mean of the 27-point grid = 0.655

  it('averages the 27 grid points 0.33..0.98 s after choice; NaN choice -> NaN', () => {
    const avg = averageSignalWindow(ts, line, [NaN, 5, 3]);
    expect(avg[0]).toBeNaN();
    expect(avg[1]).toBeCloseTo(2 * (5 + meanTau) + 1, 10);
    expect(avg[2]).toBeCloseTo(2 * (3 + meanTau) + 1, 10);
  });
  it('censors by the next choice less than 1 s later', () => {
    const avg = averageSignalWindow(ts, line, [3.5, 3]);
    // trial at 3 keeps 0.33..0.48 (7 points, <= 0.5 s gap); trial at 3.5 is not censored backwards
    expect(avg[1]).toBeCloseTo(2 * (3 + (0.33 + 0.48) / 2) + 1, 10);
    expect(avg[0]).toBeCloseTo(2 * (3.5 + meanTau) + 1, 10);
  });
});
