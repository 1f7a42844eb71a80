import { describe, expect, it } from 'vitest';

import { DEFAULT_OPTIONS, planMouse, validateOptions, type DatasetOptions } from '../../../src/generator/plan.js';
import { Rng, streamSeed } from '../../../src/generator/random.js';

const opts: DatasetOptions = { ...DEFAULT_OPTIONS, seed: 7 };

describe('Rng', () => {
  it('derives distinct, reproducible streams from a root seed and a name', () => {
    expect(streamSeed(7, 'mouse', 0)).toBe(streamSeed(7, 'mouse', 0));
    const seeds = new Set([streamSeed(7, 'mouse', 0), streamSeed(7, 'mouse', 1), streamSeed(8, 'mouse', 0), streamSeed(7, 'session', 0)]);
    expect(seeds.size).toBe(4);
    const a = Rng.stream(7, 'x');
    const b = Rng.stream(7, 'x');
    expect([a.uniform(), a.normal(), a.int(1, 6)]).toEqual([b.uniform(), b.normal(), b.int(1, 6)]);
  });

  it('draws from the stated distributions', () => {
    const rng = new Rng(1);
    const n = 20_000;
    let sum = 0;
    let sumSq = 0;
    let expSum = 0;
    for (let i = 0; i < n; i++) {
      const z = rng.normal();
      sum += z;
      sumSq += z * z;
      expSum += rng.exponential(3);
      const k = rng.int(2, 4);
      expect(k === 2 || k === 3 || k === 4).toBe(true);
    }
    expect(Math.abs(sum / n)).toBeLessThan(0.03);
    expect(Math.abs(sumSq / n - 1)).toBeLessThan(0.05);
    expect(Math.abs(expSum / n - 3)).toBeLessThan(0.1);
  });

  it('makes RFC 4122 version-4 UUIDs', () => {
    const rng = new Rng(3);
    const ids = Array.from({ length: 100 }, () => rng.uuid4());
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(100);
  });
});

describe('planMouse', () => {
  it('plans mouse k the same whatever the number of mice', () => {
    expect(planMouse({ ...opts, mice: 5 }, 2)).toEqual(planMouse({ ...opts, mice: 3 }, 2));
    expect(planMouse(opts, 0).subjectId).not.toBe(planMouse(opts, 1).subjectId);
  });

  it('schedules daily sessions from 2025, named behavior_<subject>_<date>_<HH-MM-SS>', () => {
    const m = planMouse({ ...opts, sessions: 10 }, 0);
    const days = m.sessions.map((s) => Date.parse(`${s.date}T00:00:00Z`) / 86_400_000);
    days.forEach((d, i) => i > 0 && expect(d - days[i - 1]).toBe(1));
    expect(m.sessions[0].date >= '2025-01-01').toBe(true);
    for (const s of m.sessions) {
      expect(s.sessionId).toBe(`behavior_${m.subjectId}_${s.date}_${s.startTime.replaceAll(':', '-')}`);
    }
    const weekdays = planMouse({ ...opts, sessions: 10, skipWeekends: true }, 0).sessions.map((s) => new Date(`${s.date}T00:00:00Z`).getUTCDay());
    expect(weekdays.some((d) => d === 0 || d === 6)).toBe(false);
  });

  it('splits mixed formats: older half HDF5, newer half Zarr', () => {
    expect(planMouse({ ...opts, sessions: 5 }, 0).sessions.map((s) => s.format)).toEqual(['hdf5', 'hdf5', 'hdf5', 'zarr', 'zarr']);
    expect(planMouse({ ...opts, sessions: 2, format: 'zarr' }, 0).sessions.map((s) => s.format)).toEqual(['zarr', 'zarr']);
  });

  it('rejects impossible options', () => {
    expect(() => validateOptions({ ...opts, mice: 0 })).toThrow(/mice/);
    expect(() => validateOptions({ ...opts, trials: 2.5 })).toThrow(/trials/);
    expect(() => validateOptions({ ...opts, format: 'nwb' as never })).toThrow(/format/);
    expect(() => planMouse({ ...opts, channels: ['X_1'] }, 0)).toThrow(/G_k or R_k/);
  });
});
