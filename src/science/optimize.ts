// Bounded global + local minimisation for the behavioural model fits: differential evolution with
// scipy.optimize.differential_evolution's semantics (best1bin, dithered mutation, immediate
// updating, Latin-hypercube init, relative-std convergence), and a projected quasi-Newton polish
// standing in for scipy's L-BFGS-B. Deterministic for a seed (xoroshiro128+); scipy's random
// streams cannot be reproduced, so results agree with scipy in distribution, not bit for bit.

import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';
import { keepShape } from '../memory.js';
import { mean, std } from './stats.js';

export type Objective = (x: Float64Array) => number;

export interface DifferentialEvolutionOptions {
  /** Seed of the xoroshiro128+ stream (32-bit integer). */
  seed: number;
  /** Population = popsize × (number of non-fixed parameters), at least 5. */
  popsize?: number;
  maxiter?: number;
  /** Stop when std(energies) <= atol + tol·|mean(energies)|. */
  tol?: number;
  atol?: number;
  /** Mutation factor, or [min, max) for dithering (a new factor per generation). */
  mutation?: number | readonly [number, number];
  recombination?: number;
}

export interface DifferentialEvolutionResult {
  /** Best member, in parameter units. */
  x: Float64Array;
  fun: number;
  /** Every member in parameter units, best first; energies aligned with it. */
  population: Float64Array[];
  energies: Float64Array;
  nit: number;
  nfev: number;
  /** True when the tolerance was met (false: maxiter reached). */
  converged: boolean;
}

/** Seeded uniform stream over [0, 1) (xoroshiro128+, 53-bit floats) with the draws DE needs. */
export class SeededUniform {
  private readonly rng: RandomGenerator;
  constructor(seed: number) {
    this.rng = xoroshiro128plus(seed | 0);
  }
  uniform(): number {
    return uniformFloat64(this.rng);
  }
  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }
  /** Fisher–Yates permutation of 0..n-1. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }
}
keepShape(new SeededUniform(0));

function checkBounds(lower: ArrayLike<number>, upper: ArrayLike<number>): void {
  if (lower.length !== upper.length) throw new RangeError('bounds: lower and upper differ in length');
  for (let j = 0; j < lower.length; j++) {
    if (!Number.isFinite(lower[j]) || !Number.isFinite(upper[j]) || lower[j] > upper[j]) {
      throw new RangeError(`bounds: invalid interval [${lower[j]}, ${upper[j]}] for parameter ${j}`);
    }
  }
}

/**
 * `scipy.optimize.differential_evolution(func, bounds, strategy='best1bin', popsize, tol,
 * mutation, recombination, init='latinhypercube', updating='immediate', polish=False)`.
 * Members live in [0, 1)^N and are scaled as scipy does: mid + (u - 0.5)·|hi - lo|.
 */
export function differentialEvolution(
  func: Objective,
  lower: ArrayLike<number>,
  upper: ArrayLike<number>,
  options: DifferentialEvolutionOptions,
): DifferentialEvolutionResult {
  checkBounds(lower, upper);
  const n = lower.length;
  const popsize = options.popsize ?? 15;
  const maxiter = options.maxiter ?? 1000;
  const tol = options.tol ?? 0.01;
  const atol = options.atol ?? 0;
  const mutation = options.mutation ?? [0.5, 1];
  const cr = options.recombination ?? 0.7;
  const dither = typeof mutation === 'number' ? null : [...mutation].sort((a, b) => a - b);
  let scale = typeof mutation === 'number' ? mutation : 0;
  const rng = new SeededUniform(options.seed);

  const mid = new Float64Array(n);
  const width = new Float64Array(n);
  let fixed = 0;
  for (let j = 0; j < n; j++) {
    mid[j] = 0.5 * (lower[j] + upper[j]);
    width[j] = Math.abs(lower[j] - upper[j]);
    if (width[j] === 0) fixed++;
  }
  const np = Math.max(5, popsize * Math.max(1, n - fixed));

  const toParams = (u: Float64Array, out: Float64Array): Float64Array => {
    for (let j = 0; j < n; j++) out[j] = mid[j] + (u[j] - 0.5) * width[j];
    return out;
  };

  // Latin hypercube: one sample per segment and parameter, rows shuffled per parameter.
  const seg = 1 / np;
  const samples: Float64Array[] = [];
  for (let i = 0; i < np; i++) {
    const row = new Float64Array(n);
    for (let j = 0; j < n; j++) row[j] = seg * rng.uniform() + i * seg;
    samples.push(row);
  }
  const pop: Float64Array[] = Array.from({ length: np }, () => new Float64Array(n));
  for (let j = 0; j < n; j++) {
    const order = rng.permutation(np);
    for (let i = 0; i < np; i++) pop[i][j] = samples[order[i]][j];
  }

  const energies = new Float64Array(np);
  const params = new Float64Array(n);
  let nfev = 0;
  const evaluate = (u: Float64Array): number => {
    nfev++;
    const e = func(toParams(u, params));
    // NaN would break every comparison; treat it as the worst possible energy.
    return e === e ? e : Infinity;
  };
  for (let i = 0; i < np; i++) energies[i] = evaluate(pop[i]);

  const promoteLowest = (): void => {
    let best = 0;
    for (let i = 1; i < np; i++) if (energies[i] < energies[best]) best = i;
    if (best !== 0) {
      const e = energies[0];
      energies[0] = energies[best];
      energies[best] = e;
      const p = pop[0];
      pop[0] = pop[best];
      pop[best] = p;
    }
  };
  promoteLowest();

  const converged = (): boolean => {
    for (let i = 0; i < np; i++) if (!Number.isFinite(energies[i])) return false;
    return std(energies) <= atol + tol * Math.abs(mean(energies));
  };

  const trial = new Float64Array(n);
  let nit: number;
  let done = false;
  for (nit = 1; nit <= maxiter; nit++) {
    if (dither) scale = dither[0] + (dither[1] - dither[0]) * rng.uniform();
    for (let c = 0; c < np; c++) {
      // best1: two distinct members other than the candidate.
      let r0 = rng.int(np - 1);
      if (r0 >= c) r0++;
      let r1 = rng.int(np - 2);
      const lo = Math.min(r0, c);
      const hi = Math.max(r0, c);
      if (r1 >= lo) r1++;
      if (r1 >= hi) r1++;
      const fill = rng.int(n);
      const best = pop[0];
      const cand = pop[c];
      const a = pop[r0];
      const b = pop[r1];
      for (let j = 0; j < n; j++) {
        const cross = rng.uniform() < cr || j === fill;
        trial[j] = cross ? best[j] + scale * (a[j] - b[j]) : cand[j];
      }
      for (let j = 0; j < n; j++) if (trial[j] > 1 || trial[j] < 0) trial[j] = rng.uniform();
      const e = evaluate(trial);
      if (e <= energies[c]) {
        cand.set(trial);
        energies[c] = e;
        if (e <= energies[0]) promoteLowest();
      }
    }
    if (converged()) {
      done = true;
      break;
    }
  }
  if (!done) nit = maxiter;

  const order = Array.from({ length: np }, (_, i) => i).sort((p, q) => energies[p] - energies[q]);
  return {
    x: toParams(pop[0], new Float64Array(n)),
    fun: energies[0],
    population: order.map((i) => toParams(pop[i], new Float64Array(n))),
    energies: Float64Array.from(order, (i) => energies[i]),
    nit,
    nfev,
    converged: done,
  };
}

export interface BoxMinimizeOptions {
  maxiter?: number;
  /** Stop when the relative decrease (f_k - f_k+1)/max(|f_k|, |f_k+1|, 1) falls below this. */
  ftol?: number;
  /** Stop when the largest projected gradient component (unit-scaled) falls below this. */
  gtol?: number;
  /** Finite-difference step in unit-scaled coordinates. */
  step?: number;
}

export interface BoxMinimizeResult {
  x: Float64Array;
  fun: number;
  nfev: number;
  nit: number;
}

/**
 * Bounded local minimisation (the role of scipy's L-BFGS-B polish): BFGS on the free variables
 * of a box, gradients by central differences (one-sided at a bound), projected Armijo line
 * search, variables held at a bound while the gradient pushes outward. Works in coordinates
 * scaled to [0, 1] so that a 0–100 inverse temperature and 0–1 rates are conditioned alike.
 * The returned point is never worse than x0.
 */
export function minimizeBox(
  func: Objective,
  x0: ArrayLike<number>,
  lower: ArrayLike<number>,
  upper: ArrayLike<number>,
  options: BoxMinimizeOptions = {},
): BoxMinimizeResult {
  checkBounds(lower, upper);
  const n = lower.length;
  const maxiter = options.maxiter ?? 200;
  const ftol = options.ftol ?? 1e-13;
  const gtol = options.gtol ?? 1e-9;
  const h = options.step ?? 1e-6;
  const lo = Float64Array.from(lower);
  const width = new Float64Array(n);
  const free = new Uint8Array(n);
  for (let j = 0; j < n; j++) {
    width[j] = upper[j] - lower[j];
    free[j] = width[j] > 0 ? 1 : 0;
  }
  const xbuf = new Float64Array(n);
  let nfev = 0;
  const f = (u: Float64Array): number => {
    for (let j = 0; j < n; j++) xbuf[j] = free[j] ? lo[j] + u[j] * width[j] : lo[j];
    // Keep the exact bounds reachable despite rounding in lo + u·width.
    for (let j = 0; j < n; j++) if (u[j] >= 1) xbuf[j] = upper[j];
    nfev++;
    const v = func(xbuf);
    return v === v ? v : Infinity;
  };

  const u = new Float64Array(n);
  for (let j = 0; j < n; j++) u[j] = free[j] ? Math.min(1, Math.max(0, (x0[j] - lo[j]) / width[j])) : 0;
  let fu = f(u);

  const grad = (at: Float64Array, fat: number, g: Float64Array): void => {
    const tmp = Float64Array.from(at);
    for (let j = 0; j < n; j++) {
      if (!free[j]) {
        g[j] = 0;
        continue;
      }
      const up = Math.min(1, at[j] + h);
      const dn = Math.max(0, at[j] - h);
      tmp[j] = up;
      const fup = up > at[j] ? f(tmp) : fat;
      tmp[j] = dn;
      const fdn = dn < at[j] ? f(tmp) : fat;
      tmp[j] = at[j];
      g[j] = (fup - fdn) / (up - dn);
    }
  };

  const g = new Float64Array(n);
  grad(u, fu, g);
  // Inverse-Hessian approximation over all coordinates; rows/columns of bound-held ones unused.
  const H = new Float64Array(n * n);
  const resetH = (): void => {
    H.fill(0);
    for (let j = 0; j < n; j++) H[j * n + j] = 1;
  };
  resetH();
  let identity = true;
  const held = new Uint8Array(n);
  const d = new Float64Array(n);
  const un = new Float64Array(n);
  const gn = new Float64Array(n);
  const s = new Float64Array(n);
  const y = new Float64Array(n);
  let nit: number;

  for (nit = 0; nit < maxiter; nit++) {
    let changed = false;
    let pgMax = 0;
    for (let j = 0; j < n; j++) {
      const isHeld = !free[j] || (u[j] <= 0 && g[j] > 0) || (u[j] >= 1 && g[j] < 0) ? 1 : 0;
      if (isHeld !== held[j]) changed = true;
      held[j] = isHeld;
      if (!isHeld) pgMax = Math.max(pgMax, Math.abs(g[j]));
    }
    if (pgMax <= gtol) break;
    if (changed && !identity) {
      resetH();
      identity = true;
    }

    let slope = 0;
    for (let i = 0; i < n; i++) {
      let v = 0;
      if (!held[i]) for (let j = 0; j < n; j++) if (!held[j]) v -= H[i * n + j] * g[j];
      d[i] = v;
      slope += v * g[i];
    }
    if (!(slope < 0)) {
      resetH();
      identity = true;
      slope = 0;
      for (let i = 0; i < n; i++) {
        d[i] = held[i] ? 0 : -g[i];
        slope += d[i] * g[i];
      }
    }

    // Projected backtracking line search (Armijo on the actual projected step).
    let alpha = 1;
    let fn = Infinity;
    let accepted = false;
    for (let k = 0; k < 40; k++) {
      let dec = 0;
      for (let j = 0; j < n; j++) {
        un[j] = Math.min(1, Math.max(0, u[j] + alpha * d[j]));
        dec += g[j] * (un[j] - u[j]);
      }
      fn = f(un);
      if (fn <= fu + 1e-4 * dec && fn <= fu) {
        accepted = true;
        break;
      }
      alpha *= 0.5;
    }
    if (!accepted) {
      if (identity) break;
      resetH();
      identity = true;
      continue;
    }

    grad(un, fn, gn);
    let sy = 0;
    let ss = 0;
    let yy = 0;
    for (let j = 0; j < n; j++) {
      s[j] = un[j] - u[j];
      y[j] = held[j] ? 0 : gn[j] - g[j];
      sy += s[j] * y[j];
      ss += s[j] * s[j];
      yy += y[j] * y[j];
    }
    const rel = (fu - fn) / Math.max(Math.abs(fu), Math.abs(fn), 1);
    u.set(un);
    g.set(gn);
    fu = fn;
    if (sy > 1e-12 * Math.sqrt(ss * yy)) {
      bfgsUpdate(H, s, y, sy, n);
      identity = false;
    }
    if (rel <= ftol) break;
  }

  const x = new Float64Array(n);
  for (let j = 0; j < n; j++) x[j] = !free[j] ? lo[j] : u[j] >= 1 ? upper[j] : lo[j] + u[j] * width[j];
  return { x, fun: fu, nfev, nit };
}

/** H ← (I − ρ s yᵀ) H (I − ρ y sᵀ) + ρ s sᵀ, ρ = 1 / sᵀy. */
function bfgsUpdate(H: Float64Array, s: Float64Array, y: Float64Array, sy: number, n: number): void {
  const rho = 1 / sy;
  const Hy = new Float64Array(n);
  let yHy = 0;
  for (let i = 0; i < n; i++) {
    let v = 0;
    for (let j = 0; j < n; j++) v += H[i * n + j] * y[j];
    Hy[i] = v;
    yHy += y[i] * v;
  }
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      H[i * n + j] += -rho * (s[i] * Hy[j] + Hy[i] * s[j]) + (rho * rho * yHy + rho) * s[i] * s[j];
    }
  }
}
