// Numeric helpers that reproduce numpy / scipy results to the last bits where the algorithm is
// known. numpy reduces a contiguous float64 array with pairwise summation (8 accumulators up to
// 128 elements, halving above that), so `sum` re-implements exactly that tree: a different
// summation order would differ from the reference by a few ulps on long arrays, and the
// cross-checks compare at 1e-12.

/** Read-only numeric array: Float64Array, number[] and friends. */
export type NumArray = ArrayLike<number>;

const PW_BLOCKSIZE = 128;

function pairwise(a: NumArray, start: number, n: number): number {
  if (n < 8) {
    // numpy starts from -0.0 so that a sum of -0.0 values stays -0.0.
    let res = -0.0;
    for (let i = 0; i < n; i++) res += a[start + i];
    return res;
  }
  if (n <= PW_BLOCKSIZE) {
    let r0 = a[start];
    let r1 = a[start + 1];
    let r2 = a[start + 2];
    let r3 = a[start + 3];
    let r4 = a[start + 4];
    let r5 = a[start + 5];
    let r6 = a[start + 6];
    let r7 = a[start + 7];
    const end8 = n - (n % 8);
    let i = 8;
    for (; i < end8; i += 8) {
      const k = start + i;
      r0 += a[k];
      r1 += a[k + 1];
      r2 += a[k + 2];
      r3 += a[k + 3];
      r4 += a[k + 4];
      r5 += a[k + 5];
      r6 += a[k + 6];
      r7 += a[k + 7];
    }
    let res = r0 + r1 + (r2 + r3) + (r4 + r5 + (r6 + r7));
    for (; i < n; i++) res += a[start + i];
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwise(a, start, n2) + pairwise(a, start + n2, n - n2);
}

/**
 * `np.sum` of a contiguous 1-D float64 array (numpy's pairwise summation, bit-for-bit).
 * numpy adds the result to the reduction identity 0.0, which turns -0.0 into +0.0.
 */
export function sum(a: NumArray, start = 0, length = a.length - start): number {
  return 0 + pairwise(a, start, length);
}

/**
 * Plain left-to-right sum. This is what numpy does when it reduces along a non-contiguous axis
 * (e.g. `np.nanmean(m, axis=0)` of a C-ordered events x time matrix: each output element
 * accumulates row after row), so callers mimicking such a reduction should use this.
 */
export function sequentialSum(a: NumArray, start = 0, length = a.length - start): number {
  let res = 0;
  for (let i = 0; i < length; i++) res += a[start + i];
  return res;
}

/** NaN replaced by 0 in place of the element, as numpy's `_replace_nan` does before summing. */
function nanToZero(a: NumArray): { filled: Float64Array; count: number } {
  const filled = new Float64Array(a.length);
  let count = 0;
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (v === v) {
      filled[i] = v;
      count++;
    }
  }
  return { filled, count };
}

/** `np.nansum`: NaNs count as 0 (0 for an empty or all-NaN array). */
export function nansum(a: NumArray): number {
  return sum(nanToZero(a).filled);
}

/** `np.mean` (NaN for an empty array). */
export function mean(a: NumArray): number {
  return sum(a) / a.length;
}

/** `np.nanmean` (NaN if no finite-or-infinite value is present). */
export function nanmean(a: NumArray): number {
  const { filled, count } = nanToZero(a);
  return sum(filled) / count;
}

/** Sum of squared deviations from `avg` in numpy's order: (x - avg) * (x - avg), then pairwise. */
function sumSquaredDeviations(a: Float64Array | NumArray, avg: number, skipNaN: boolean): number {
  const d = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (skipNaN && v !== v) continue; // stays 0, like numpy's masked subtract
    const x = v - avg;
    d[i] = x * x;
  }
  return sum(d);
}

/** `np.var(a, ddof)` (NaN when n - ddof <= 0). */
export function variance(a: NumArray, ddof = 0): number {
  const n = a.length;
  if (n - ddof <= 0) return NaN;
  return sumSquaredDeviations(a, sum(a) / n, false) / (n - ddof);
}

/** `np.std(a, ddof)`. */
export function std(a: NumArray, ddof = 0): number {
  return Math.sqrt(variance(a, ddof));
}

/** `np.nanvar(a, ddof)` (NaN when fewer than ddof + 1 non-NaN values). */
export function nanvar(a: NumArray, ddof = 0): number {
  const { filled, count } = nanToZero(a);
  if (count - ddof <= 0) return NaN;
  return sumSquaredDeviations(a, sum(filled) / count, true) / (count - ddof);
}

/** `np.nanstd(a, ddof)`; the analysis uses ddof = 1 (z-scores). */
export function nanstd(a: NumArray, ddof = 1): number {
  return Math.sqrt(nanvar(a, ddof));
}

/** Standard error of the mean, `scipy.stats.sem` / pandas `sem`: std(ddof) / sqrt(n). */
export function sem(a: NumArray, ddof = 1): number {
  return std(a, ddof) / Math.sqrt(a.length);
}

/** SEM over the non-NaN values (pandas `Series.sem()` with skipna). */
export function nansem(a: NumArray, ddof = 1): number {
  let count = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === a[i]) count++;
  return nanstd(a, ddof) / Math.sqrt(count);
}

// ---------------------------------------------------------------------------------------------
// Student-t tail for linregress's p-value: sf(|t|, df) * 2 = I_{df/(df+t^2)}(df/2, 1/2).

const LANCZOS_G = 7;
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
  -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
  1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0 (Lanczos, ~1e-15 relative). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let s = LANCZOS[0];
  for (let i = 1; i < LANCZOS_G + 2; i++) s += LANCZOS[i] / (z + i);
  const t = z + LANCZOS_G + 0.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(s);
}

/** Continued fraction for the incomplete beta function (modified Lentz). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const TINY = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 10_000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-16) break;
  }
  return h;
}

/** Regularised incomplete beta I_x(a, b). */
export function betainc(a: number, b: number, x: number): number {
  if (!(x >= 0 && x <= 1)) return NaN;
  if (x === 0) return 0;
  if (x === 1) return 1;
  const lnFront =
    logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log1p(-x);
  // The continued fraction converges fast on the side x < (a+1)/(a+b+2); use symmetry otherwise.
  if (x < (a + 1) / (a + b + 2)) return (Math.exp(lnFront) * betaContinuedFraction(a, b, x)) / a;
  return 1 - (Math.exp(lnFront) * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** Two-sided p-value of a Student-t statistic with `df` degrees of freedom. */
export function studentTTwoSidedP(t: number, df: number): number {
  if (t !== t || !(df > 0)) return NaN;
  if (!Number.isFinite(t)) return 0;
  return betainc(df / 2, 0.5, df / (df + t * t));
}

export interface LinregressResult {
  slope: number;
  intercept: number;
  rvalue: number;
  pvalue: number;
  /** Standard error of the slope (scipy's `stderr`). */
  stderr: number;
  intercept_stderr: number;
}

const NAN_FIT: LinregressResult = {
  slope: NaN,
  intercept: NaN,
  rvalue: NaN,
  pvalue: NaN,
  stderr: NaN,
  intercept_stderr: NaN,
};

/**
 * `scipy.stats.linregress(x, y)` (two-sided p-value), in scipy's float order: means by pairwise
 * sum / n, centred cross products scaled by 1/n (`np.cov(bias=1)` multiplies by the reciprocal),
 * r clipped to [-1, 1], slope = ssxym / ssxm. Where scipy raises ValueError (empty input, or all x
 * equal with n > 1) this returns all-NaN, which is what the analysis records for such sessions;
 * n = 1 gives NaN as in scipy. numpy's `np.cov` uses a BLAS dot product whose order is not
 * reproducible; the pairwise sums here are at least as accurate (relative error ~1e-16).
 */
export function linregress(x: NumArray, y: NumArray): LinregressResult {
  const n = x.length;
  if (y.length !== n) throw new RangeError(`linregress: x has ${n} values, y has ${y.length}`);
  if (n === 0) return { ...NAN_FIT };
  if (n > 1) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < n; i++) {
      if (x[i] < lo) lo = x[i];
      if (x[i] > hi) hi = x[i];
    }
    if (lo === hi) return { ...NAN_FIT };
  }
  const xmean = sum(x) / n;
  const ymean = sum(y) / n;
  const dxx = new Float64Array(n);
  const dxy = new Float64Array(n);
  const dyy = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const dx = x[i] - xmean;
    const dy = y[i] - ymean;
    dxx[i] = dx * dx;
    dxy[i] = dx * dy;
    dyy[i] = dy * dy;
  }
  const inv = 1 / n;
  const ssxm = sum(dxx) * inv;
  const ssxym = sum(dxy) * inv;
  const ssym = sum(dyy) * inv;

  let r: number;
  if (ssxm === 0 || ssym === 0) {
    r = ssxym === 0 ? NaN : 0;
  } else {
    r = ssxym / Math.sqrt(ssxm * ssym);
    if (r > 1) r = 1;
    else if (r < -1) r = -1;
  }
  const slope = ssxym / ssxm;
  const intercept = ymean - slope * xmean;
  if (n === 2) {
    return {
      slope,
      intercept,
      rvalue: r,
      pvalue: y[0] === y[1] ? 1 : 0,
      stderr: 0,
      intercept_stderr: 0,
    };
  }
  const df = n - 2;
  const TINY = 1e-20;
  const t = r * Math.sqrt(df / ((1 - r + TINY) * (1 + r + TINY)));
  const stderr = Math.sqrt(((1 - r * r) * ssym) / ssxm / df);
  return {
    slope,
    intercept,
    rvalue: r,
    pvalue: studentTTwoSidedP(t, df),
    stderr,
    intercept_stderr: stderr * Math.sqrt(ssxm + xmean * xmean),
  };
}
