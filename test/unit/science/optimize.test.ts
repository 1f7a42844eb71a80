import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { differentialEvolution, minimizeBox, SeededUniform } from '../../../src/science/optimize.js';

const rosenbrock = (x: Float64Array) => {
  let f = 0;
  for (let i = 0; i + 1 < x.length; i++) f += 100 * (x[i + 1] - x[i] * x[i]) ** 2 + (1 - x[i]) ** 2;
  return f;
};

describe('SeededUniform', () => {
  it('is reproducible, in [0, 1), and roughly uniform', () => {
    const a = new SeededUniform(5);
    const b = new SeededUniform(5);
    let s = 0;
    for (let i = 0; i < 10_000; i++) {
      const u = a.uniform();
      expect(u).toBe(b.uniform());
      expect(u).toBeGreaterThanOrEqual(0);
      expect(u).toBeLessThan(1);
      s += u;
    }
    expect(s / 10_000).toBeCloseTo(0.5, 1);
    expect(Array.from(a.permutation(10)).sort((p, q) => p - q)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});

describe('differentialEvolution', () => {
  it('finds the minimum of a shifted sphere and stops on the tolerance', () => {
    const r = differentialEvolution(
      (x) => (x[0] - 0.3) ** 2 + (x[1] + 1) ** 2 + 1,
      [-2, -2],
      [2, 2],
      { seed: 1, popsize: 16, tol: 1e-6 },
    );
    expect(r.converged).toBe(true);
    expect(r.x[0]).toBeCloseTo(0.3, 2);
    expect(r.x[1]).toBeCloseTo(-1, 2);
    expect(r.population).toHaveLength(32);
    expect(r.energies[0]).toBe(r.fun);
    for (let i = 1; i < r.energies.length; i++) expect(r.energies[i]).toBeGreaterThanOrEqual(r.energies[i - 1]);
    for (const m of r.population) for (const v of m) expect(Math.abs(v)).toBeLessThanOrEqual(2);
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const run = (seed: number) => differentialEvolution(rosenbrock, [-2, -2, -2], [2, 2, 2], { seed, maxiter: 30 });
    expect(run(3).x).toEqual(run(3).x);
    expect(run(3).x).not.toEqual(run(4).x);
  });

  it('keeps members inside the bounds and counts evaluations', () => {
    let calls = 0;
    const r = differentialEvolution(
      (x) => {
        calls++;
        expect(x[0]).toBeGreaterThanOrEqual(0);
        expect(x[0]).toBeLessThanOrEqual(100);
        return -x[0];
      },
      [0],
      [100],
      { seed: 9, maxiter: 20 },
    );
    expect(r.nfev).toBe(calls);
    expect(r.x[0]).toBeGreaterThan(95);
  });
});

describe('minimizeBox', () => {
  it('converges on Rosenbrock from a poor start', () => {
    const r = minimizeBox(rosenbrock, [-1.2, 1, -0.5, 0.8], [-2, -2, -2, -2], [2, 2, 2, 2], { maxiter: 2000 });
    for (const v of r.x) expect(v).toBeCloseTo(1, 4);
    expect(r.fun).toBeLessThan(1e-8);
  });

  it('stops at active bounds with the exact bound value', () => {
    // Unconstrained minimum at (3, -7); box [0, 1] x [-5, 5].
    const r = minimizeBox((x) => (x[0] - 3) ** 2 + (x[1] + 7) ** 2 + x[0] * x[1] * 0.1, [0.5, 0], [0, -5], [1, 5]);
    expect(r.x[0]).toBe(1);
    expect(r.x[1]).toBe(-5);
  });

  it('never returns a point worse than its start, and stays in the box', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: 3, maxLength: 3 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 3, maxLength: 3 }),
        (centre, start) => {
          const f = (x: Float64Array) =>
            Math.cos(3 * x[0]) + (x[0] - centre[0]) ** 2 + Math.abs(x[1] - centre[1]) + (x[2] - centre[2]) ** 4;
          const x0 = Float64Array.from(start);
          const r = minimizeBox(f, x0, [0, 0, 0], [1, 1, 1]);
          expect(r.fun).toBeLessThanOrEqual(f(x0));
          expect(r.fun).toBe(f(r.x));
          for (const v of r.x) {
            expect(v).toBeGreaterThanOrEqual(0);
            expect(v).toBeLessThanOrEqual(1);
          }
        },
      ),
      { numRuns: 50 },
    );
  });
});
