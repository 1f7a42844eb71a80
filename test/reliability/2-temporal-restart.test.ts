// Scenario 2: the Temporal dev server is stopped mid-run and started again on the same SQLite
// file. The worker and the client reconnect; every run resumes from its history and completes.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runningActivities, type Expected } from '../support/reliability/checks.js';
import { jobOf } from '../support/reliability/data.js';
import { services } from '../support/reliability/env.js';
import { seededRandom, sleep, suiteSeed } from '../support/reliability/random.js';
import { dispatchBatch, expectCompleted, openScenario, type Scenario, verdictColumns } from '../support/reliability/scenario.js';

const suite = inject('suite');
const RESTARTS = suite.full ? 3 : 1;
const DOWN_MS = suite.full ? 15_000 : 5_000;

describe('Temporal server restart', () => {
  let sc: Scenario;
  beforeAll(async () => {
    sc = await openScenario(suite, 'temporal-restart');
  });
  afterAll(async () => {
    await sc?.close();
  });

  it(`${RESTARTS} restart(s) of the Temporal server mid-run: every run resumes and completes`, async () => {
    const seed = suiteSeed();
    const random = seededRandom(seed);
    console.log(`temporal restart: seed ${seed}`);
    const worker = sc.worker('worker');
    await worker.start();
    const mice = suite.dataset.mice.map(jobOf);
    const expected: Expected[] = [];
    const inFlight: string[] = [];
    for (let r = 1; r <= RESTARTS; r++) {
      const planned = await dispatchBatch(sc, `restart-${r}`, mice, 1);
      expected.push(...planned.map(expectCompleted));
      // Down while sessions are being analysed.
      const ids = planned.map((p) => p.workflowId);
      for (let i = 0; i < 40 && (await runningActivities(sc.client, ids)).length === 0; i++) await sleep(250);
      await sleep(random() * 1500);
      inFlight.push(...new Set(await runningActivities(sc.client, ids)));
      await services(suite, 'stop', 'temporal');
      await sleep(DOWN_MS);
      await services(suite, 'start', 'temporal');
    }

    const v = await sc.verify(expected, 5 * 60_000);
    sc.report({
      runs: expected.length,
      faults: `${RESTARTS} server restart(s), ${DOWN_MS / 1000} s down (in flight: ${[...new Set(inFlight)].join(', ') || 'none'})`,
      ...verdictColumns(v),
      crashes: worker.crashes.length,
      passed: v.problems.length === 0 && worker.crashes.length === 0,
    });
    console.log(`temporal restart: retries ${v.retries} (max attempt ${v.maxAttempt})`);
    expect(v.problems).toEqual([]);
    expect(worker.crashes).toEqual([]);
    expect(worker.alive).toBe(true);
    expect(v.completed).toBe(expected.length);
  });
});
