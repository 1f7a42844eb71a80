// Scenario 1: the worker process is SIGKILLed at random moments (while sessions load, compute,
// upload, or a record is written) and restarted at once. Whatever was in flight must be retried
// to completion: every run completes, one record per key, every output intact, no orphans.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { anyRunning, runningActivities, type Expected } from '../support/reliability/checks.js';
import { foragingParams, groupedParams, jobOf, writeJobFolder } from '../support/reliability/data.js';
import { seededRandom, sleep, suiteSeed } from '../support/reliability/random.js';
import { completedText, expectCompleted, openScenario, type Scenario } from '../support/reliability/scenario.js';

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
    const dispatchBatch = async (): Promise<string[]> => {
      batch++;
      const f = await writeJobFolder(join(sc.dir, `foraging-${batch}`), mice, foragingParams(`crash-${batch}`));
      const g = await writeJobFolder(join(sc.dir, `grouped-${batch}`), mice.slice(0, 2), groupedParams(`crash-${batch}`));
      const planned = [...(await sc.plan(f.jobsDir, f.parametersFile)), ...(await sc.plan(g.jobsDir, g.parametersFile))];
      const rows = await sc.start(planned);
      expect(rows.map((r) => r.status)).toEqual(planned.map(() => 'started'));
      expected.push(...planned.map(expectCompleted));
      return planned.map((p) => p.workflowId);
    };

    let open = await dispatchBatch();
    const killedDuring: Record<string, number> = {};
    let killsMidActivity = 0;
    for (let k = 0; k < KILLS; k++) {
      await sleep(500 + random() * 5500);
      // Every kill should hit live work: when the batch is done, give the worker a new one.
      if (!(await anyRunning(sc.client, open))) {
        open = await dispatchBatch();
        await sleep(random() * 3000);
      }
      const inFlight = await runningActivities(sc.client, open);
      if (inFlight.length) killsMidActivity++;
      for (const a of inFlight.length ? new Set(inFlight) : ['no activity']) killedDuring[a] = (killedDuring[a] ?? 0) + 1;
      await worker.kill();
      await worker.start();
    }

    const v = await sc.verify(expected, 8 * 60_000);
    const during = Object.entries(killedDuring).map(([a, n]) => `${a} ${n}`).join(', ');
    sc.report({
      runs: expected.length,
      faults: `${worker.kills} SIGKILL (in flight: ${during})`,
      completed: completedText(v),
      recordsExpected: v.recordsExpected,
      recordsActual: v.recordsActual,
      lostOutputs: v.lostOutputs,
      duplicates: v.duplicates,
      crashes: worker.crashes.length,
      passed: v.problems.length === 0 && worker.crashes.length === 0,
    });
    console.log(`worker crashes: ${batch} batches, retries ${v.retries} (max attempt ${v.maxAttempt}), kills in flight: ${during}`);
    expect(v.problems).toEqual([]);
    expect(worker.crashes).toEqual([]);
    expect(worker.kills).toBe(KILLS);
    expect(worker.alive).toBe(true);
    expect(v.completed).toBe(expected.length);
    // Kills with activities running must show up as retries (attempt > 1) in the histories.
    if (killsMidActivity >= 2) expect(v.retries).toBeGreaterThan(0);
  });
});
