// End to end on the real servers: real NWB sessions in S3 (SeaweedFS), a real worker on the
// Temporal dev server, records in FerretDB. Dispatch, complete, re-dispatch (nothing reruns),
// bad job rejected before any start, corrupt NWB fails its workflow non-retryably; every run that
// fails while resolving its inputs (a missing file, a missing fit_source, an unknown analysis, a
// cancellation) fails at once with a `failed` record naming the step, the file and the message;
// concurrent dispatchers of one job get exactly one `started`.
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WriteRecordArgs } from '../../src/activities/analysis.js';
import { planDispatch, startPlanned } from '../../src/client/dispatch.js';
import { failureReason } from '../../src/client/progress.js';
import { computeDedupKey, workflowIdFor } from '../../src/schemas/dedup-key.js';
import { connectWorker } from '../../src/temporal/connection.js';
import { createWorker } from '../../src/temporal/worker-factory.js';
import { analysisWorkflow } from '../../src/workflows/analysis.js';
import type { AnalysisWorkflowInput } from '../../src/workflows/analysis-types.js';
import { ValidationError } from '../../src/schemas/errors.js';
import { codeVersion } from '../../src/current-code-version.js';
import { startE2E, uploadToS3, waitUntilListed, type E2E } from '../support/e2e.js';

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
  // Runs that no worker finishes (an idle task queue) or that might retry: ended after the tests.
  const toTerminate: string[] = [];
  afterAll(async () => {
    if (e) await Promise.all(toTerminate.map((id) => e.client.workflow.getHandle(id).terminate('e2e cleanup').catch(() => undefined)));
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
    const listed = await waitUntilListed(e.client, `DedupKey = "${planned[0].input.dedupKey}" AND SubjectId = "697062" AND AnalysisName = "foraging-summary"`);
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

  /** Each activity's attempts, as the run's history records them when it completes or fails. */
  const attempts = async (handle: WorkflowHandle) =>
    (await handle.fetchHistory()).events?.flatMap((ev) => {
      const started = ev.activityTaskStartedEventAttributes;
      return started ? [started.attempt] : [];
    });

  /** The run's outcome within `seconds`, or 'still running' (a retried failure would take ~35 min). */
  const settled = (handle: WorkflowHandle, seconds = 60) =>
    Promise.race([handle.result().then(() => 'completed', (x: unknown) => x), new Promise((ok) => setTimeout(() => ok('still running'), seconds * 1000))]);

  it('a job naming a missing file fails at once, with a failed record naming the step, the file and the message', async () => {
    const missing = join(dir, 'behavior_697097_2024-01-01_10-00-00.nwb'); // never written
    const jobDir = join(dir, 'missing');
    await mkdir(jobDir);
    await writeFile(join(jobDir, 'job.json'), JSON.stringify({ s3_location: [missing] }));
    const planned = await planDispatch({ jobs: [jobDir], codeVersion: codeVersion(), analysis: 'foraging-summary' });
    const [row] = await startPlanned(planned, { client: e.client, taskQueue: e.config.temporal.taskQueue, records: e.runtime.records });
    expect(row.status).toBe('started');
    const handle = e.client.workflow.getHandle(planned[0].workflowId);
    const err = await settled(handle);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    // What `dispatch --wait` prints for it.
    expect(failureReason(err)).toMatch(/^InvalidInput: .*behavior_697097_2024-01-01_10-00-00\.nwb/);
    expect(await handle.query('progress')).toMatchObject({ step: 'failed' });

    const record = await e.runtime.records.get(planned[0].input.dedupKey);
    expect(record).toMatchObject({ status: 'failed', error: { step: 'resolving', type: 'InvalidInput' }, inputs: { files: [] } });
    expect(record?.error?.file).toContain('behavior_697097_2024-01-01_10-00-00.nwb');
    expect(record?.error?.message).toContain('behavior_697097_2024-01-01_10-00-00.nwb');
    expect(await attempts(handle)).toEqual([1, 1]); // resolveInputs once, writeRecord once
  });

  it('a missing fit_source fails at once and leaves a failed record, not a running one', async () => {
    const fit = join(dir, 'no-such-fit.json');
    const params = join(dir, 'analysis_parameters_fit.json');
    await writeFile(params, JSON.stringify({ analysis_parameter: { analysis_name: 'grouped-analysis', analysis_tag: `${tag}-fit`, channels: { G_1: 'NAc' }, fit_source: fit } }));
    const planned = await planDispatch({ jobs: [join(dir, 'job_697062.json')], parametersFile: params, codeVersion: codeVersion() });
    await startPlanned(planned, { client: e.client, taskQueue: e.config.temporal.taskQueue, records: e.runtime.records });
    const handle = e.client.workflow.getHandle(planned[0].workflowId);
    const err = await settled(handle);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect(failureReason(err)).toContain('no-such-fit.json');
    const record = await e.runtime.records.get(planned[0].input.dedupKey);
    expect(record).toMatchObject({ status: 'failed', error: { step: 'resolving', type: 'InvalidInput' } });
    expect(record?.error?.file).toContain('no-such-fit.json');
    expect(await attempts(handle)).toEqual([1, 1]);
  });

  it('an unknown analysis in a run started by hand fails at once, naming the registered analyses, with a failed record', async () => {
    const [p] = await plan();
    const analysisName = 'no-such-analysis';
    const analysisTag = `${tag}-unknown`;
    const parameters = { ...p.input.parameters, analysis_tag: analysisTag };
    const dedupKey = computeDedupKey({ analysisName, analysisVersion: p.input.analysisVersion, codeVersion: p.input.codeVersion, inputLocations: p.input.inputs.locations, parameters });
    const workflowId = workflowIdFor({ analysisName, subjectId: p.input.subjectId, analysisTag, key: dedupKey });
    toTerminate.push(workflowId);
    const handle = await e.client.workflow.start(analysisWorkflow, {
      taskQueue: e.config.temporal.taskQueue,
      workflowId,
      args: [{ ...p.input, analysisName, analysisTag, parameters, dedupKey }],
    });
    const err = await settled(handle);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect(failureReason(err)).toMatch(/^InvalidInput: unknown analysis "no-such-analysis": registered analyses are .*foraging-summary/);
    expect(await attempts(handle)).toEqual([1, 1]);
    const record = await e.runtime.records.get(dedupKey);
    expect(record).toMatchObject({ status: 'failed', error: { step: 'resolving', type: 'InvalidInput' } });
    expect(record?.error?.message).toContain('no-such-analysis');
  });

  it('two dispatchers of the same job at once: exactly one started, the other attached (already-running)', async () => {
    // No worker polls this queue: the run stays running, so only the start decides the outcome.
    const idle = `idle-${randomUUID()}`;
    const params = join(dir, 'analysis_parameters_race.json');
    await writeFile(params, JSON.stringify({ analysis_parameter: { analysis_name: 'foraging-summary', analysis_tag: `${tag}-race` } }));
    const planRace = () => planDispatch({ jobs: [join(dir, 'job_697062.json')], parametersFile: params, codeVersion: codeVersion() });
    const [a, b] = await Promise.all([planRace(), planRace()]);
    toTerminate.push(a[0].workflowId);
    const start = (p: typeof a) => startPlanned(p, { client: e.client, taskQueue: idle, records: e.runtime.records });
    const rows = (await Promise.all([start(a), start(b)])).flat();
    expect(rows.map((r) => r.status).sort()).toEqual(['already-running', 'started']);
    // A later dispatcher, however soon after, attaches too.
    expect((await start(a)).map((r) => r.status)).toEqual(['already-running']);
    const runs: string[] = [];
    for await (const w of e.client.workflow.list({ query: `WorkflowId = "${a[0].workflowId}"` })) runs.push(w.runId);
    expect(runs.length).toBeLessThanOrEqual(1); // visibility may lag; never two
  });
});

// The workflow's failure paths with stand-in activities on a worker of their own (real workflow
// code on the dev server): cancelled while resolving, and a failure record that cannot be written.
describe('analysisWorkflow failure paths (stand-in activities)', () => {
  let e: E2E;
  let worker: Worker;
  let running: Promise<void>;
  const taskQueue = `stand-in-${randomUUID()}`;
  const written: WriteRecordArgs[] = [];
  let resolving: () => void;
  const resolverStarted = new Promise<void>((ok) => (resolving = ok));
  let release: () => void;
  const released = new Promise<void>((ok) => (release = ok));
  const stand: Record<string, (...args: never[]) => Promise<unknown>> = {
    // For the subject 'slow', blocks until the test releases it (after the run was cancelled).
    async resolveInputs(w: AnalysisWorkflowInput) {
      if (w.subjectId === 'slow') {
        resolving();
        await released;
      }
      return { kind: 'resolved', sessions: [{ uri: 's3://b/s.nwb', size: 1, fingerprint: 'f' }], outputPrefix: 's3://b/x/', warnings: [], cachedPartials: [null] };
    },
    async analyzeSession() {
      throw ApplicationFailure.create({ type: 'InvalidInput', message: 'not an HDF5 file: s3://b/s.nwb', nonRetryable: true, details: [{ file: 's3://b/s.nwb' }] });
    },
    async writeRecord(a: WriteRecordArgs) {
      written.push(a);
      if (a.workflow.subjectId === 'unrecordable') throw ApplicationFailure.create({ type: 'InvalidInput', message: 'the record cannot be built', nonRetryable: true });
    },
  };
  const input = (subjectId: string): AnalysisWorkflowInput => ({
    analysisName: 'foraging-summary',
    analysisVersion: '1.0.0',
    codeVersion: codeVersion(),
    dedupKey: randomUUID().replaceAll('-', '').repeat(2),
    subjectId,
    analysisTag: 'stand-in',
    parameters: {},
    inputs: { locations: ['s3://b/x'] },
  });

  beforeAll(async () => {
    e = await startE2E();
    worker = await createWorker({ connection: await connectWorker(e.config.temporal), namespace: e.config.temporal.namespace, taskQueue, activities: stand });
    running = worker.run();
  });
  afterAll(async () => {
    worker?.shutdown();
    await running;
    await e?.stop();
  });

  it('a run cancelled while resolving its inputs ends with a failed record (step resolving)', async () => {
    const handle = await e.client.workflow.start(analysisWorkflow, { taskQueue, workflowId: `stand-in/${randomUUID()}`, args: [input('slow')] });
    await resolverStarted;
    await handle.cancel();
    const err = await handle.result().catch((x: unknown) => x);
    release();
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const records = written.filter((a) => a.workflow.subjectId === 'slow');
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ status: 'failed', sessions: [], error: { step: 'resolving' } });
  });

  it('a failure whose record cannot be written still fails the run with its own reason', async () => {
    const handle = await e.client.workflow.start(analysisWorkflow, { taskQueue, workflowId: `stand-in/${randomUUID()}`, args: [input('unrecordable')] });
    const err = await handle.result().catch((x: unknown) => x);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect(failureReason(err)).toBe('InvalidInput: not an HDF5 file: s3://b/s.nwb');
    expect(written.filter((a) => a.workflow.subjectId === 'unrecordable')).toMatchObject([{ status: 'failed', error: { step: 'sessions', file: 's3://b/s.nwb' } }]);
  });
});
