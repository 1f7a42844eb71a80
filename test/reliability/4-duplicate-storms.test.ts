// Scenario 4: the same job folder dispatched 20 times at once from separate processes (the
// real CLI), and 20 times again after completion. One execution per workflow ID, one record per
// key; the second storm starts nothing.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { waitClosed } from '../support/reliability/checks.js';
import { foragingParams, jobOf, writeJobFolder } from '../support/reliability/data.js';
import { runCli, type CliResult } from '../support/reliability/processes.js';
import { expectCompleted, openScenario, type Scenario, verdictColumns } from '../support/reliability/scenario.js';

const suite = inject('suite');
const STORM = 20;

describe('duplicate storms', () => {
  let sc: Scenario;
  beforeAll(async () => {
    sc = await openScenario(suite, 'duplicate-storms');
  });
  afterAll(async () => {
    await sc?.close();
  });

  it(`${STORM} concurrent dispatchers of one folder, and ${STORM} more after completion: one execution and one record per key`, async () => {
    const worker = sc.worker('worker');
    await worker.start();
    const { jobsDir, parametersFile } = await writeJobFolder(join(sc.dir, 'jobs'), suite.dataset.mice.map(jobOf), foragingParams('storm'));
    const planned = await sc.plan(jobsDir, parametersFile);
    const ids = planned.map((p) => p.workflowId);

    // Every row a dispatcher printed, per workflow ID: its status.
    const storm = async (round: string): Promise<{ results: CliResult[]; statuses: Map<string, string[]> }> => {
      const results = await Promise.all(
        Array.from({ length: STORM }, (_, i) => runCli(['dispatch', jobsDir, '--parameters', parametersFile], sc.env, join(sc.logDir, `dispatch-${round}-${i}.log`), suite.pidsFile)),
      );
      const statuses = new Map<string, string[]>(ids.map((id) => [id, []]));
      for (const r of results) {
        for (const line of r.output.split('\n')) {
          const id = ids.find((x) => line.trimEnd().endsWith(x));
          const status = /\s(started|already-running|already-done|invalid)\s/.exec(line)?.[1];
          if (id && status) statuses.get(id)!.push(status);
        }
      }
      return { results, statuses };
    };

    const first = await storm('first');
    expect(first.results.map((r) => r.code), first.results.find((r) => r.code !== 0)?.output).toEqual(first.results.map(() => 0));
    // Each dispatcher reports every job once; none is refused as invalid.
    for (const [id, s] of first.statuses) {
      expect(s, id).toHaveLength(STORM);
      expect(s.every((x) => x === 'started' || x === 'already-running' || x === 'already-done'), `${id}: ${s.join(', ')}`).toBe(true);
    }
    await waitClosed(sc.client, ids, 5 * 60_000);

    const second = await storm('second');
    expect(second.results.map((r) => r.code)).toEqual(second.results.map(() => 0));
    for (const [id, s] of second.statuses) expect(s, id).toEqual(Array.from({ length: STORM }, () => 'already-done'));

    const v = await sc.verify(planned.map(expectCompleted), 5 * 60_000);
    const started = [...first.statuses.values()].flat().filter((s) => s === 'started').length;
    const ms = [...first.results, ...second.results].map((r) => r.ms);
    sc.report({
      runs: planned.length,
      faults: `2 x ${STORM} concurrent dispatch processes (${started} rows said started for ${planned.length} jobs; ${(Math.max(...ms) / 1000).toFixed(0)} s slowest)`,
      ...verdictColumns(v),
      crashes: worker.crashes.length,
      passed: v.problems.length === 0 && worker.crashes.length === 0,
    });
    expect(v.problems).toEqual([]);
    expect(worker.crashes).toEqual([]);
    expect(v.completed).toBe(planned.length);
  });
});
