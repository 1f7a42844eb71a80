// Python analyses end to end on the real servers: the TypeScript worker resolves, publishes and
// records; a real Python worker (grouped-analysis-py, its own task queue) runs the analysis steps
// on real sessions in S3 (SeaweedFS); records in FerretDB. The template example, a batch mixing
// Python and TypeScript analyses, duplicate dispatch, bad parameters refused before any start,
// Python exceptions (retryable or not) in the failed record, and a SIGKILLed Python worker.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

// Before any import reads the registry: the probe analysis's manifest (its module is served by
// the Python worker below, with test/fixtures/python on its PYTHONPATH).
vi.hoisted(() => {
  process.env.GA_PYTHON_MANIFESTS = new URL('../fixtures/python/manifests', import.meta.url).pathname;
});

const { planDispatch, startPlanned } = await import('../../src/client/dispatch.js');
const { failureReason } = await import('../../src/client/progress.js');
const { PythonWorkerProcess, pythonCli } = await import('../../src/client/python-worker.js');
const { getAnalysis } = await import('../../src/analyses/registry.js');
const { ValidationError } = await import('../../src/schemas/errors.js');
const { codeVersion } = await import('../../src/current-code-version.js');
const { startE2E, uploadToS3, waitUntilListed } = await import('../support/e2e.js');
type E2E = Awaited<ReturnType<typeof startE2E>>;

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');
const HDF5 = ['697062_2023-11-14_11-12-44', '697062_2023-11-15_10-02-05'];
const EXAMPLE = 'example-py';
const LAB = 'grouped-analysis-py';
const ZARR = 'behavior_717531_2024-08-07_09-01-02';
const PROBE = 'e2e-probe-py';

describe('Python analyses on a Python worker, through the TypeScript workflow', () => {
  let e: E2E;
  let py: InstanceType<typeof PythonWorkerProcess>;
  let dir: string;
  let job: string;
  const tag = `py-${randomUUID().slice(0, 8)}`;
  const pyQueue = `e2e-py-${randomUUID()}`;

  beforeAll(async () => {
    // The probe's committed manifest is what its module exports today.
    await promisify(execFile)(await pythonCli(), ['export-manifest', '--analyses', 'e2e_probe:analysis', '--out', join(FIXTURES, 'python', 'manifests'), '--check'], {
      env: { ...process.env, PYTHONPATH: join(FIXTURES, 'python') },
    });
    e = await startE2E({ GA_PY_TASK_QUEUE: pyQueue });
    dir = await mkdtemp(join(tmpdir(), 'ga-e2e-py-'));
    py = new PythonWorkerProcess(
      { ...process.env, GA_PY_TASK_QUEUE: pyQueue, PYTHONPATH: join(FIXTURES, 'python') },
      [EXAMPLE, LAB, PROBE].map((name) => getAnalysis(name).servedBy!.entry),
      join(dir, 'python-worker.log'),
    );
    await py.start();
    const locations: string[] = [];
    for (const s of HDF5) {
      const uri = await uploadToS3(e.config, join(FIXTURES, 'real-nwb', `${s}.nwb`), `inputs-${tag}/behavior_${s}`, `${s}.nwb`);
      locations.push(uri.replace(/\/[^/]+$/, ''));
    }
    job = join(dir, 'job_697062.json');
    await writeFile(job, JSON.stringify({ s3_location: locations, group_metadata: { 'subject.subject_id': '697062' } }));
  });
  afterAll(async () => {
    await py?.stop();
    await e?.stop();
  });

  const params = async (name: string, values: Record<string, unknown>) => {
    const file = join(dir, `${name}-${randomUUID().slice(0, 6)}.json`);
    await writeFile(file, JSON.stringify({ analysis_parameter: { analysis_name: name, analysis_tag: tag, ...values } }));
    return file;
  };
  const plan = async (parametersFile: string, batchTag?: string) =>
    await planDispatch({ jobs: [job], parametersFile, codeVersion: codeVersion(), pythonTaskQueue: pyQueue, ...(batchTag ? { batchTag } : {}) });
  const start = (planned: Awaited<ReturnType<typeof plan>>) =>
    startPlanned(planned, { client: e.client, taskQueue: e.config.temporal.taskQueue, records: e.runtime.records });
  const scheduled = async (workflowId: string) =>
    ((await e.client.workflow.getHandle(workflowId).fetchHistory()).events ?? []).flatMap((ev) => {
      const a = ev.activityTaskScheduledEventAttributes;
      return a ? [`${a.activityType?.name}@${a.taskQueue?.name}`] : [];
    });

  it('runs the template example: verified outputs in S3, a completed record, the steps on the Python queue', async () => {
    const planned = await plan(await params(EXAMPLE, {}));
    expect(planned[0].input).toMatchObject({ analysisTaskQueue: pyQueue, analysisCodeVersion: getAnalysis(EXAMPLE).servedBy!.codeVersion });
    expect((await start(planned)).map((r) => r.status)).toEqual(['started']);
    const result = await e.client.workflow.getHandle(planned[0].workflowId).result();
    expect(result).toMatchObject({ status: 'completed', sessions: 2, subjectId: '697062' });

    const ts = e.config.temporal.taskQueue;
    expect(await scheduled(planned[0].workflowId)).toEqual([
      `resolveInputs@${ts}`,
      `analyzeSession@${pyQueue}`,
      `analyzeSession@${pyQueue}`,
      `computeGroup@${pyQueue}`,
      `publishResults@${ts}`,
      `writeRecord@${ts}`,
    ]);

    const key = planned[0].input.dedupKey;
    const record = await e.runtime.records.get(key);
    expect(record?.status).toBe('completed');
    expect(record?.analysis.code_version).toBe(getAnalysis(EXAMPLE).servedBy!.codeVersion);
    expect(record?.processing.data_processes[0].code.language).toBe('Python');
    expect(record?.processing.data_processes[0].output_parameters).toMatchObject({ n_sessions: 2 });
    const names = record!.outputs.map((o) => o.uri.split(`${key}/`)[1]);
    expect(names).toEqual(expect.arrayContaining(['trials_per_session.csv', 'figures/trials_697062.png', 'index.html', 'manifest.json']));
    expect(new Set(names).size).toBe(names.length);
    for (const o of record!.outputs) {
      const head = await e.runtime.deps.results.head(o.uri.slice(o.uri.indexOf(key)));
      expect(head?.size, o.uri).toBe(o.size);
      expect(head?.sha256, o.uri).toBe(o.sha256);
    }
    const report = new TextDecoder().decode(await e.runtime.deps.results.get(`${key}/index.html`));
    expect(report).toContain(`<code id="analysis-code-version">${getAnalysis(EXAMPLE).servedBy!.codeVersion}</code>`);
    const csv = new TextDecoder().decode(await e.runtime.deps.results.get(`${key}/trials_per_session.csv`));
    expect(csv.trim().split('\n')).toHaveLength(3); // header + one line per session

    expect(await waitUntilListed(e.client, `DedupKey = "${key}" AND AnalysisName = "${EXAMPLE}" AND SubjectId = "697062"`)).toEqual([planned[0].workflowId]);
  });

  it('runs the lab\'s grouped analysis in Python (session-group mode) on the real Zarr session in S3', async () => {
    const location = (await uploadToS3(e.config, join(FIXTURES, 'real-nwb', `${ZARR}.nwb`), `inputs-${tag}/${ZARR}`, `${ZARR}.nwb`)).replace(/\/[^/]+$/, '');
    const labJob = join(dir, 'job_717531.json');
    await writeFile(labJob, JSON.stringify({ s3_location: [location], group_metadata: { 'subject.subject_id': '717531' } }));
    const file = await params(LAB, { channels: { G_1: 'fiber 1' }, preprocessing: 'preprocessed', fit_source: join(FIXTURES, 'fits', 'real-nwb-qlearning.json') });
    const planned = await planDispatch({ jobs: [labJob], parametersFile: file, codeVersion: codeVersion(), pythonTaskQueue: pyQueue });
    await start(planned);
    expect(await e.client.workflow.getHandle(planned[0].workflowId).result()).toMatchObject({ status: 'completed', sessions: 1, subjectId: '717531' });
    const key = planned[0].input.dedupKey;
    const record = await e.runtime.records.get(key);
    expect(record?.status).toBe('completed');
    const names = record!.outputs.map((o) => o.uri.split(`${key}/`)[1]);
    // The TypeScript plugin's table names.
    expect(names).toEqual(expect.arrayContaining(['sessions/717531_2024-08-07/df_trials.parquet', 'sessions/717531_2024-08-07/df_fip.parquet', 'rpe_slope.parquet', 'sessions.csv']));
    for (const o of record!.outputs) expect((await e.runtime.deps.results.head(o.uri.slice(o.uri.indexOf(key))))?.sha256, o.uri).toBe(o.sha256);
    expect(await scheduled(planned[0].workflowId)).toContain(`analyzeSession@${pyQueue}`);
  });

  it('dispatched twice at once after completion: nothing starts, one execution, one record', async () => {
    const file = await params(EXAMPLE, {});
    const [a, b] = await Promise.all([plan(file), plan(file)]);
    const rows = await Promise.all([a, b].map(start));
    expect(rows.flat().map((r) => r.status)).toEqual(['already-done', 'already-done']);
    const runs: string[] = [];
    for await (const w of e.client.workflow.list({ query: `WorkflowId = "${a[0].workflowId}"` })) runs.push(w.runId);
    expect(runs).toHaveLength(1);
    expect(await e.runtime.records.getMany([a[0].input.dedupKey])).toHaveLength(1);
  });

  it('runs a batch mixing Python and TypeScript analyses for the same mouse', async () => {
    const batchTag = `mixed-${tag}`;
    const planned = [...(await plan(await params(PROBE, {}), batchTag)), ...(await plan(await params('foraging-summary', {}), batchTag))];
    await start(planned);
    const results = await Promise.all(planned.map((p) => e.client.workflow.getHandle(p.workflowId).result()));
    expect(results.map((r) => r.status)).toEqual(['completed', 'completed']);
    const probe = new TextDecoder().decode(await e.runtime.deps.results.get(`${planned[0].input.dedupKey}/probe.json`));
    expect((JSON.parse(probe) as { sessions: string[] }).sessions.map((s) => s.split('/').pop())).toEqual(HDF5.map((s) => `${s}.nwb`));
    const records = await e.runtime.records.getMany(planned.map((p) => p.input.dedupKey));
    expect(records.map((r) => [r.analysis.name, r.status, r.processing.data_processes[0].code.language]).sort()).toEqual([
      [PROBE, 'completed', 'Python'],
      ['foraging-summary', 'completed', 'TypeScript'],
    ]);
  });

  it('refuses bad parameters before anything starts, naming the file, the path and the fix', async () => {
    const file = await params(PROBE, { sleep_secs: 1 });
    const err = await plan(file).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as InstanceType<typeof ValidationError>).issues[0]).toMatchObject({
      file,
      jsonPath: '$.analysis_parameter.sleep_secs',
      fix: expect.stringContaining('did you mean "sleep_seconds"'),
    });
    await expect(plan(await params(PROBE, { sleep_seconds: -1 }))).rejects.toThrow(/\$\.analysis_parameter\.sleep_seconds/);
  });

  it('a non-retryable Python exception fails the run at once: its type, message and traceback in the failed record', async () => {
    const planned = await plan(await params(PROBE, { fail_with: 'ValueError' }));
    await start(planned);
    const err = await e.client.workflow.getHandle(planned[0].workflowId).result().catch((x: unknown) => x);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect(failureReason(err)).toMatch(/ValueError: the probe was told to raise ValueError/);
    const record = await e.runtime.records.get(planned[0].input.dedupKey);
    expect(record?.status).toBe('failed');
    expect(record?.error).toMatchObject({ step: 'group', message: expect.stringContaining('the probe was told to raise ValueError'), type: expect.stringContaining('ValueError') });
    expect(record?.error?.traceback).toContain('e2e_probe.py');
    // Not retried: one attempt of computeGroup.
    const started = ((await e.client.workflow.getHandle(planned[0].workflowId).fetchHistory()).events ?? []).flatMap((ev) => ev.activityTaskStartedEventAttributes ?? []);
    expect(started.at(-1)?.attempt).toBe(1);
  });

  it('InvalidInput from the analysis fails at once, naming the file', async () => {
    const planned = await plan(await params(PROBE, { fail_with: 'InvalidInput' }));
    await start(planned);
    await expect(e.client.workflow.getHandle(planned[0].workflowId).result()).rejects.toBeInstanceOf(WorkflowFailedError);
    const record = await e.runtime.records.get(planned[0].input.dedupKey);
    // The session as the job named it, not the worker's staged copy.
    expect(record?.error).toMatchObject({ type: 'InvalidInput', message: expect.stringContaining('refuse its input'), file: expect.stringMatching(/^s3:\/\/.+\/697062_2023-11-14_11-12-44\.nwb$/) });
  });

  it('any other Python exception is retried by the workflow policy (then the run is cancelled and recorded failed)', async () => {
    const planned = await plan(await params(PROBE, { fail_with: 'RuntimeError' }));
    await start(planned);
    const handle = e.client.workflow.getHandle(planned[0].workflowId);
    let attempt = 0;
    for (let i = 0; i < 100 && attempt < 2; i++) {
      attempt = Math.max(0, ...((await handle.describe()).raw.pendingActivities ?? []).map((p) => p.attempt ?? 0));
      if (attempt < 2) await new Promise((r) => setTimeout(r, 200));
    }
    expect(attempt).toBeGreaterThanOrEqual(2);
    const pending = (await handle.describe()).raw.pendingActivities?.[0];
    expect(pending?.lastFailure?.message).toContain('the probe was told to raise RuntimeError');
    await handle.cancel();
    await expect(handle.result()).rejects.toBeInstanceOf(WorkflowFailedError);
    expect((await e.runtime.records.get(planned[0].input.dedupKey))?.status).toBe('failed');
  });

  it('a SIGKILLed Python worker loses nothing: the run completes after it restarts, each output once', async () => {
    const planned = await plan(await params(PROBE, { sleep_seconds: 6 }));
    await start(planned);
    const handle = e.client.workflow.getHandle(planned[0].workflowId);
    // Kill it while computeGroup runs (it sleeps, heartbeating).
    for (let i = 0; i < 200; i++) {
      const d = await handle.describe();
      if ((d.raw.pendingActivities ?? []).some((p) => p.activityType?.name === 'computeGroup' && p.lastStartedTime)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await py.signal('SIGKILL')).toMatchObject({ signal: 'SIGKILL' });
    await py.start();
    const result = await handle.result();
    expect(result.status).toBe('completed');
    const key = planned[0].input.dedupKey;
    const record = await e.runtime.records.get(key);
    const names = record!.outputs.map((o) => o.uri.split(`${key}/`)[1]).sort();
    expect(names).toEqual(['index.html', 'manifest.json', 'probe.json']);
    const stored: string[] = [];
    for await (const o of e.runtime.deps.results.list(`${key}/`)) stored.push(o.key.slice(key.length + 1));
    expect(stored.sort()).toEqual(names);
    const attempts = ((await handle.fetchHistory()).events ?? []).flatMap((ev) => ev.activityTaskStartedEventAttributes ?? []).map((a) => a.attempt);
    expect(Math.max(...attempts.map(Number))).toBeGreaterThanOrEqual(2);
  });
});
