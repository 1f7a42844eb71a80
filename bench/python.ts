// npm run bench:python [-- --jobs N --repeats N --sessions N --parts N]
// What running an analysis on the Python worker costs next to running it in the TypeScript worker,
// in one run on the real servers (Temporal dev server; results in S3 = SeaweedFS, records in
// FerretDB, inputs in S3: the production path, where the Python worker downloads each session
// and uploads its outputs; on the local stores both are a file copy). The TypeScript worker runs
// in this process (its own task queue); the Python worker is a `grouped-analysis-py worker`
// process on another (GA_PY_TASK_QUEUE), as npm start runs them.
// 1. Per-job overhead: --jobs small jobs per side (one real session each, its own S3 copy so no
//    cache helps), one at a time, the two sides alternating. Python: noop-py (bench/python/, job
//    mode, writes one tiny JSON, never opens the session); TypeScript: foraging-summary (there is
//    no trivial TypeScript analysis) with its compute (NWB read, perSession.run, group; timed
//    around those calls in this process) subtracted. Overhead = workflow execution (Temporal's
//    start to close) minus the analysis's compute; per activity type, schedule-to-start and
//    start-to-close from the workflow history. Then the Python activities taken apart with the
//    worker's own code (bench/python/parts.py) and the TypeScript counterparts timed here.
// 2. Wall time of a Python analysis vs a TypeScript one on the same mouse, cold (fresh S3 copies
//    of the sessions, fresh results prefix: no partial or download cache): example-py vs
//    foraging-summary on 697062 (two real sessions) and a generated --sessions mouse (different
//    work), and the same analysis in both languages: grouped-analysis-py (the lab's packages) vs
//    grouped-analysis on the real Zarr session 717531, given the same fit_source. Not a test.
import '../test/support/load-services-env.js';
import './lib/bench-manifests.js';
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { constants as perfConstants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import { basename, dirname, join, relative, sep } from 'node:path';
import { CopyObjectCommand, DeleteObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { activityInfo } from '@temporalio/activity';
import { defaultPayloadConverter } from '@temporalio/common';
import { DefaultLogger, Runtime, type Worker } from '@temporalio/worker';
import { Command } from 'commander';
import { MongoClient } from 'mongodb';
import { createAnalysisActivities } from '../src/activities/analysis.js';
import type { ProcessingRecord } from '../src/activities/record.js';
import type { AnyAnalysis } from '../src/analyses/define.js';
import { getAnalysis } from '../src/analyses/registry.js';
import { planDispatch, startPlanned, type PlannedJob } from '../src/client/dispatch.js';
import { PythonWorkerProcess } from '../src/client/python-worker.js';
import { limiter } from '../src/concurrency.js';
import { loadConfig } from '../src/config.js';
import { openNwb, type RemoteResolver } from '../src/nwb/open.js';
import { createS3Resolver } from '../src/nwb/s3.js';
import { readSession } from '../src/nwb/session.js';
import { createRuntime } from '../src/runtime.js';
import { s3ClientFor } from '../src/stores/from-config.js';
import { parseS3Uri } from '../src/stores/s3.js';
import { connectClient, connectWorker } from '../src/temporal/connection.js';
import { createWorker } from '../src/temporal/worker-factory.js';
import { codeVersion } from '../src/current-code-version.js';
import { NOOP_PY_SPEC, PYTHON } from './lib/bench-manifests.js';
import { acceptedSessions, generatedMouse } from './lib/data.js';
import { runTimeline, type ActivitySpan, type RunTimeline } from './lib/history.js';
import { REPO_ROOT } from './lib/paths.js';
import { integerAtLeast, median, quantile, seconds, table, times } from './lib/report.js';
import { timeActivities } from './lib/timed-activities.js';

const o = new Command()
  .option('--jobs <n>', 'small jobs per side for the per-job overhead (one session each)', integerAtLeast(1), 20)
  .option('--repeats <n>', 'cold runs per side and mouse for the wall times (median)', integerAtLeast(1), 3)
  .option('--sessions <n>', 'sessions of the generated mouse', integerAtLeast(1), 10)
  .option('--parts <n>', 'repetitions of each part of the Python activities', integerAtLeast(1), 8)
  .parse()
  .opts<{ jobs: number; repeats: number; sessions: number; parts: number }>();

const t0 = performance.now();
Runtime.install({ logger: new DefaultLogger('ERROR') });
const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'real-nwb');
const SMALL_SESSION = join(FIXTURES, '697062_2023-11-15_10-02-05.nwb');
const REAL_MOUSE = ['697062_2023-11-14_11-12-44.nwb', '697062_2023-11-15_10-02-05.nwb'].map((f) => join(FIXTURES, f));
const NOOP = 'noop-py';
const EXAMPLE = 'example-py';
const TS_ANALYSIS = 'foraging-summary';
// The issue's comparison: the lab's grouped analysis in Python vs the TypeScript plugin, both given
// the same fitted model (the lab's fitter is slow) on the real Zarr session with photometry.
const LAB = 'grouped-analysis-py';
const TS_GROUPED = 'grouped-analysis';
const GROUPED_PARAMETERS = { channels: { G_1: 'fiber 1', G_2: 'fiber 2' }, preprocessing: 'preprocessed', fit_source: join(FIXTURES, '..', 'fits', 'real-nwb-qlearning.json') };
const ZARR_MOUSE = [join(FIXTURES, 'behavior_717531_2024-08-07_09-01-02.nwb')];
const ANALYSIS_STEPS = ['analyzeSession', 'computeGroup'];
const ACTIVITY_TYPES = ['resolveInputs', 'analyzeSession', 'computeGroup', 'publishResults', 'writeRecord'];
const sec = (x: number) => (Number.isFinite(x) ? seconds(x) : '–');
const ms = (x: number) => (Number.isFinite(x) ? `${x.toFixed(Math.abs(x) < 1 ? 2 : Math.abs(x) < 10 ? 1 : 0)} ms` : '–');

// ---- configuration: the real servers, this run's own prefix, collection and task queues ----
if (!process.env.ANALYSIS_BUCKET || !process.env.MONGODB_URI) {
  throw new Error('bench:python runs on S3 and FerretDB: start the servers with `npm run services -- up` (ANALYSIS_BUCKET / MONGODB_URI unset)');
}
const id = randomUUID().slice(0, 8);
const { bucket, prefix: basePrefix } = parseS3Uri(process.env.ANALYSIS_BUCKET);
const root = [basePrefix, `bench-python-${id}`].filter(Boolean).join('/');
const dir = await mkdtemp(join(tmpdir(), 'ga-bench-python-'));
const pyQueue = `bench-python-py-${randomUUID()}`;
const env: NodeJS.ProcessEnv = {
  ...process.env,
  TEMPORAL_TASK_QUEUE: `bench-python-${randomUUID()}`,
  GA_PY_TASK_QUEUE: pyQueue,
  ANALYSIS_BUCKET: `s3://${bucket}/${root}/results`,
  MONGODB_DB: 'grouped_analysis_bench',
  DOCDB_COLLECTION: `python_${id}`,
  // Download caches of this run only (cold, and deleted with it).
  GA_NWB_CACHE_DIR: join(dir, 'nwb-cache'),
  GA_PY_SCRATCH_DIR: join(dir, 'py-scratch'),
  PYTHONDONTWRITEBYTECODE: '1',
};
delete env.GA_LOCAL_RESULTS_DIR;
delete env.GA_LOCAL_RECORDS_DIR;
const config = loadConfig(env);
const version = codeVersion(env);
const runtime = await createRuntime(config, env);
const s3 = (await s3ClientFor(config)) as S3Client;

// ---- the TypeScript worker, with the analysis's compute timed apart from the framework ----
interface Timed {
  /** HDF5 download into the worker's cache (framework: the Python worker stages sessions too). */
  download: number;
  /** openNwb + readSession (download excluded): the analysis's read, done for it by the framework. */
  read: number;
  run: number;
  group: number;
  /** Time inside each activity function, by activity type. */
  inside: Record<string, number>;
  /** When each activity function ran (performance.now()), by activity type. */
  windows: Record<string, [number, number][]>;
}
const timed = new Map<string, Timed>();
const timedOf = (): Timed => {
  const wf = activityInfo().workflowExecution?.workflowId ?? '';
  let t = timed.get(wf);
  if (!t) timed.set(wf, (t = { download: 0, read: 0, run: 0, group: 0, inside: {}, windows: {} }));
  return t;
};
const remote: RemoteResolver = createS3Resolver({ client: s3, cacheDir: config.nwbCacheDir });
const timedRemote: RemoteResolver = async (location) => {
  const started = performance.now();
  try {
    return await remote(location);
  } finally {
    timedOf().download += performance.now() - started;
  }
};
const wrapped = new Map<string, AnyAnalysis>();
const analysisActivities = createAnalysisActivities({
  ...runtime.deps,
  // As createRuntime's, with the download timed on its own.
  async loadSession(uri, request) {
    const started = performance.now();
    const before = timedOf().download;
    const source = await openNwb(uri, { remote: timedRemote });
    try {
      return await readSession(source, request);
    } finally {
      await source.close();
      const t = timedOf();
      t.read += performance.now() - started - (t.download - before);
    }
  },
  getAnalysis(name) {
    const a = runtime.deps.getAnalysis(name);
    if (a.servedBy) return a;
    let w = wrapped.get(name);
    if (!w) {
      const run = a.perSession.run.bind(a.perSession) as (...args: unknown[]) => unknown;
      const group = a.group.bind(a) as (...args: unknown[]) => Promise<unknown>;
      w = {
        ...a,
        perSession: {
          ...a.perSession,
          run: (...args: unknown[]) => {
            const started = performance.now();
            try {
              return run(...args);
            } finally {
              timedOf().run += performance.now() - started;
            }
          },
        },
        group: async (...args: unknown[]) => {
          const started = performance.now();
          try {
            return await group(...args);
          } finally {
            timedOf().group += performance.now() - started;
          }
        },
      } as unknown as AnyAnalysis;
      wrapped.set(name, w);
    }
    return w;
  },
});
const activities = {
  ...runtime.activities,
  ...timeActivities(analysisActivities, (name, started, ended) => {
    const t = timedOf();
    t.inside[name] = (t.inside[name] ?? 0) + ended - started;
    (t.windows[name] ??= []).push([started, ended]);
  }),
};

// Garbage collections of this process (the TypeScript worker's): the activities' forced full
// collection after each session (collectGarbage) and V8's own, attributed to the activity windows.
const gcs: { start: number; duration: number; forced: boolean }[] = [];
const gcEntry = (e: PerformanceEntry) => ({
  start: e.startTime,
  duration: e.duration,
  // `detail` (kind, flags) is missing from @types/node 20's PerformanceEntry.
  forced: (((e as unknown as { detail?: { flags?: number } }).detail?.flags ?? 0) & perfConstants.NODE_PERFORMANCE_GC_FLAGS_FORCED) !== 0,
});
const gcObserver = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcs.push(gcEntry(e));
});
gcObserver.observe({ entryTypes: ['gc'] });
/** GC pause time inside a workflow's activity functions of one type (forced: collectGarbage's only). */
const gcIn = (workflowId: string, type: string, forced: boolean) => {
  const windows = timed.get(workflowId)?.windows[type] ?? [];
  // Each pause once, though parallel sessions' windows overlap (a pause stops them all).
  return gcs.filter((g) => g.forced === forced && windows.some(([from, to]) => g.start >= from && g.start < to)).reduce((sum, g) => sum + g.duration, 0);
};

const client = await connectClient(config.temporal);
const python = new PythonWorkerProcess(env, [NOOP, EXAMPLE, LAB].map((n) => getAnalysis(n).servedBy!.entry), join(dir, 'python-worker.log'));
const pyStartedAt = performance.now();
let pyStartMs = 0;
let worker: Worker | undefined;
let running: Promise<void> | undefined;
/** Starts both workers (at once: bundling the workflows and the Python imports take seconds each). */
async function startWorkers(): Promise<void> {
  const [ts, py] = await Promise.allSettled([
    connectWorker(config.temporal).then((connection) =>
      createWorker({
        connection,
        namespace: config.temporal.namespace,
        taskQueue: config.temporal.taskQueue,
        activities,
        maxConcurrentActivityTaskExecutions: config.concurrency.maxConcurrentActivities,
        maxConcurrentWorkflowTaskExecutions: config.concurrency.maxConcurrentWorkflowTasks,
      }),
    ),
    python.start().then(() => (pyStartMs = performance.now() - pyStartedAt)),
  ]);
  if (ts.status === 'fulfilled') {
    worker = ts.value;
    running = worker.run();
  }
  if (ts.status === 'rejected') throw ts.reason;
  if (py.status === 'rejected') throw py.reason;
}

// ---- inputs: each case's sessions are fresh S3 copies (new URIs: no cache of either side helps) ----
// A session is a file (HDF5) or a folder of objects (Zarr): uploaded once, as its objects' keys
// relative to the session (a file: its own name).
const sources = new Map<string, { prefix: string; parts: string[] }>();
async function upload(file: string): Promise<{ prefix: string; parts: string[] }> {
  let src = sources.get(file);
  if (!src) {
    const prefix = `${root}/inputs/_src/${sources.size}`;
    const entries = await readdir(file, { recursive: true, withFileTypes: true }).catch(() => null);
    const parts = entries === null ? [basename(file)] : entries.filter((e) => e.isFile()).map((e) => `${basename(file)}/${relative(file, join(e.parentPath, e.name)).split(sep).join('/')}`);
    const putting = limiter(16);
    await Promise.all(parts.map((part) => putting(async () => s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${prefix}/${part}`, Body: await readFile(join(dirname(file), part)) })))));
    src = { prefix, parts };
    sources.set(file, src);
  }
  return src;
}
/** Copies the files to `<case>/behavior_<...>/<file>`; returns the job's locations (one folder per session). */
async function freshCopies(caseName: string, files: string[]): Promise<string[]> {
  return await Promise.all(
    files.map(async (file) => {
      const name = basename(file);
      const folder = `${root}/inputs/${caseName}/${name.startsWith('behavior_') ? name.replace(/\.nwb$/, '') : `behavior_${name.replace(/\.nwb$/, '')}`}`;
      const src = await upload(file);
      const copying = limiter(16);
      await Promise.all(src.parts.map((part) => copying(() => s3.send(new CopyObjectCommand({ Bucket: bucket, Key: `${folder}/${part}`, CopySource: `${bucket}/${src.prefix}/${part}` })))));
      return `s3://${bucket}/${folder}`;
    }),
  );
}

let jobCount = 0;
async function plan(subject: string, locations: string[], parameters: Record<string, unknown>): Promise<PlannedJob> {
  const jobDir = join(dir, 'jobs', String(jobCount++));
  await mkdir(jobDir, { recursive: true });
  const jobFile = join(jobDir, `job_${subject}.json`);
  const parametersFile = join(jobDir, 'analysis_parameters.json');
  await writeFile(jobFile, JSON.stringify({ s3_location: locations, group_metadata: { 'subject.subject_id': subject } }));
  await writeFile(parametersFile, JSON.stringify({ analysis_parameter: { ...parameters, analysis_tag: `bench-python-${id}` } }));
  const [planned] = await planDispatch({ jobs: [jobFile], parametersFile, codeVersion: version, pythonTaskQueue: pyQueue });
  return planned;
}

interface Run {
  planned: PlannedJob;
  /** startPlanned to result, as the client sees it. */
  clientMs: number;
  timeline: RunTimeline;
  record: ProcessingRecord;
}
async function runOne(planned: PlannedJob): Promise<Run> {
  const started = performance.now();
  const [row] = await startPlanned([planned], { client, taskQueue: config.temporal.taskQueue, records: runtime.records });
  if (row.status !== 'started') throw new Error(`${planned.workflowId}: ${row.status} (${row.message ?? ''})`);
  await client.workflow.getHandle(planned.workflowId).result();
  const clientMs = performance.now() - started;
  const record = await runtime.records.get(planned.input.dedupKey);
  if (record?.status !== 'completed') throw new Error(`${planned.workflowId}: record ${record?.status}`);
  return { planned, clientMs, timeline: await runTimeline(client, planned.workflowId), record };
}

const span = (a: ActivitySpan | undefined) => ({ queue: a ? a.started - a.scheduled : NaN, exec: a ? a.closed - a.started : NaN });
const activity = (r: Run, type: string) => r.timeline.activities.find((a) => a.type === type);
const execution = (r: Run) => r.timeline.closed - r.timeline.started;
/** Workflow-task turns: execution time outside every activity (sequential activities only). */
const turns = (r: Run) => execution(r) - r.timeline.activities.reduce((s, a) => s + a.closed - a.scheduled, 0);
const noopTimes = (r: Run) => r.record.processing.data_processes[0].output_parameters as { run_entered: number; run_left: number };

/** The analysis's own compute in a run: Python noop-py's run(); TypeScript's read + perSession.run + group. */
function compute(r: Run): number {
  if (r.planned.input.analysisTaskQueue) {
    const t = noopTimes(r);
    return (t.run_left - t.run_entered) * 1000;
  }
  const t = timed.get(r.planned.workflowId)!;
  return t.read + t.run + t.group;
}
/** Compute inside one analysis step (TypeScript: read + run in analyzeSession, group in computeGroup). */
function stepCompute(r: Run, type: string): number {
  if (r.planned.input.analysisTaskQueue) return type === 'computeGroup' ? compute(r) : 0;
  const t = timed.get(r.planned.workflowId)!;
  return type === 'analyzeSession' ? t.read + t.run : t.group;
}

const rows1: string[][] = [];
const activityRows: string[][] = [];
const partsRows: string[][] = [];
const rows2: string[][] = [];
const notes: string[] = [];
let cleanupNote: string;
try {
  await startWorkers();
  // ---- 1. per-job overhead ----
  const small = async (side: 'py' | 'ts', i: number) => {
    const [location] = await freshCopies(`small-${side}-${i}`, [SMALL_SESSION]);
    return await runOne(await plan('697062', [location], { analysis_name: side === 'py' ? NOOP : TS_ANALYSIS }));
  };
  // One of each first, not counted: lazy start-up (imports, h5wasm, S3 connections, workflow cache).
  const warmPy = await small('py', -1);
  const warmTs = await small('ts', -1);
  notes.push(`first job of each side, not counted: Python ${seconds(warmPy.clientMs)}, TypeScript ${seconds(warmTs.clientMs)} (dispatch to result)`);
  const py: Run[] = [];
  const ts: Run[] = [];
  for (let i = 0; i < o.jobs; i++) {
    py.push(await small('py', i));
    ts.push(await small('ts', i));
  }
  const heapMb = getHeapStatistics().used_heap_size / 2 ** 20;
  gcs.push(...gcObserver.takeRecords().map(gcEntry));
  const retried = [...py, ...ts].filter((r) => r.timeline.activities.some((a) => a.attempt > 1));
  if (retried.length) notes.push(`${retried.length} job(s) had an activity retried (their last attempt is timed)`);
  for (const r of py) {
    const route = r.timeline.activities.filter((a) => ANALYSIS_STEPS.includes(a.type)).map((a) => a.taskQueue);
    if (route.some((q) => q !== pyQueue)) throw new Error(`${r.planned.workflowId}: analysis steps not on the Python queue (${route.join(', ')})`);
  }

  const stat = (runs: Run[], f: (r: Run) => number) => {
    const xs = runs.map(f);
    return { med: median(xs), p90: quantile(xs, 0.9) };
  };
  const line = (label: string, f: (r: Run) => number) => {
    const p = stat(py, f);
    const t = stat(ts, f);
    rows1.push([label, ms(p.med), ms(p.p90), ms(t.med), ms(t.p90), times(p.med, t.med)]);
  };
  line('dispatch to result (client)', (r) => r.clientMs);
  line('workflow execution (Temporal start to close)', execution);
  line("analysis's own compute (subtracted)", compute);
  line('per-job overhead (execution - compute)', (r) => execution(r) - compute(r));
  line('  of which workflow-task turns between activities', turns);

  for (const type of ACTIVITY_TYPES) {
    const p = stat(py, (r) => span(activity(r, type)).queue).med;
    const t = stat(ts, (r) => span(activity(r, type)).queue).med;
    const pe = stat(py, (r) => span(activity(r, type)).exec).med;
    const te = stat(ts, (r) => span(activity(r, type)).exec).med;
    const where = ANALYSIS_STEPS.includes(type) ? 'Py worker / TS worker' : 'TS worker (both)';
    activityRows.push([type, where, ms(p), ms(t), times(p, t), ms(pe), ms(te), times(pe, te)]);
    if (ANALYSIS_STEPS.includes(type)) {
      const pf = stat(py, (r) => span(activity(r, type)).exec - stepCompute(r, type)).med;
      const tf = stat(ts, (r) => span(activity(r, type)).exec - stepCompute(r, type)).med;
      activityRows.push([`  ${type} minus compute`, '', '', '', '', ms(pf), ms(tf), times(pf, tf)]);
    }
  }

  // ---- where the Python steps' time goes: the worker's code timed part by part (parts.py) ----
  const partLocations: string[] = [];
  for (let i = 0; i < 2 * o.parts; i++) partLocations.push(...(await freshCopies(`parts-${i}`, [SMALL_SESSION])));
  const partRefs = (await Promise.all(partLocations.map((l) => runtime.deps.resolveSessionFiles(l)))).flat();
  const unstarted = await plan('697062', [partLocations[0]], { analysis_name: NOOP, label: 'parts' });
  const partsIn = join(dir, 'parts-in.json');
  const partsOut = join(dir, 'parts-out.json');
  const served = getAnalysis(NOOP).servedBy!;
  await writeFile(
    partsIn,
    JSON.stringify({
      analysis_spec: NOOP_PY_SPEC,
      reps: o.parts,
      workflow: unstarted.input,
      sessions: partRefs,
      partial_prefix: `_cache/${NOOP}/${getAnalysis(NOOP).parameters.version}/${served.codeVersion}/`,
    }),
  );
  await new Promise<void>((resolve, reject) => {
    const child = spawn(PYTHON, [join(REPO_ROOT, 'bench', 'python', 'parts.py'), partsIn, '--report', partsOut], { cwd: REPO_ROOT, env, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`bench/python/parts.py exited with ${code}`))));
  });
  const parts = JSON.parse(await readFile(partsOut, 'utf8')) as Record<string, number[]>;
  const part = (name: string) => median(parts[name] ?? [NaN]);

  // TypeScript counterparts, timed here on the worker's own store and converter.
  const tsParts: Record<string, number[]> = {};
  const tsAdd = async (name: string, fn: () => unknown) => {
    const started = performance.now();
    await fn();
    (tsParts[name] ??= []).push(performance.now() - started);
  };
  const store = runtime.deps.results;
  const tsRun = ts[0];
  const [tsSession] = await runtime.deps.resolveSessionFiles(tsRun.planned.input.inputs.locations[0]);
  const tsArgs = { workflow: tsRun.planned.input, session: tsSession, partialKey: `_cache/${TS_ANALYSIS}/x/${'0'.repeat(64)}.partial` };
  const benchKeys = Array.from({ length: o.parts }, () => `_bench/${randomBytes(16).toString('hex')}.partial`);
  for (const key of benchKeys) await tsAdd('head', () => store.head(key));
  for (const key of benchKeys) await tsAdd('put', () => store.put(key, JSON.stringify({ label: 'noop', sessions: 1 }), { contentType: 'application/json' }));
  for (const key of benchKeys) await tsAdd('get', () => store.get(key));
  for (let i = 0; i < o.parts; i++) await tsAdd('convert', () => defaultPayloadConverter.fromPayload(defaultPayloadConverter.toPayload(tsArgs)));
  const tsPart = (name: string) => median(tsParts[name]);
  const tsMed = (f: (r: Run) => number) => median(ts.map(f));
  const pyMed = (f: (r: Run) => number) => median(py.map(f));
  const aS = (r: Run) => span(activity(r, 'analyzeSession'));
  const cG = (r: Run) => span(activity(r, 'computeGroup'));
  const inside = (type: string) => (r: Run) => timed.get(r.planned.workflowId)!.inside[type] ?? NaN;
  const pr = (label: string, p: number, t: number, note = '') => partsRows.push([label, ms(p), ms(t), note]);
  pr('analyzeSession start to close (history)', pyMed((r) => aS(r).exec), tsMed((r) => aS(r).exec));
  pr('  the activity function, in process', part('direct_analyzeSession'), tsMed(inside('analyzeSession')), 'Py: called without Temporal (parts.py); TS: timed in the worker');
  pr('  task delivery + completion (the rest)', pyMed((r) => aS(r).exec) - part('direct_analyzeSession'), tsMed((r) => aS(r).exec - inside('analyzeSession')(r)), 'SDK, Core bridge, gRPC to the server');
  pr('  session download (S3 -> local file)', part('stage_download'), tsMed((r) => timed.get(r.planned.workflowId)!.download), 'Py: Stager.stage (HEAD + boto3 download_file); TS: S3 resolver');
  pr('  HEAD of the partial key (missing)', part('s3_head_missing'), tsPart('head'));
  pr('  PUT of the partial', part('s3_put_partial'), tsPart('put'));
  pr('  analysis thread hop (run_in_executor)', part('executor_hop'), NaN, 'Py only: the steps run in a thread');
  pr('  parameters validation (pydantic)', part('parse_parameters'), NaN, 'TS: zod, inside the function');
  pr('  payload conversion, input + result', part('convert_analyzeSession') + part('convert_analyzeSession_result'), tsPart('convert'), 'JSON payload converter');
  pr('  NWB read + perSession.run (compute)', 0, tsMed((r) => stepCompute(r, 'analyzeSession')), 'TS only (noop-py reads nothing)');
  pr('  forced full GC after the session (collectGarbage)', NaN, tsMed((r) => gcIn(r.planned.workflowId, 'analyzeSession', true)), `TS only (${heapMb.toFixed(0)} MB JS heap in use in this process)`);
  pr("  V8's own GC pauses in the step", NaN, tsMed((r) => gcIn(r.planned.workflowId, 'analyzeSession', false)), 'Py: not measured');
  pr('computeGroup start to close (history)', pyMed((r) => cG(r).exec), tsMed((r) => cG(r).exec));
  pr('  the activity function, in process', part('direct_computeGroup'), tsMed(inside('computeGroup')));
  pr('  task delivery + completion (the rest)', pyMed((r) => cG(r).exec) - part('direct_computeGroup'), tsMed((r) => cG(r).exec - inside('computeGroup')(r)));
  pr('  start to run() entered', pyMed((r) => noopTimes(r).run_entered * 1000 - activity(r, 'computeGroup')!.started), NaN, 'Py: read partial, stage (cached), folders, thread hop');
  pr('  run() / group (compute)', pyMed(compute), tsMed((r) => stepCompute(r, 'computeGroup')));
  pr('  run() left to close', pyMed((r) => activity(r, 'computeGroup')!.closed - noopTimes(r).run_left * 1000), NaN, 'Py: outputs check, upload, cleanup, result back');
  pr("  V8's own GC pauses in the step", NaN, tsMed((r) => gcIn(r.planned.workflowId, 'computeGroup', false)));
  pr('  GET of the partial', part('s3_get_partial'), tsPart('get'));
  pr('  stage an already-downloaded session', part('stage_cached'), NaN, 'Py only (job mode stages again): one HEAD');
  pr('  upload one tiny file (sha256 + PUT)', part('upload_one_tiny_file'), tsPart('put'), 'Py: upload_folder (a thread pool per call)');
  pr('  payload conversion, input + result', part('convert_computeGroup') + part('convert_computeGroup_result'), tsPart('convert'));

  // ---- 2. wall time on the same mouse, cold ----
  const generated = await generatedMouse({ seed: 424, sessions: o.sessions, trials: 400, channels: ['G_1'], format: 'hdf5' });
  const { accepted, rejected } = await acceptedSessions(generated.files);
  if (rejected.length) notes.push(`generated mouse ${generated.truth.subject_id}: ${rejected.length} of ${generated.files.length} sessions rejected by the reader, left out (${rejected[0].reason})`);
  const mice = [
    { label: '697062 (real)', subject: '697062', files: REAL_MOUSE, py: { analysis_name: EXAMPLE }, ts: { analysis_name: TS_ANALYSIS } },
    { label: `${generated.truth.subject_id} (generated)`, subject: generated.truth.subject_id, files: accepted, py: { analysis_name: EXAMPLE }, ts: { analysis_name: TS_ANALYSIS } },
    {
      label: `717531 (real Zarr): ${LAB} vs ${TS_GROUPED}`,
      subject: '717531',
      files: ZARR_MOUSE,
      py: { analysis_name: LAB, ...GROUPED_PARAMETERS },
      ts: { analysis_name: TS_GROUPED, ...GROUPED_PARAMETERS },
    },
  ];
  for (const [m, mouse] of mice.entries()) {
    const sides = { py: [] as Run[], ts: [] as Run[] };
    for (let r = 0; r < o.repeats; r++) {
      for (const side of r % 2 ? (['ts', 'py'] as const) : (['py', 'ts'] as const)) {
        const locations = await freshCopies(`wall-${m}-${side}-${r}`, mouse.files);
        sides[side].push(await runOne(await plan(mouse.subject, locations, mouse[side])));
      }
    }
    const of = (f: (r: Run) => number) => [median(sides.py.map(f)), median(sides.ts.map(f))] as const;
    const sessionsStep = (r: Run) => {
      const a = r.timeline.activities.filter((x) => x.type === 'analyzeSession');
      return Math.max(...a.map((x) => x.closed)) - Math.min(...a.map((x) => x.scheduled));
    };
    const groupStep = (r: Run) => activity(r, 'computeGroup')!.closed - activity(r, 'computeGroup')!.scheduled;
    const measures: [string, (r: Run) => number][] = [
      ['wall (dispatch to result)', (r) => r.clientMs],
      ['workflow execution', execution],
      ['sessions step (first scheduled to last closed)', sessionsStep],
      ['group step (computeGroup scheduled to closed)', groupStep],
      ['one session: analyzeSession start to close (median)', (r) => median(r.timeline.activities.filter((x) => x.type === 'analyzeSession').map((x) => x.closed - x.started))],
      ['forced full GCs in the sessions step (TS worker, total pause)', (r) => (r.planned.input.analysisTaskQueue ? NaN : gcIn(r.planned.workflowId, 'analyzeSession', true))],
      ['resolve + publish + record (scheduled to closed)', (r) => ['resolveInputs', 'publishResults', 'writeRecord'].reduce((s2, t) => s2 + activity(r, t)!.closed - activity(r, t)!.scheduled, 0)],
      ['workflow-task turns (the rest)', (r) => execution(r) - r.timeline.activities.filter((x) => !ANALYSIS_STEPS.includes(x.type)).reduce((s2, x) => s2 + x.closed - x.scheduled, 0) - sessionsStep(r) - groupStep(r)],
    ];
    for (const [i, [label, f]] of measures.entries()) {
      const [p, t] = of(f);
      rows2.push([i ? '' : `${mouse.label}, ${mouse.files.length} sessions`, label, sec(p), sec(t), times(p, t)]);
    }
    rows2.push(['', 'every run, wall', sides.py.map((r) => seconds(r.clientMs)).join(' '), sides.ts.map((r) => seconds(r.clientMs)).join(' '), '']);
  }
} catch (e) {
  // The Python worker's log goes with this run's folder: its end first.
  const log = await readFile(python.logFile, 'utf8').catch(() => '');
  if (log) console.error(`${python.logFile}, last lines:\n${log.trimEnd().split('\n').slice(-20).join('\n')}`);
  throw e;
} finally {
  gcObserver.disconnect();
  worker?.shutdown();
  const stopped = python.stop();
  await running;
  await stopped;
  await runtime.close();
  await client.connection.close();
  // This run's objects (inputs and results) and records.
  const deleting = limiter(16);
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `${root}/`, ContinuationToken: token }));
    keys.push(...(page.Contents ?? []).map((c) => c.Key!));
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  await Promise.all(keys.map((Key) => deleting(() => s3.send(new DeleteObjectCommand({ Bucket: bucket, Key })))));
  const mongo = new MongoClient(process.env.MONGODB_URI!);
  try {
    await mongo.connect();
    await mongo.db('grouped_analysis_bench').dropCollection(`python_${id}`).catch(() => false);
  } finally {
    await mongo.close();
  }
  s3.destroy();
  await rm(dir, { recursive: true, force: true });
  cleanupNote = `cleaned up: ${keys.length} objects under s3://${bucket}/${root}/, collection grouped_analysis_bench.python_${id}`;
}

console.log(
  `\nbench:python — Temporal dev server ${config.temporal.address}; results S3 s3://${bucket}/${root}/results (SeaweedFS), records FerretDB; inputs S3 copies\n` +
    `TypeScript worker in this process; Python worker (\`grouped-analysis-py worker\`, a child process) on its own task queue, ready in ${seconds(pyStartMs)} (not counted)\n`,
);
console.log(`1. Per-job overhead: ${o.jobs} jobs per side, one session each (697062_2023-11-15_10-02-05.nwb, 2.2 MB, its own S3 copy), one at a time, sides alternating`);
console.log(`   Python: ${NOOP} (job mode, one tiny JSON, never opens the session); TypeScript: ${TS_ANALYSIS} minus its compute (NWB read + perSession.run + group)\n`);
table(['measure (per job)', 'Python', 'p90', 'TypeScript', 'p90', 'Py/TS'], rows1, 1);
console.log('\nPer activity type, medians (history: scheduled -> started = queue latency; started -> closed = execution)\n');
table(['activity', 'runs on', 'queue Py', 'queue TS', 'Py/TS', 'exec Py', 'exec TS', 'Py/TS'], activityRows);
console.log(`\nWhere the analysis steps' time goes, medians (parts: ${o.parts} repetitions each, the workers' own code, same stores)\n`);
table(['part', 'Python', 'TypeScript', 'note'], partsRows.map((r) => [r[0], r[1], r[2], r[3]]), 1);
console.log(`\n2. Wall time on the same mouse, cold (fresh S3 copies, fresh results prefix), median of ${o.repeats} run(s) per side, sides alternating`);
console.log(`   697062 and the generated mouse: Python ${EXAMPLE} (job mode: trials table, sessions.csv, one matplotlib figure) vs TypeScript ${TS_ANALYSIS} (per-session efficiency; parquet, CSV, SVG + PNG figure): different work`);
console.log(`   717531: the same analysis in both languages, ${LAB} (the lab's packages) vs ${TS_GROUPED}, both given the same fit_source (no fitting)\n`);
table(['mouse', 'measure', 'Python', 'TypeScript', 'Py/TS'], rows2);
console.log('');
for (const n of notes) console.log(`- ${n}`);
console.log(`- ${cleanupNote}; total ${seconds(performance.now() - t0)}`);
