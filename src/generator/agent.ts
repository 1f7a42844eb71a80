// The synthetic mouse's decision maker: `QLearning_L2F1_CKfull_softmax` (science-spec B), stepped
// one trial at a time because the task (baiting, ignores, auto water) interleaves with it. The
// float order of every update is the one of `src/science/qlearning.ts`'s forward pass, so the
// analysis recomputes exactly the Q values (and hence RPEs) planted here; a unit test checks it.

import type { Rng } from './random.js';

export const AGENT_MODEL = 'QLearning_L2F1_CKfull_softmax';

/** Parameters by the model package's names. */
export interface QAgentParams {
  learn_rate_rew: number;
  learn_rate_unrew: number;
  forget_rate_unchosen: number;
  choice_kernel_step_size: number;
  choice_kernel_relative_weight: number;
  biasL: number;
  softmax_inverse_temperature: number;
}

/**
 * One draw per mouse, in ranges of fitted lab mice. The inverse temperature stays moderate:
 * with forgetting, a steeper softmax locks the agent onto one side for whole sessions.
 */
export function sampleAgentParams(rng: Rng): QAgentParams {
  return {
    learn_rate_rew: rng.between(0.3, 0.7),
    learn_rate_unrew: rng.between(0.05, 0.35),
    forget_rate_unchosen: rng.between(0.02, 0.2),
    choice_kernel_step_size: rng.between(0.05, 0.3),
    choice_kernel_relative_weight: rng.between(0.05, 0.4),
    biasL: rng.between(-0.3, 0.3),
    softmax_inverse_temperature: rng.between(2.5, 7),
  };
}

/** Agent state within one session (the model starts every session from zero). */
export class QAgent {
  qL = 0;
  qR = 0;
  cL = 0;
  cR = 0;
  private readonly betaW: number;
  private readonly keepUnchosen: number;

  constructor(private readonly p: QAgentParams) {
    this.betaW = p.softmax_inverse_temperature * p.choice_kernel_relative_weight;
    this.keepUnchosen = 1 - p.forget_rate_unchosen;
  }

  /** Probability of choosing left now (literal softmax; greedy above exp overflow, as the package). */
  pLeft(): number {
    const beta = this.p.softmax_inverse_temperature;
    const zL = beta * this.qL + this.p.biasL + this.betaW * this.cL;
    const zR = beta * this.qR + 0 + this.betaW * this.cR;
    if (Math.max(zL, zR) > 700) return zL >= zR ? 1 : 0;
    const eL = Math.exp(zL);
    const eR = Math.exp(zR);
    return eL / (eL + eR);
  }

  /** Value of a side before this trial's update. */
  q(side: 0 | 1): number {
    return side === 0 ? this.qL : this.qR;
  }

  /** Learns from a finished trial: choice 0 = left, 1 = right; reward 0/1 (earned only). */
  update(choice: 0 | 1, reward: 0 | 1): void {
    const lr = reward ? this.p.learn_rate_rew : this.p.learn_rate_unrew;
    const step = this.p.choice_kernel_step_size;
    if (choice === 0) {
      this.qL = this.qL + lr * (reward - this.qL);
      this.qR = this.keepUnchosen * this.qR;
      this.cL = this.cL + step * (1 - this.cL);
      this.cR = this.cR + step * (0 - this.cR);
    } else {
      this.qR = this.qR + lr * (reward - this.qR);
      this.qL = this.keepUnchosen * this.qL;
      this.cL = this.cL + step * (0 - this.cL);
      this.cR = this.cR + step * (1 - this.cR);
    }
  }
}
