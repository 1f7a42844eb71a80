import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  enrichModelColumns,
  enrichTrials,
  mapLatentsToTrials,
  previousInSession,
  weekInterval,
} from '../../../src/science/trials.js';

describe('enrichTrials (au.enrich_df_trials)', () => {
  // Two sessions, worked out by hand. Session A: rewards earned 1,1,0,0,0,1 plus an auto-water
  // reward on trial 3; session B: two ignored, unrewarded trials.
  const input = {
    sesIdx: ['A', 'A', 'A', 'A', 'A', 'A', 'B', 'B'],
    earnedReward: [1, 1, 0, 0, 0, 1, 0, 0],
    extraReward: [0, 0, 0, 1, 0, 0, 0, 0],
    animalResponse: [0, 0, 1, 2, 1, 1, 2, 2],
    choiceTimeInTrial: [0.4, 0.5, 0.6, NaN, 0.3, 0.2, NaN, NaN],
    goCueStartTimeInTrial: [0, 0, 0, 0, 0, 0, 0, 0],
  };
  const out = enrichTrials(input);

  it('reward_all includes extra (auto/manual) water', () => {
    expect([...out.rewardAll]).toEqual([1, 1, 0, 1, 0, 1, 0, 0]);
  });
  it('rewarded_prev is shifted within the session, NaN at each session start', () => {
    expect([...out.rewardedPrev]).toEqual([NaN, 1, 1, 0, 1, 0, NaN, 0]);
  });
  it('num_reward_past counts runs, negative when unrewarded, restarting per session', () => {
    expect([...out.numRewardPast]).toEqual([1, 2, -1, 1, -1, 1, -1, -2]);
  });
  it('stay/switch compare with the previous response, ignores included', () => {
    expect([...out.stay]).toEqual([0, 1, 0, 0, 0, 1, 0, 1]);
    expect([...out.switch]).toEqual([1, 0, 1, 1, 1, 0, 1, 0]);
  });
  it('response_time = choice_time_in_trial - goCue_start_time_in_trial', () => {
    expect([...out.responseTime]).toEqual([0.4, 0.5, 0.6, NaN, 0.3, 0.2, NaN, NaN]);
  });
  it('rejects ragged columns', () => {
    expect(() => enrichTrials({ ...input, animalResponse: [0] })).toThrow(RangeError);
  });

  it('num_reward_past equals a literal port of the pandas cumsum/cumcount recipe', () => {
    // run = cumsum(rewarded_prev != reward_all) over the table; value = cumcount within run + 1.
    const literal = (ses: number[], reward: number[]): number[] => {
      const prev = previousInSession(ses);
      const run: number[] = [];
      let acc = 0;
      for (let i = 0; i < ses.length; i++) {
        const rp = prev[i] < 0 ? NaN : reward[prev[i]];
        if (rp !== reward[i]) acc++;
        run.push(acc);
      }
      const seen = new Map<number, number>();
      return run.map((r, i) => {
        const c = (seen.get(r) ?? 0) + 1;
        seen.set(r, c);
        return reward[i] ? c : -c;
      });
    };
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.boolean(), fc.boolean()), { maxLength: 60 }),
        (rows) => {
          const ses = rows.map((r) => r[0]);
          const earned = rows.map((r) => r[1]);
          const extra = rows.map((r) => r[2]);
          const got = enrichTrials({
            sesIdx: ses,
            earnedReward: earned,
            extraReward: extra,
            animalResponse: rows.map(() => 0),
            choiceTimeInTrial: rows.map(() => 0),
            goCueStartTimeInTrial: rows.map(() => 0),
          });
          const reward = earned.map((e, i) => (e || extra[i] ? 1 : 0));
          expect([...got.numRewardPast]).toEqual(literal(ses, reward));
          expect(got.numRewardPast.every((v) => v !== 0)).toBe(true);
        },
      ),
    );
  });
});

describe('weekInterval', () => {
  it('is floor(days / 7) + 1 from the first session date', () => {
    expect(weekInterval('717531_2024-08-01', '2024-08-01')).toBe(1);
    expect(weekInterval('717531_2024-08-07', '2024-08-01')).toBe(1);
    expect(weekInterval('717531_2024-08-08', '2024-08-01')).toBe(2);
    expect(weekInterval('717531_2024-08-15', '2024-08-01')).toBe(3);
    // across a month and a DST change
    expect(weekInterval('717531_2024-11-04', '2024-10-28')).toBe(2);
  });
  it('rejects a malformed ses_idx', () => {
    expect(() => weekInterval('717531', '2024-08-01')).toThrow(RangeError);
  });
});

describe('mapLatentsToTrials (get_foraging_model_info)', () => {
  const response = [0, 2, 1, 0];
  const latents = {
    qValue: [
      [0, 0.1, 0.2, 0.3],
      [0, 0.5, 0.6, 0.7],
    ],
    choiceProb: [
      [0.5, 0.4, 0.3],
      [0.5, 0.6, 0.7],
    ],
    choiceKernel: [
      [0, 1, 0, 1],
      [0, 0, 1, 0],
    ],
  } as const;

  it('fills finished trials in order with the value before each update', () => {
    const { columns, warning } = mapLatentsToTrials(response, latents, true);
    expect(warning).toBeNull();
    expect([...columns.qLeft]).toEqual([0, NaN, 0.1, 0.2]);
    expect([...columns.qRight]).toEqual([0, NaN, 0.5, 0.6]);
    expect([...columns.lProb]).toEqual([0.5, NaN, 0.4, 0.3]);
    expect([...columns.rProb]).toEqual([0.5, NaN, 0.6, 0.7]);
    expect([...(columns.lKernel ?? [])]).toEqual([0, NaN, 1, 0]);
    expect([...(columns.rKernel ?? [])]).toEqual([0, NaN, 0, 1]);
  });
  it('omits kernel columns for a model without a kernel', () => {
    const { columns } = mapLatentsToTrials(response, latents, false);
    expect(columns.lKernel).toBeUndefined();
  });
  it('leaves NaN and warns on a trial-count mismatch or a missing fit', () => {
    const short = mapLatentsToTrials([0, 1], latents, true);
    expect(short.warning).toMatch(/3 trials .* 2 finished/);
    expect([...short.columns.qLeft]).toEqual([NaN, NaN]);
    expect([...(short.columns.lKernel ?? [])]).toEqual([NaN, NaN]);
    expect(mapLatentsToTrials([0], null, false).warning).toMatch(/no fitted model/);
  });
});

describe('enrichModelColumns (enrich_df_trials_fm)', () => {
  // left, ignore, right, left; Q before each trial as above.
  const response = [0, 2, 1, 0];
  const model = {
    qLeft: Float64Array.from([0.25, NaN, 0.5, 0.125]),
    qRight: Float64Array.from([0.5, NaN, 0.75, 0.25]),
    lProb: Float64Array.from([0.4, NaN, 0.3, 0.6]),
    rProb: Float64Array.from([0.6, NaN, 0.7, 0.4]),
    lKernel: Float64Array.from([0, NaN, 1, 0]),
    rKernel: Float64Array.from([1, NaN, 0, 1]),
  };
  const earned = [1, 0, 0, 1];
  const extra = [0, 1, 1, 0];
  const out = enrichModelColumns(response, model, earned, extra);

  it('picks chosen / unchosen by side and leaves ignores NaN', () => {
    expect([...out.q.chosen]).toEqual([0.25, NaN, 0.75, 0.125]);
    expect([...out.q.unchosen]).toEqual([0.5, NaN, 0.5, 0.25]);
    expect([...out.q.sum]).toEqual([0.75, NaN, 1.25, 0.375]);
    expect([...out.q.delta]).toEqual([-0.25, NaN, 0.25, -0.125]);
    expect([...out.q.change]).toEqual([0, NaN, NaN, 0.125 - 0.75]);
    expect([...out.p.chosen]).toEqual([0.4, NaN, 0.7, 0.6]);
    expect([...(out.k?.chosen ?? [])]).toEqual([0, NaN, 0, 0]);
    expect([...(out.k?.unchosen ?? [])]).toEqual([1, NaN, 1, 1]);
  });
  it('Cprobstay is the next trial probability of the side chosen now', () => {
    // trial 0 chose L: next row (ignore) has NaN L_prob; trial 2 chose R: next R_prob 0.4.
    expect([...out.cProbStay]).toEqual([NaN, NaN, 0.4, NaN]);
  });
  it('RPE_earned uses earned reward only, RPE_all adds extra water', () => {
    expect([...out.rpeEarned]).toEqual([0.75, NaN, -0.75, 0.875]);
    expect([...out.rpeAll]).toEqual([0.75, NaN, 0.25, 0.875]);
  });
  it('has no kernel family without kernel columns', () => {
    const { lKernel: _l, rKernel: _r, ...noKernel } = model;
    expect(enrichModelColumns(response, noKernel, earned, extra).k).toBeUndefined();
  });
});
