// Q-learning models of the dynamic-foraging task (aind-dynamic-foraging-models `ForagerQLearning`,
// science-spec section B): the teacher-forced forward pass, its negative log-likelihood, and our
// own maximum-likelihood fit. The forward pass keeps the package's float order exactly (literal
// softmax, bias added before the choice-kernel term, chosen value updated as q + α(r − q)), so the
// Q and choice-kernel latents are bit-identical and the probabilities differ only by exp()'s
// last-ulp rounding.

import { differentialEvolution, minimizeBox, SeededUniform } from './optimize.js';
import { sum } from './stats.js';

export type QLearningModelName = 'QLearning_L2F1_CKfull_softmax' | 'QLearning_L1F1_CK1_softmax';

export interface ParamBound {
  name: string;
  lower: number;
  upper: number;
}

export interface QLearningModelSpec {
  name: QLearningModelName;
  /** Free parameters in the package's fitting order, with its default fitting bounds. */
  free: readonly ParamBound[];
  /** Parameters fixed by construction (reported with the fitted ones, as the package does). */
  fixed: Readonly<Record<string, number>>;
}

export const QLEARNING_MODELS: Readonly<Record<QLearningModelName, QLearningModelSpec>> = {
  QLearning_L2F1_CKfull_softmax: {
    name: 'QLearning_L2F1_CKfull_softmax',
    free: [
      { name: 'learn_rate_rew', lower: 0, upper: 1 },
      { name: 'learn_rate_unrew', lower: 0, upper: 1 },
      { name: 'forget_rate_unchosen', lower: 0, upper: 1 },
      { name: 'choice_kernel_relative_weight', lower: 0, upper: 1 },
      { name: 'choice_kernel_step_size', lower: 0, upper: 1 },
      { name: 'biasL', lower: -5, upper: 5 },
      { name: 'softmax_inverse_temperature', lower: 0, upper: 100 },
    ],
    fixed: {},
  },
  QLearning_L1F1_CK1_softmax: {
    name: 'QLearning_L1F1_CK1_softmax',
    free: [
      { name: 'learn_rate', lower: 0, upper: 1 },
      { name: 'forget_rate_unchosen', lower: 0, upper: 1 },
      { name: 'choice_kernel_relative_weight', lower: 0, upper: 1 },
      { name: 'biasL', lower: -5, upper: 5 },
      { name: 'softmax_inverse_temperature', lower: 0, upper: 100 },
    ],
    fixed: { choice_kernel_step_size: 1 },
  },
};

/** Parameters by the package's names (extra names are ignored). */
export type QLearningParams = Readonly<Record<string, number>>;

/** Latent variables with the package's shapes: rows are [left, right]. */
export interface QLearningLatents {
  /** 2 × (T+1): value before each trial's update; column T is the state after the last trial. */
  q_value: [Float64Array, Float64Array];
  /** 2 × (T+1), same convention. */
  choice_kernel: [Float64Array, Float64Array];
  /** 2 × T: probability of choosing left/right on each trial. */
  choice_prob: [Float64Array, Float64Array];
}

/** The seven numbers the update and choice rules use, whatever the model. */
interface Core {
  learnRew: number;
  learnUnrew: number;
  forget: number;
  ckStep: number;
  ckWeight: number;
  biasL: number;
  beta: number;
}

function requireParam(model: QLearningModelName, params: QLearningParams, name: string): number {
  const v = params[name];
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new RangeError(`${model}: parameter ${name} must be a finite number, got ${String(v)}`);
  }
  return v;
}

/** Validates like the package's pydantic model (rates in [0,1], weight and beta >= 0). */
function coreFromParams(model: QLearningModelName, params: QLearningParams): Core {
  const get = (name: string, lo: number, hi: number): number => {
    const v = requireParam(model, params, name);
    if (v < lo || v > hi) throw new RangeError(`${model}: ${name} = ${v} outside [${lo}, ${hi}]`);
    return v;
  };
  const forget = get('forget_rate_unchosen', 0, 1);
  const ckWeight = get('choice_kernel_relative_weight', 0, Infinity);
  const biasL = get('biasL', -Infinity, Infinity);
  const beta = get('softmax_inverse_temperature', 0, Infinity);
  if (model === 'QLearning_L2F1_CKfull_softmax') {
    const learnRew = get('learn_rate_rew', 0, 1);
    const learnUnrew = get('learn_rate_unrew', 0, 1);
    return makeCore(learnRew, learnUnrew, forget, ckWeight, get('choice_kernel_step_size', 0, 1), biasL, beta);
  }
  const lr = get('learn_rate', 0, 1);
  return makeCore(lr, lr, forget, ckWeight, 1, biasL, beta);
}

/** Maps a vector in the spec's `free` order to the core numbers (no validation: the fit's box). */
function coreFromVector(model: QLearningModelName, x: ArrayLike<number>): Core {
  if (model === 'QLearning_L2F1_CKfull_softmax') return makeCore(x[0], x[1], x[2], x[3], x[4], x[5], x[6]);
  return makeCore(x[0], x[0], x[1], x[2], 1, x[3], x[4]);
}

/**
 * Every Core is made here, so all have one hidden class: `run` saw two (the fit's and the final
 * pass's objects listed their fields in other orders) and was deoptimised ~2 times a session.
 */
function makeCore(learnRew: number, learnUnrew: number, forget: number, ckWeight: number, ckStep: number, biasL: number, beta: number): Core {
  return { learnRew, learnUnrew, forget, ckWeight, ckStep, biasL, beta };
}

/** Validated copy as bytes: one element type keeps the hot loop monomorphic. */
function toHistory(choices: ArrayLike<number>, rewards: ArrayLike<number>): { c: Uint8Array; r: Uint8Array } {
  if (choices.length !== rewards.length) {
    throw new RangeError(`choices (${choices.length}) and rewards (${rewards.length}) differ in length`);
  }
  const c = new Uint8Array(choices.length);
  const r = new Uint8Array(choices.length);
  for (let t = 0; t < choices.length; t++) {
    if (choices[t] !== 0 && choices[t] !== 1) {
      throw new RangeError(`choice ${t} is ${choices[t]}: expected 0 (left) or 1 (right), ignores removed`);
    }
    if (rewards[t] !== 0 && rewards[t] !== 1) {
      throw new RangeError(`reward ${t} is ${rewards[t]}: expected 0 or 1`);
    }
    c[t] = choices[t];
    r[t] = rewards[t];
  }
  return { c, r };
}

/**
 * The teacher-forced pass. Writes log-likelihoods (with the package's clamping) into `logLik`
 * and, when given, the latents. Float order follows act_softmax / learn_RWlike /
 * learn_choice_kernel literally. A simulation passes `decide`, which writes trial t's choice and
 * reward from its choice probability before the update reads them.
 */
function run(
  p: Core,
  choices: Uint8Array,
  rewards: Uint8Array,
  logLik: Float64Array,
  latents: QLearningLatents | null,
  decide?: (t: number, pLeft: number) => void,
): void {
  const T = choices.length;
  let qL = 0;
  let qR = 0;
  let cL = 0;
  let cR = 0;
  const betaW = p.beta * p.ckWeight;
  const keepUnchosen = 1 - p.forget;
  for (let t = 0; t < T; t++) {
    if (latents) {
      latents.q_value[0][t] = qL;
      latents.q_value[1][t] = qR;
      latents.choice_kernel[0][t] = cL;
      latents.choice_kernel[1][t] = cR;
    }
    // adjusted_Q = beta*Q + [biasL, 0]; adjusted_Q += beta*w*choice_kernel
    const zL = p.beta * qL + p.biasL + betaW * cL;
    const zR = p.beta * qR + 0 + betaW * cR;
    let pL: number;
    let pR: number;
    if (Math.max(zL, zR) > 700) {
      // The package breaks an exact tie at random; we take left (only when zL === zR > 700).
      pL = zL >= zR ? 1 : 0;
      pR = 1 - pL;
    } else {
      const eL = Math.exp(zL);
      const eR = Math.exp(zR);
      const s = eL + eR;
      pL = eL / s;
      pR = eR / s;
    }
    if (latents) {
      latents.choice_prob[0][t] = pL;
      latents.choice_prob[1][t] = pR;
    }
    if (decide) decide(t, pL);
    const c = choices[t];
    const r = rewards[t];
    let lik = c === 0 ? pL : pR;
    // base.negLL: tiny or slightly negative likelihoods -> 1e-16, above 1 -> 1.
    if (lik <= 0 && lik > -1e-5) lik = 1e-16;
    else if (lik > 1) lik = 1;
    logLik[t] = Math.log(lik);

    const lr = r ? p.learnRew : p.learnUnrew;
    if (c === 0) {
      qL = qL + lr * (r - qL);
      qR = keepUnchosen * qR;
      cL = cL + p.ckStep * (1 - cL);
      cR = cR + p.ckStep * (0 - cR);
    } else {
      qR = qR + lr * (r - qR);
      qL = keepUnchosen * qL;
      cL = cL + p.ckStep * (0 - cL);
      cR = cR + p.ckStep * (1 - cR);
    }
  }
  if (latents) {
    latents.q_value[0][T] = qL;
    latents.q_value[1][T] = qR;
    latents.choice_kernel[0][T] = cL;
    latents.choice_kernel[1][T] = cR;
  }
}

function allocLatents(T: number): QLearningLatents {
  return {
    q_value: [new Float64Array(T + 1), new Float64Array(T + 1)],
    choice_kernel: [new Float64Array(T + 1), new Float64Array(T + 1)],
    choice_prob: [new Float64Array(T), new Float64Array(T)],
  };
}

/** Forward pass over finished trials (choices 0 = left, 1 = right; rewards 0/1, earned only). */
export function forwardPass(
  model: QLearningModelName,
  params: QLearningParams,
  choices: ArrayLike<number>,
  rewards: ArrayLike<number>,
): QLearningLatents {
  const { c, r } = toHistory(choices, rewards);
  const latents = allocLatents(c.length);
  run(coreFromParams(model, params), c, r, new Float64Array(c.length), latents);
  return latents;
}

/** `base.negLL` over given choice probabilities: −Σ log p[c_t], with its clamping, numpy's sum. */
export function negLogLikelihood(
  choiceProb: readonly [ArrayLike<number>, ArrayLike<number>],
  choices: ArrayLike<number>,
): number {
  const logs = new Float64Array(choices.length);
  for (let t = 0; t < choices.length; t++) {
    let lik = choiceProb[choices[t] === 0 ? 0 : 1][t];
    if (lik <= 0 && lik > -1e-5) lik = 1e-16;
    else if (lik > 1) lik = 1;
    logs[t] = Math.log(lik);
  }
  return -sum(logs);
}

/** NLL of the model at the given parameters (no latents kept). */
export function modelNegLogLikelihood(
  model: QLearningModelName,
  params: QLearningParams,
  choices: ArrayLike<number>,
  rewards: ArrayLike<number>,
): number {
  const { c, r } = toHistory(choices, rewards);
  const logs = new Float64Array(c.length);
  run(coreFromParams(model, params), c, r, logs, null);
  return -sum(logs);
}

export interface GoodnessOfFit {
  log_likelihood: number;
  AIC: number;
  BIC: number;
  /** Likelihood per trial, raw and AIC/BIC-penalised (package's definitions). */
  LPT: number;
  LPT_AIC: number;
  LPT_BIC: number;
}

/** AIC = 2·NLL + 2k, BIC = 2·NLL + k·ln T, as the package computes them. */
export function goodnessOfFit(nll: number, k: number, nTrials: number): GoodnessOfFit {
  const ll = -nll;
  const AIC = -2 * ll + 2 * k;
  const BIC = -2 * ll + k * Math.log(nTrials);
  return {
    log_likelihood: ll,
    AIC,
    BIC,
    LPT: Math.exp(ll / nTrials),
    LPT_AIC: Math.exp(-AIC / 2 / nTrials),
    LPT_BIC: Math.exp(-BIC / 2 / nTrials),
  };
}

export interface FitOptions {
  /** Seed of the differential-evolution stream. */
  seed: number;
  /** Population multiplier (package: 16). */
  popsize?: number;
  maxiter?: number;
  tol?: number;
  /** Number of best distinct DE members polished locally (scipy polishes only the best). */
  polishStarts?: number;
}

export interface QLearningFit extends GoodnessOfFit {
  model: QLearningModelName;
  /** Fitted free parameters plus the model's fixed ones, by name. */
  params: Record<string, number>;
  nll: number;
  k_model: number;
  n_trials: number;
  /** Fraction of trials where argmax(choice_prob) equals the choice (ties count as left). */
  prediction_accuracy: number;
  latents: QLearningLatents;
  /** Best DE member before the local polish, and its NLL. */
  params_without_polishing: Record<string, number>;
  nll_without_polishing: number;
  nit: number;
  nfev: number;
  de_converged: boolean;
}

export type QLearningFitOutcome = { fit: QLearningFit; reason: null } | { fit: null; reason: string };

/** The package fits only sessions with at least this many finished trials. */
export const MIN_TRIALS_FOR_FIT = 50;

function namedParams(spec: QLearningModelSpec, x: ArrayLike<number>): Record<string, number> {
  const out: Record<string, number> = {};
  spec.free.forEach((b, j) => (out[b.name] = x[j]));
  return { ...out, ...spec.fixed };
}

export interface QLearningEvaluation extends GoodnessOfFit {
  model: QLearningModelName;
  params: QLearningParams;
  nll: number;
  k_model: number;
  n_trials: number;
  /** Fraction of trials where the more likely choice was the one made. */
  prediction_accuracy: number;
  latents: QLearningLatents;
}

/** The model at given parameters on one session: latents, NLL, AIC/BIC, prediction accuracy. */
export function evaluateQLearning(
  model: QLearningModelName,
  params: QLearningParams,
  choices: ArrayLike<number>,
  rewards: ArrayLike<number>,
): QLearningEvaluation {
  const { c, r } = toHistory(choices, rewards);
  const T = c.length;
  const k = QLEARNING_MODELS[model].free.length;
  const latents = allocLatents(T);
  const logs = new Float64Array(T);
  run(coreFromParams(model, params), c, r, logs, latents);
  const nll = -sum(logs);
  let correct = 0;
  for (let t = 0; t < T; t++) {
    const predicted = latents.choice_prob[1][t] > latents.choice_prob[0][t] ? 1 : 0;
    if (predicted === c[t]) correct++;
  }
  return { model, params, nll, ...goodnessOfFit(nll, k, T), k_model: k, n_trials: T, prediction_accuracy: correct / T, latents };
}

/**
 * Maximum-likelihood fit: seeded differential evolution with the package's settings (best1bin,
 * popsize 16, mutation (0.5, 1), recombination 0.7, tol 0.01, immediate updating, LHS init),
 * then a bounded quasi-Newton polish from the best few distinct members; the lowest NLL wins.
 * Returns `{ fit: null, reason }` for sessions shorter than MIN_TRIALS_FOR_FIT.
 */
export function fitQLearning(
  model: QLearningModelName,
  choices: ArrayLike<number>,
  rewards: ArrayLike<number>,
  options: FitOptions,
): QLearningFitOutcome {
  const { c, r } = toHistory(choices, rewards);
  const T = c.length;
  if (T < MIN_TRIALS_FOR_FIT) {
    return { fit: null, reason: `${T} finished trials < ${MIN_TRIALS_FOR_FIT}: not fitted` };
  }
  const spec = QLEARNING_MODELS[model];
  const lower = spec.free.map((b) => b.lower);
  const upper = spec.free.map((b) => b.upper);
  const logs = new Float64Array(T);
  const objective = (x: Float64Array): number => {
    run(coreFromVector(model, x), c, r, logs, null);
    return -sum(logs);
  };

  const de = differentialEvolution(objective, lower, upper, {
    seed: options.seed,
    popsize: options.popsize ?? 16,
    maxiter: options.maxiter ?? 1000,
    tol: options.tol ?? 0.01,
    mutation: [0.5, 1],
    recombination: 0.7,
  });
  let nfev = de.nfev;
  let bestX = de.x;
  let bestF = de.fun;
  const starts = pickDistinct(de.population, options.polishStarts ?? 4);
  for (const x0 of starts) {
    const local = minimizeBox(objective, x0, lower, upper);
    nfev += local.nfev;
    if (local.fun < bestF) {
      bestF = local.fun;
      bestX = local.x;
    }
  }

  return {
    reason: null,
    fit: {
      ...evaluateQLearning(model, namedParams(spec, bestX), c, r),
      params_without_polishing: namedParams(spec, de.x),
      nll_without_polishing: de.fun,
      nit: de.nit,
      nfev,
      de_converged: de.converged,
    },
  };
}

/** The first `k` members (population is sorted best first) that are not duplicates. */
function pickDistinct(population: Float64Array[], k: number): Float64Array[] {
  const out: Float64Array[] = [];
  for (const x of population) {
    if (out.length >= k) break;
    if (!out.some((y) => y.every((v, j) => v === x[j]))) out.push(x);
  }
  return out;
}

export interface SimulationTask {
  /** Reward probability of each side on each trial (length = number of trials). */
  pRewardL: ArrayLike<number>;
  pRewardR: ArrayLike<number>;
  /** Baited task: an uncollected reward stays armed on its side until collected. */
  baiting: boolean;
}

export interface Simulation {
  choices: Uint8Array;
  rewards: Uint8Array;
  latents: QLearningLatents;
}

/**
 * Generative run of the agent on a task (no ignores), deterministic for a seed. Per trial: the
 * agent's choice probability from its state, a choice drawn from it, then each side is armed
 * with its probability (kept if baited), the chosen side's arm is collected.
 */
export function simulateQLearning(
  model: QLearningModelName,
  params: QLearningParams,
  task: SimulationTask,
  seed: number,
): Simulation {
  const T = task.pRewardL.length;
  if (task.pRewardR.length !== T) throw new RangeError('simulateQLearning: pRewardL/R lengths differ');
  const core = coreFromParams(model, params);
  const rng = new SeededUniform(seed);
  const choices = new Uint8Array(T);
  const rewards = new Uint8Array(T);
  const armed = [false, false];
  const latents = allocLatents(T);
  run(core, choices, rewards, new Float64Array(T), latents, (t, pLeft) => {
    const c = rng.uniform() < pLeft ? 0 : 1;
    armed[0] = (task.baiting && armed[0]) || rng.uniform() < task.pRewardL[t];
    armed[1] = (task.baiting && armed[1]) || rng.uniform() < task.pRewardR[t];
    choices[t] = c;
    rewards[t] = armed[c] ? 1 : 0;
    armed[c] = false;
  });
  return { choices, rewards, latents };
}
