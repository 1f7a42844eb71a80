// The nightly schedule on the real dev server: created idempotently by scripts/schedule-nightly.sh,
// triggered twice; the first dispatch starts the mouse, the second finds it done.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DispatchSummary } from '../../src/activities/dispatch.js';
import { startE2E, type E2E } from '../support/e2e.js';

const ROOT = join(import.meta.dirname, '..', '..');
const FIXTURE = join(ROOT, 'test', 'fixtures', 'real-nwb', '697062_2023-11-14_11-12-44.nwb');

describe('nightly schedule', () => {
  let e: E2E;
  const name = `t${randomUUID().slice(0, 8)}`;
  const run = (...args: string[]) => execFileSync('bash', args, { cwd: ROOT, env: { ...process.env, TEMPORAL_TASK_QUEUE: e.config.temporal.taskQueue }, encoding: 'utf8' });
  beforeAll(async () => {
    e = await startE2E();
  });
  afterAll(async () => {
    await e.client.schedule.getHandle(`nightly-${name}`).delete().catch(() => undefined);
    await e?.stop();
  });

  async function triggerAndWait(): Promise<DispatchSummary> {
    const handle = e.client.schedule.getHandle(`nightly-${name}`);
    const before = (await handle.describe()).info.recentActions.length;
    await handle.trigger();
    for (let i = 0; i < 120; i++) {
      const actions = (await handle.describe()).info.recentActions;
      if (actions.length > before) {
        const started = actions.at(-1)!.action.workflow;
        return (await e.client.workflow.getHandle(started.workflowId, started.firstExecutionRunId).result()) as DispatchSummary;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error('the schedule did not start a run');
  }

  it('creates idempotently, dispatches new work, then skips it as done', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ga-sched-'));
    await mkdir(join(dir, 'job_dict'));
    await writeFile(join(dir, 'job_dict', 'job.json'), JSON.stringify({ s3_location: [FIXTURE], group_metadata: { 'subject.subject_id': '697062' } }));
    await writeFile(join(dir, 'params.json'), JSON.stringify({ analysis_parameter: { analysis_name: 'foraging-summary', analysis_tag: name } }));
    expect(run('scripts/schedule-nightly.sh', name, join(dir, 'job_dict'), join(dir, 'params.json'))).toMatch(/created schedule/);
    expect(run('scripts/schedule-nightly.sh', name, join(dir, 'job_dict'), join(dir, 'params.json'))).toMatch(/updated schedule/);
    const spec = (await e.client.schedule.getHandle(`nightly-${name}`).describe()).spec;
    expect(JSON.stringify(spec)).toContain('"hour":[{"start":2');

    const first = await triggerAndWait();
    expect(first).toMatchObject({ total: 1, started: 1 });
    // The dispatch returns once the run is started; its record is written by the run's first activity.
    let records = await e.runtime.records.find({ equals: { 'analysis.tag': name } });
    for (let i = 0; i < 120 && records.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 250));
      records = await e.runtime.records.find({ equals: { 'analysis.tag': name } });
    }
    expect(records).toHaveLength(1);
    // Wait for the analysis to finish, then the next night's run has nothing to do.
    for (let i = 0; i < 120 && (await e.runtime.records.get(records[0]._id))?.status !== 'completed'; i++) await new Promise((r) => setTimeout(r, 250));
    expect((await triggerAndWait())).toMatchObject({ total: 1, 'already-done': 1 });
  });
});
