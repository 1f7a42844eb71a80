// End to end on the real servers: real NWB sessions in S3 (SeaweedFS), a real worker on the
// Temporal dev server, records in FerretDB. Dispatch, complete, re-dispatch (nothing reruns),
// bad job rejected before any start, corrupt NWB fails its workflow non-retryably.
import { randomUUID } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planDispatch, startPlanned } from '../../src/client/dispatch.js';
import { ValidationError } from '../../src/schemas/errors.js';
import { codeVersion } from '../../src/version.js';
import { startE2E, uploadToS3, type E2E } from '../support/e2e.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'real-nwb');
const SESSIONS = ['697062_2023-11-14_11-12-44', '697062_2023-11-15_10-02-05'];

describe('dispatch → workflow → S3 + MongoDB (foraging-summary on real sessions)', () => {
  let e: E2E;
  let dir: string;
  const tag = `e2e-${randomUUID().slice(0, 8)}`;
  const prefix = `inputs-${tag}`;

  beforeAll(async () => {
    e = await startE2E();
    dir = await mkdtemp(join(tmpdir(), 'ga-e2e-'));
    const locations: string[] = [];
    for (const s of SESSIONS) {
      locations.push(await uploadToS3(e.config, join(FIXTURES, `${s}.nwb`), `${prefix}/behavior_${s}/nwb`, `${s}.nwb`).then((u) => u.replace(/\/nwb\/[^/]+$/, '')));
    }
    await writeFile(
      join(dir, 'job_697062.json'),
      JSON.stringify({ s3_location: locations, asset_name: SESSIONS.map((s) => `behavior_${s}`), file_location: null, group_metadata: { 'subject.subject_id': '697062' } }),
    );
    await writeFile(join(dir, 'analysis_parameters.json'), JSON.stringify({ analysis_parameter: { analysis_name: 'foraging-summary', analysis_tag: tag } }));
  });
  afterAll(async () => {
    await e?.stop();
  });

  const plan = () => planDispatch({ jobs: [join(dir, 'job_697062.json')], parametersFile: join(dir, 'analysis_parameters.json'), codeVersion: codeVersion() });

  it('runs one workflow per mouse, writes verified outputs and one completed record', async () => {
    const planned = await plan();
    expect(planned).toHaveLength(1);
    const rows = await startPlanned(planned, { client: e.client, taskQueue: e.config.temporal.taskQueue, records: e.runtime.records });
    expect(rows.map((r) => r.status)).toEqual(['started']);

    const result = await e.client.workflow.getHandle(planned[0].workflowId).result();
    expect(result).toMatchObject({ status: 'completed', sessions: 2, subjectId: '697062', dedupKey: planned[0].input.dedupKey });

    const record = await e.runtime.records.get(planned[0].input.dedupKey);
    expect(record?.status).toBe('completed');
    expect(record?.inputs.files.map((f) => f.uri.split('/').pop())).toEqual(SESSIONS.map((s) => `${s}.nwb`));
    const names = record!.outputs.map((o) => o.uri.split(`${planned[0].input.dedupKey}/`)[1]).sort();
    expect(names).toEqual(['figures/learning_curve_697062.png', 'figures/learning_curve_697062.svg', 'index.html', 'manifest.json', 'sessions.csv', 'sessions.parquet', 'summary.json']);
    // Every output listed in the record exists with the recorded size and checksum.
    for (const o of record!.outputs) {
      const key = o.uri.slice(o.uri.indexOf(planned[0].input.dedupKey));
      const head = await e.runtime.deps.results.head(key);
      expect(head?.size).toBe(o.size);
      expect(head?.sha256).toBe(o.sha256);
    }
    const csv = new TextDecoder().decode(await e.runtime.deps.results.get(`${planned[0].input.dedupKey}/sessions.csv`));
    expect(csv.split('\n')[1]).toMatch(/^697062_2023-11-14,2023-11-14,/);

    // Search attributes are visible to operators (visibility is eventually consistent).
    let listed: string[] = [];
    for (let i = 0; i < 40 && listed.length === 0; i++) {
      listed = [];
      for await (const w of e.client.workflow.list({ query: `DedupKey = "${planned[0].input.dedupKey}" AND SubjectId = "697062" AND AnalysisName = "foraging-summary"` })) listed.push(w.workflowId);
      if (listed.length === 0) await new Promise((r) => setTimeout(r, 250));
    }
    expect(listed).toEqual([planned[0].workflowId]);
  });

  it('re-dispatching the same folder (twice concurrently) starts nothing', async () => {
    const [a, b] = await Promise.all([plan(), plan()]);
    const rows = await Promise.all([a, b].map((p) => startPlanned(p, { client: e.client, taskQueue: e.config.temporal.taskQueue, records: e.runtime.records })));
    expect(rows.flat().map((r) => r.status)).toEqual(['already-done', 'already-done']);
    // Still exactly one execution with that ID.
    const runs: string[] = [];
    for await (const w of e.client.workflow.list({ query: `WorkflowId = "${a[0].workflowId}"` })) runs.push(w.runId);
    expect(runs).toHaveLength(1);
  });

  it('the same sessions under a new analysis tag run no session activity: their partials are cached', async () => {
    const params = join(dir, 'analysis_parameters_retag.json');
    await writeFile(params, JSON.stringify({ analysis_parameter: { analysis_name: 'foraging-summary', analysis_tag: `${tag}-again` } }));
    const planned = await planDispatch({ jobs: [join(dir, 'job_697062.json')], parametersFile: params, codeVersion: codeVersion() });
    await startPlanned(planned, { client: e.client, taskQueue: e.config.temporal.taskQueue, records: e.runtime.records });
    const handle = e.client.workflow.getHandle(planned[0].workflowId);
    expect(await handle.result()).toMatchObject({ status: 'completed', sessions: 2, sessionsFromCache: 2 });
    const scheduled = (await handle.fetchHistory()).events?.flatMap((ev) => ev.activityTaskScheduledEventAttributes?.activityType?.name ?? []);
    expect(scheduled).toEqual(['resolveInputs', 'computeGroup', 'publishResults', 'writeRecord']);
  });

  it('rejects a bad job file before starting anything, naming the file and field', async () => {
    const bad = join(dir, 'bad');
    await import('node:fs/promises').then((fs) => fs.mkdir(bad));
    await writeFile(join(bad, 'job_ok.json'), JSON.stringify({ s3_location: ['s3://b/behavior_1_2024-01-01_00-00-00'] }));
    await writeFile(join(bad, 'job_bad.json'), JSON.stringify({ s3_location: [] }));
    const err = await planDispatch({ jobs: [bad], codeVersion: codeVersion(), analysis: 'foraging-summary' }).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).message).toContain('job_bad.json');
    expect((err as ValidationError).message).toContain('s3_location');
  });

  it('a corrupt NWB fails its workflow non-retryably with the file named, and records the failure', async () => {
    const corrupt = join(dir, 'behavior_697099_2024-01-01_10-00-00.nwb');
    await writeFile(corrupt, Buffer.from('\x89HDF\r\n\x1a\nthis is not really hdf5'));
    const loc = await uploadToS3(e.config, corrupt, `${prefix}/behavior_697099_2024-01-01_10-00-00`, 'behavior_697099_2024-01-01_10-00-00.nwb');
    const jobDir = join(dir, 'corrupt');
    await import('node:fs/promises').then((fs) => fs.mkdir(jobDir));
    await writeFile(join(jobDir, 'job.json'), JSON.stringify({ s3_location: [loc.replace(/\/[^/]+$/, '')] }));
    const planned = await planDispatch({ jobs: [jobDir], codeVersion: codeVersion(), analysis: 'foraging-summary' });
    await startPlanned(planned, { client: e.client, taskQueue: e.config.temporal.taskQueue, records: e.runtime.records });
    const err = await e.client.workflow.getHandle(planned[0].workflowId).result().catch((x: unknown) => x);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const cause = (err as WorkflowFailedError).cause as { cause?: { type?: string; message?: string; nonRetryable?: boolean } };
    expect(cause.cause?.type).toBe('InvalidInput');
    expect(cause.cause?.message).toContain('behavior_697099_2024-01-01_10-00-00.nwb');
    const record = await e.runtime.records.get(planned[0].input.dedupKey);
    expect(record?.status).toBe('failed');
    expect(record?.error?.file).toContain('behavior_697099_2024-01-01_10-00-00.nwb');
  });
});
