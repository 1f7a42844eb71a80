import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  betainc,
  linregress,
  mean,
  nanmean,
  nanstd,
  nansum,
  sem,
  sequentialSum,
  std,
  sum,
  variance,
} from '../../../src/science/stats.js';

// Deterministic arrays whose elements are correctly rounded divisions, hence identical in Python
// and JS; the golden values below were printed by numpy 2.4.6 / scipy 1.17.1 for the same arrays.
function arr(n: number): Float64Array {
  const scale = [1, 100, 0.01, 1e5, 1e-3];
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = ((((i * 7919) % 1000) - 500) / 7) * scale[i % 5];
  return a;
}
function withNaNEveryThird(a: Float64Array): Float64Array {
  const b = Float64Array.from(a);
  for (let i = 0; i < b.length; i += 3) b[i] = NaN;
  return b;
}

const NUMPY: Record<number, [sum: number, nanmean: number, nanstd1: number, std1: number, sem: number]> = {
  10: [1563271.0938571433, -351381.0027142857, 863646.7166824185, 1402586.7396234453, 443536.8713159624],
  129: [803896.6471428629, 80380.2563820598, 1821208.1071576627, 1829867.8194853943, 161110.87801220085],
  1000: [-1424357.0428571417, 980.7099266409309, 1851135.4589757025, 1845180.6900624237, 58349.73675158477],
  4099: [-2991278.5729999803, 3071.0656654465683, 1844762.7630130902, 1844597.570291489, 28811.287958270965],
};

describe('numpy-equal reductions', () => {
  for (const [n, [s, nm, ns, sd, se]] of Object.entries(NUMPY)) {
    it(`matches numpy bit for bit on a length-${n} array`, () => {
      const a = arr(Number(n));
      const b = withNaNEveryThird(a);
      expect(sum(a)).toBe(s);
      expect(nanmean(b)).toBe(nm);
      expect(nanstd(b, 1)).toBe(ns);
      expect(std(a, 1)).toBe(sd);
      expect(sem(a)).toBe(se);
    });
  }

  it('uses pairwise, not sequential, order (np.sum of ten 0.1 is exactly 1)', () => {
    const a = new Float64Array(10).fill(0.1);
    expect(sum(a)).toBe(1);
    expect(sequentialSum(a)).toBe(0.9999999999999999);
  });

  it('handles empty and all-NaN input like numpy', () => {
    expect(sum(new Float64Array(0))).toBe(0);
    expect(Object.is(sum([-0, -0]), 0)).toBe(true);
    expect(mean([])).toBeNaN();
    expect(nanmean([NaN, NaN])).toBeNaN();
    expect(nansum([NaN, NaN])).toBe(0);
    expect(nanstd([1, NaN])).toBeNaN();
    expect(variance([3])).toBe(0);
  });

  it('sum agrees with exact integer arithmetic and sub-ranges', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -1e6, max: 1e6 }), { maxLength: 600 }), (xs) => {
        const exact = xs.reduce((p, q) => p + q, 0);
        expect(sum(xs)).toBe(exact);
        const half = xs.length >> 1;
        expect(sum(xs, half)).toBe(xs.slice(half).reduce((p, q) => p + q, 0));
      }),
    );
  });

  it('nanmean ignores NaN and keeps the mean of the rest', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.double({ min: -1e3, max: 1e3, noNaN: true }), fc.constant(NaN)), {
          minLength: 1,
          maxLength: 300,
        }),
        (xs) => {
          const finite = xs.filter((v) => !Number.isNaN(v));
          if (finite.length === 0) return;
          expect(nanmean(xs)).toBeCloseTo(mean(finite), 9);
        },
      ),
    );
  });
});

describe('linregress (scipy.stats.linregress)', () => {
  const cases: [string, (i: number) => number, (i: number, x: number) => number, number, number[]][] = [
    ['weak slope', (i) => ((i * 37) % 23) / 5, (i, x) => ((i * 31) % 17) / 3 + 0.2 * x, 50,
      [0.3491159554072284, 2.3755236810338705, 0.27799502747242816, 0.05061572921217071, 0.17411922580081052, 0.44520076295735755]],
    ['strong slope', (i) => i / 10, (i, x) => ((i * 31) % 17) / 3 + 3 * x, 30,
      [3.0222469410456054, 2.656630824372761, 0.8401771037998399, 6.356904009075641e-9, 0.368662868937365, 0.6225565088228047]],
  ];
  for (const [name, fx, fy, n, want] of cases) {
    it(`matches scipy (${name})`, () => {
      const x = Float64Array.from({ length: n }, (_, i) => fx(i));
      const y = Float64Array.from({ length: n }, (_, i) => fy(i, x[i]));
      const r = linregress(x, y);
      const got = [r.slope, r.intercept, r.rvalue, r.pvalue, r.stderr, r.intercept_stderr];
      // numpy's cov uses a BLAS dot (order not reproducible) and scipy's t tail uses boost;
      // both leave differences of a few ulps, well inside 1e-12.
      got.forEach((v, i) => expect(Math.abs(v - want[i])).toBeLessThanOrEqual(1e-13 * Math.abs(want[i])));
    });
  }

  it('matches scipy on three points', () => {
    const r = linregress([1, 2, 3], [3, 5, 4]);
    expect(r.slope).toBe(0.5);
    expect(r.intercept).toBe(3);
    expect(r.rvalue).toBe(0.5);
    expect(r.pvalue).toBeCloseTo(0.6666666666666666, 14);
    expect(r.stderr).toBeCloseTo(0.8660254037844386, 15);
    expect(r.intercept_stderr).toBeCloseTo(1.8708286933869707, 15);
  });

  it('two points: exact line, p = 0, stderr 0', () => {
    expect(linregress([1, 2], [3, 5])).toEqual({
      slope: 2,
      intercept: 1,
      rvalue: 1,
      pvalue: 0,
      stderr: 0,
      intercept_stderr: 0,
    });
  });

  it('returns NaN where scipy raises or yields NaN (empty, one point, constant x)', () => {
    for (const [x, y] of [
      [[], []],
      [[1], [2]],
      [[2, 2, 2], [1, 2, 3]],
    ] as const) {
      const r = linregress(x, y);
      expect(r.slope).toBeNaN();
      expect(r.pvalue).toBeNaN();
    }
  });

  it('recovers an exact line and its slope sign', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -10, max: 10, noNaN: true }),
        fc.double({ min: -10, max: 10, noNaN: true }),
        (a, b) => {
          const x = [0, 1, 2, 3, 4, 5, 6, 7];
          const r = linregress(x, x.map((v) => a * v + b));
          expect(r.slope).toBeCloseTo(a, 9);
          expect(r.intercept).toBeCloseTo(b, 9);
        },
      ),
    );
  });
});

describe('betainc', () => {
  it('agrees with closed forms', () => {
    // I_x(1, 1) = x; I_x(a, 1) = x^a; I_x(1/2, 1/2) = 2/pi asin(sqrt x)
    expect(betainc(1, 1, 0.3)).toBeCloseTo(0.3, 14);
    expect(betainc(3, 1, 0.6)).toBeCloseTo(0.216, 14);
    expect(betainc(0.5, 0.5, 0.25)).toBeCloseTo((2 / Math.PI) * Math.asin(0.5), 14);
  });
});
