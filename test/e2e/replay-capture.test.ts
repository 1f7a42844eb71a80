// Runs real workflows (success, bad-input failure in a session, in the resolver, and a mouse that gained a session: one session
// from the cache, one computed; and a grouped photometry run) on the dev server, replays their fetched histories on the current
// code, and — with GA_CAPTURE_HISTORIES=1 — saves those not yet saved as fixtures for the offline
// replay test (test/unit/workflows/replay.test.ts). Saved ones are kept: histories recorded by
// earlier workflow code are what executions still running after a deploy would replay.
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planDispatch, startPlanned } from '../../src/client/dispatch.js';
import { workflowSource } from '../../src/temporal/worker-factory.js';
import { codeVersion } from '../../src/current-code-version.js';
import { startE2E, type E2E } from '../support/e2e.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'real-nwb');

describe('history replay of real runs', () => {
  let e: E2E;
  beforeAll(async () => {
    e = await startE2E();
  });
  afterAll(async () => {
    await e?.stop();
  });

  it('replays a completed and a failed run without non-determinism, and reports progress', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ga-replay-'));
    const tag = `replay-${randomUUID().slice(0, 8)}`;
    await writeFile(join(dir, 'ok.json'), JSON.stringify({ s3_location: [join(FIXTURES, '697062_2023-11-15_10-02-05.nwb')], group_metadata: { 'subject.subject_id': '697062' } }));
    const bad = join(dir, 'behavior_600001_2024-01-01_10-00-00.nwb');
    await writeFile(bad, 'not an NWB file');
    await writeFile(join(dir, 'bad.json'), JSON.stringify({ s3_location: [bad] }));
    // A job naming a file that is not there: the run fails in its resolver, before any session.
    await writeFile(join(dir, 'missing.json'), JSON.stringify({ s3_location: [join(dir, 'behavior_600002_2024-01-01_10-00-00.nwb')] }));
    await writeFile(join(dir, 'params.json'), JSON.stringify({ analysis_parameter: { analysis_name: 'foraging-summary', analysis_tag: tag } }));
    const planned = await planDispatch({ jobs: [join(dir, 'bad.json'), join(dir, 'missing.json'), join(dir, 'ok.json')], parametersFile: join(dir, 'params.json'), codeVersion: codeVersion() });
    await startPlanned(planned, { client: e.client, taskQueue: e.config.temporal.taskQueue, records: e.runtime.records });

    const labels: Record<string, string> = { '697062': 'completed', '600001': 'failed', '600002': 'resolve-failed' };
    const histories = [];
    for (const [p, label] of planned.map((p) => [p, labels[p.input.subjectId]] as const)) {
      const handle = e.client.workflow.getHandle(p.workflowId);
      await handle.result().catch(() => undefined);
      const progress = await handle.query<{ step: string; sessionsDone: number; sessionsTotal: number }>('progress');
      expect(progress.step).toBe(label === 'completed' ? 'done' : 'failed');
      histories.push({ workflowId: p.workflowId, label, history: await handle.fetchHistory() });
    }
    // The same mouse with one more session: the known one comes from the cache, the new one is
    // computed (a copy of its own, as other tests may have cached the fixture's partial).
    const added = join(dir, '697062_2023-11-14_11-12-44.nwb');
    await copyFile(join(FIXTURES, '697062_2023-11-14_11-12-44.nwb'), added);
    await writeFile(join(dir, 'grown.json'), JSON.stringify({ s3_location: [added, join(FIXTURES, '697062_2023-11-15_10-02-05.nwb')], group_metadata: { 'subject.subject_id': '697062' } }));
    const [grown] = await planDispatch({ jobs: [join(dir, 'grown.json')], parametersFile: join(dir, 'params.json'), codeVersion: codeVersion() });
    await startPlanned([grown], { client: e.client, taskQueue: e.config.temporal.taskQueue, records: e.runtime.records });
    const handle = e.client.workflow.getHandle(grown.workflowId);
    expect(await handle.result()).toMatchObject({ status: 'completed', sessions: 2, sessionsFromCache: 1 });
    expect(await handle.query('progress')).toMatchObject({ step: 'done', sessionsDone: 2, sessionsTotal: 2, sessionsFromCache: 1 });
    histories.push({ workflowId: grown.workflowId, label: 'grown-completed', history: await handle.fetchHistory() });

    await replayAndCapture(histories);
  });

  it('replays a grouped photometry run: the real Zarr session, two channels, our own model fit', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ga-replay-'));
    const tag = `replay-${randomUUID().slice(0, 8)}`;
    await writeFile(join(dir, 'job.json'), JSON.stringify({ s3_location: [join(FIXTURES, 'behavior_717531_2024-08-07_09-01-02.nwb')], group_metadata: { 'subject.subject_id': '717531' } }));
    await writeFile(
      join(dir, 'params.json'),
      JSON.stringify({ analysis_parameter: { analysis_name: 'grouped-analysis', analysis_tag: tag, channels: { G_1: 'fiber 1 (green)', G_2: 'fiber 2 (green)' }, plot_types: ['avg_lastN_sess'] } }),
    );
    const [planned] = await planDispatch({ jobs: [join(dir, 'job.json')], parametersFile: join(dir, 'params.json'), codeVersion: codeVersion() });
    await startPlanned([planned], { client: e.client, taskQueue: e.config.temporal.taskQueue, records: e.runtime.records });
    const handle = e.client.workflow.getHandle(planned.workflowId);
    expect(await handle.result()).toMatchObject({ status: 'completed', sessions: 1, subjectId: '717531' });
    await replayAndCapture([{ workflowId: planned.workflowId, label: 'completed', history: await handle.fetchHistory() }]);
  });
});

/** Replays the histories on the current code; with GA_CAPTURE_HISTORIES=1 saves those not yet saved. */
async function replayAndCapture(histories: { workflowId: string; label: string; history: Awaited<ReturnType<WorkflowHandle['fetchHistory']>> }[]) {
  const failures: string[] = [];
  for await (const r of Worker.runReplayHistories({ ...workflowSource() }, histories.map(({ workflowId, history }) => ({ workflowId, history })))) if (r.error) failures.push(r.error.message);
  expect(failures).toEqual([]);
  if (process.env.GA_CAPTURE_HISTORIES !== '1') return;
  const out = join(import.meta.dirname, '..', 'fixtures', 'histories');
  for (const h of histories) {
    const file = join(out, `${h.workflowId.split('/').slice(0, 2).join('-')}-${h.label}.json`);
    if (!existsSync(file)) await writeFile(file, JSON.stringify(h.history));
  }
}
