// Scenario 1: the worker process is SIGKILLed at random moments (while sessions load, compute,
// upload, or a record is written) and restarted at once. Whatever was in flight must be retried
// to completion: every run completes, one record per key, every output intact, no orphans.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { liveActivities, type Expected } from '../support/reliability/checks.js';
import { jobOf } from '../support/reliability/data.js';
import { seededRandom, sleep, suiteSeed } from '../support/reliability/random.js';
import { dispatchBatch, expectCompleted, openScenario, type Scenario, verdictColumns } from '../support/reliability/scenario.js';

const suite = inject('suite');
const KILLS = suite.full ? 50 : 5;

describe('worker crashes', () => {
  let sc: Scenario;
  beforeAll(async () => {
    sc = await openScenario(suite, 'worker-crashes');
  });
  afterAll(async () => {
    await sc?.close();
  });

  it(`${KILLS} SIGKILLs of the worker lose nothing and duplicate nothing`, async () => {
    const seed = suiteSeed();
    const random = seededRandom(seed);
    console.log(`worker crashes: seed ${seed} (GA_RELIABILITY_SEED=${seed} replays the kill timing)`);
    const worker = sc.worker('worker');
    await worker.start();

    const mice = suite.dataset.mice.map(jobOf);
    const expected: Expected[] = [];
    let batch = 0;
    // A batch: every mouse through foraging-summary, two through the grouped photometry analysis.
    const nextBatch = async (): Promise<string[]> => {
      batch++;
      const planned = await dispatchBatch(sc, `crash-${batch}`, mice, 2);
      expected.push(...planned.map(expectCompleted));
      return planned.map((p) => p.workflowId);
    };

    let open = await nextBatch();
    const killedDuring: Record<string, number> = {};
    let killsMidActivity = 0;
    for (let k = 0; k < KILLS; k++) {
      // Kill while the live worker runs something: wait (bounded) for it to pick up work, and
      // give it a new batch when it has none (its killed attempts wait out their heartbeats).
      const waitStart = Date.now();
      let fed = false;
      for (;;) {
        const live = await liveActivities(sc.client, open, worker.pid);
        open = live.open;
        if (live.activities.length > 0 || Date.now() - waitStart > 20_000) break;
        if (!fed && Date.now() - waitStart > 2_000) {
          open = [...open, ...(await nextBatch())];
          fed = true;
        }
        await sleep(250);
      }
      await sleep(random() * 2500);
      const inFlight = (await liveActivities(sc.client, open, worker.pid)).activities;
      if (inFlight.length) killsMidActivity++;
      for (const a of inFlight.length ? new Set(inFlight) : ['no activity']) killedDuring[a] = (killedDuring[a] ?? 0) + 1;
      await worker.kill();
      await worker.start();
    }

    const v = await sc.verify(expected, 8 * 60_000);
    const during = Object.entries(killedDuring).map(([a, n]) => `${a} ${n}`).join(', ');
    sc.report({
      runs: expected.length,
      faults: `${worker.kills} SIGKILL, ${killsMidActivity} mid-activity (running: ${during})`,
      ...verdictColumns(v),
      crashes: worker.crashes.length,
      passed: v.problems.length === 0 && worker.crashes.length === 0 && killsMidActivity >= Math.ceil(KILLS / 2),
    });
    console.log(`worker crashes: ${batch} batches, retries ${v.retries} (max attempt ${v.maxAttempt}), kills in flight: ${during}`);
    expect(v.problems).toEqual([]);
    expect(worker.crashes).toEqual([]);
    expect(worker.kills).toBe(KILLS);
    expect(worker.alive).toBe(true);
    expect(v.completed).toBe(expected.length);
    // Most kills hit running activities, and those show up as retries (attempt > 1) in the histories.
    expect(killsMidActivity).toBeGreaterThanOrEqual(Math.ceil(KILLS / 2));
    expect(v.retries).toBeGreaterThan(0);
  });
});
