import { describe, expect, it } from 'vitest';

import { QAgent, sampleAgentParams } from '../../../src/generator/agent.js';
import { Rng } from '../../../src/generator/random.js';
import { forwardPass } from '../../../src/science/qlearning.js';

describe('QAgent (QLearning_L2F1_CKfull_softmax, stepped)', () => {
  it("reproduces the analysis' forward pass bit for bit (Q, choice kernel, choice probability)", () => {
    for (let seed = 1; seed <= 5; seed++) {
      const rng = new Rng(seed);
      const params = sampleAgentParams(rng);
      const agent = new QAgent(params);
      const T = 300;
      const choices: number[] = [];
      const rewards: number[] = [];
      const q: [number[], number[]] = [[], []];
      const ck: [number[], number[]] = [[], []];
      const pL: number[] = [];
      for (let t = 0; t < T; t++) {
        q[0].push(agent.qL);
        q[1].push(agent.qR);
        ck[0].push(agent.cL);
        ck[1].push(agent.cR);
        pL.push(agent.pLeft());
        const c: 0 | 1 = rng.uniform() < pL[t] ? 0 : 1;
        const r: 0 | 1 = rng.bernoulli(0.4) ? 1 : 0;
        choices.push(c);
        rewards.push(r);
        agent.update(c, r);
      }
      const ref = forwardPass('QLearning_L2F1_CKfull_softmax', { ...params }, choices, rewards);
      expect(q[0]).toEqual(Array.from(ref.q_value[0].subarray(0, T)));
      expect(q[1]).toEqual(Array.from(ref.q_value[1].subarray(0, T)));
      expect(ck[0]).toEqual(Array.from(ref.choice_kernel[0].subarray(0, T)));
      expect(ck[1]).toEqual(Array.from(ref.choice_kernel[1].subarray(0, T)));
      expect(pL).toEqual(Array.from(ref.choice_prob[0]));
      expect([agent.qL, agent.qR]).toEqual([ref.q_value[0][T], ref.q_value[1][T]]);
    }
  });

  it('learns with the rewarded / unrewarded rates and forgets the unchosen side', () => {
    const agent = new QAgent({
      learn_rate_rew: 0.5,
      learn_rate_unrew: 0.25,
      forget_rate_unchosen: 0.1,
      choice_kernel_step_size: 0.2,
      choice_kernel_relative_weight: 0.3,
      biasL: 0,
      softmax_inverse_temperature: 5,
    });
    expect(agent.pLeft()).toBe(0.5);
    agent.update(0, 1); // left rewarded
    expect([agent.qL, agent.qR, agent.cL, agent.cR]).toEqual([0.5, 0, 0.2, 0]);
    agent.update(1, 0); // right unrewarded: Q_R stays 0, Q_L decays
    expect([agent.qL, agent.qR]).toEqual([0.45, 0]);
    expect(agent.cL).toBeCloseTo(0.16, 15);
    expect(agent.cR).toBeCloseTo(0.2, 15);
    expect(agent.pLeft()).toBeGreaterThan(0.5);
  });
});
