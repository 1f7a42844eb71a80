// Scenario 3: the S3 server (SeaweedFS), then the MongoDB-wire server (FerretDB), are down for a
// while during a run. Activities fail and are retried with backoff (attempts visible in the
// histories), then complete: no run fails, nothing is written twice.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { activityAttempts, failingActivities, runningActivities, type Expected } from '../support/reliability/checks.js';
import { jobOf } from '../support/reliability/data.js';
import { services, type ServiceName } from '../support/reliability/env.js';
import { sleep } from '../support/reliability/random.js';
import { dispatchBatch, expectCompleted, openScenario, type Scenario, verdictColumns } from '../support/reliability/scenario.js';

const suite = inject('suite');
const OUTAGE_MS = suite.full ? 30_000 : 10_000;
const OUTAGES: ServiceName[] = ['seaweedfs', 'ferretdb'];

describe('store outages', () => {
  let sc: Scenario;
  beforeAll(async () => {
    sc = await openScenario(suite, 'store-outages');
  });
  afterAll(async () => {
    // A failed test must not leave a store down for the next scenario.
    for (const s of OUTAGES) await services(suite, 'start', s);
    await sc?.close();
  });

  it(`S3 down ${OUTAGE_MS / 1000} s, then MongoDB down ${OUTAGE_MS / 1000} s, during runs: retried, completed, nothing duplicated`, async () => {
    const worker = sc.worker('worker');
    await worker.start();
    const mice = suite.dataset.mice.map(jobOf);
    const expected: Expected[] = [];
    const notes: string[] = [];
    const batches: { service: ServiceName; ids: string[] }[] = [];
    for (const service of OUTAGES) {
      const planned = await dispatchBatch(sc, `outage-${service}`, mice, 2);
      expected.push(...planned.map(expectCompleted));
      const ids = planned.map((p) => p.workflowId);
      batches.push({ service, ids });
      // S3 goes down once sessions are being read; MongoDB at once (records are claimed first).
      if (service === 'seaweedfs') for (let i = 0; i < 40 && !(await runningActivities(sc.client, ids)).includes('analyzeSession'); i++) await sleep(250);
      const inFlight = new Set(await runningActivities(sc.client, ids));
      await services(suite, 'stop', service);
      await sleep(OUTAGE_MS);
      // The store stays down until some activity has failed on it (bounded): if every operation
      // fell before or after the window, the scenario would test nothing.
      for (let i = 0; i < 240 && (await failingActivities(sc.client, ids)) === 0; i++) await sleep(500);
      await services(suite, 'start', service);
      notes.push(`${service} (in flight: ${[...inFlight].join(', ') || 'none'}`);
    }

    const v = await sc.verify(expected, 6 * 60_000);
    // Retries per outage: each store's outage must have been felt by its batch.
    const retries: Record<string, number> = {};
    for (const b of batches) {
      retries[b.service] = 0;
      for (const id of b.ids) for (const a of await activityAttempts(sc.client, id)) retries[b.service] += a.attempt - 1;
    }
    sc.report({
      runs: expected.length,
      faults: `${OUTAGES.length} outages of ${OUTAGE_MS / 1000} s: ${notes.map((n, i) => `${n}; ${retries[OUTAGES[i]]} retries)`).join(', ')}`,
      ...verdictColumns(v),
      crashes: worker.crashes.length,
      passed: v.problems.length === 0 && worker.crashes.length === 0 && OUTAGES.every((o) => retries[o] > 0),
    });
    console.log(`store outages: retries ${JSON.stringify(retries)} (max attempt ${v.maxAttempt})`);
    expect(v.problems).toEqual([]);
    expect(worker.crashes).toEqual([]);
    expect(worker.alive).toBe(true);
    expect(v.completed).toBe(expected.length);
    // Both outages were felt: activities failed and were retried.
    for (const o of OUTAGES) expect(retries[o], `retries during the ${o} outage`).toBeGreaterThan(0);
  });
});
