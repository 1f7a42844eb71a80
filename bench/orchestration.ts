// npm run bench:orchestration [-- --mice N --sequential N --heavy N --heavy-sessions N --redispatch N]
// Orchestration costs on the local Temporal dev server (the real servers of `npm run services`):
// 1. Throughput: --mice small generated mice (one 200-trial session each, foraging-summary; mice
//    whose session the reader rejects are left out and counted) are dispatched at once to a real
//    worker running in this process (local-folder stores, its own task queue); mouse-workflows
//    per minute from the first start to the last completion.
// 2. Temporal overhead per workflow: --sequential mice run one at a time; overhead = the
//    workflow's execution time (start to close, from Temporal) minus the time spent inside its
//    activities (measured around every activity call). Also reported for the concurrent batch,
//    where it includes queueing behind the worker's slots.
// 3. A worker whose every activity slot computes: --heavy grouped-analysis mice (two photometry
//    channels, --heavy-sessions sessions each) at once. Is its event loop free meanwhile? The
//    longest workflow tasks (server's clock), the event-loop delay of the worker's main thread (a
//    heartbeat or poll is at most that late), heartbeat timeouts, and the process's peak RSS
//    (compute threads included). GA_COMPUTE_THREADS=0 runs the stages on the main thread, as
//    before the compute threads (src/compute/pool.ts), for comparison.
// 4. Re-dispatching --redispatch already-done jobs: planDispatch over that many job files, then
//    startPlanned against a record store holding a completed record for every key: the local
//    record store (one JSON file per record) and FerretDB (MongoDB wire protocol).
// Targets: >= 200 mice/min; Temporal overhead <= 100 ms per workflow; while every slot computes, no
// workflow task over 1 s and no heartbeat timeout; re-dispatch of 10,000 done jobs < 30 s. Not a test.
import '../test/support/load-services-env.js';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { activityInfo } from '@temporalio/activity';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { Command } from 'commander';
import { MongoClient } from 'mongodb';
import { buildProcessingRecord, type ProcessingRecord } from '../src/activities/record.js';
import { planDispatch, startPlanned, type PlannedJob } from '../src/client/dispatch.js';
import { loadConfig } from '../src/config.js';
import { createRuntime } from '../src/runtime.js';
import { LocalRecordStore } from '../src/stores/local-records.js';
import { MongoRecordStore } from '../src/stores/mongo.js';
import type { RecordStore } from '../src/stores/record-store.js';
import { connectClient, connectWorker } from '../src/temporal/connection.js';
import { createWorker } from '../src/temporal/worker-factory.js';
import { codeVersion } from '../src/current-code-version.js';
import { acceptedSessions, generatedMice } from './lib/data.js';
import { watchEventLoop, watchRss, workflowTaskStats } from './lib/loop-health.js';
import { integerAtLeast, mb, median, seconds, table, verdict } from './lib/report.js';
import { timeActivities } from './lib/timed-activities.js';

const o = new Command()
  .option('--mice <n>', 'mice dispatched at once for the throughput run', integerAtLeast(1), 100)
  .option('--sequential <n>', 'mice run one at a time for the overhead', integerAtLeast(1), 10)
  .option('--heavy <n>', 'grouped-analysis mice at once for the loaded worker', integerAtLeast(1), 4)
  .option('--heavy-sessions <n>', 'sessions of each heavy mouse', integerAtLeast(1), 6)
  .option('--redispatch <n>', 'already-done jobs re-dispatched', integerAtLeast(1), 10_000)
  .parse()
  .opts<{ mice: number; sequential: number; heavy: number; heavySessions: number; redispatch: number }>();

const dir = await mkdtemp(join(tmpdir(), 'ga-bench-orch-'));
const tag = `bench-${randomUUID().slice(0, 8)}`;
const version = codeVersion();
const ms = (x: number) => `${x.toFixed(0)} ms`;
/** The small mice's analysis: behaviour only, so the activities stay short next to Temporal's share. */
const SMALL = { analysis_name: 'foraging-summary' };
// The worker's own log lines would bury the results; failed workflows are summarised at the end.
Runtime.install({ logger: new DefaultLogger('ERROR') });

/** Job files (one per mouse, lab style) and analysis_parameters.json in a new folder. */
async function writeJobs(name: string, jobs: { subject: string; locations: string[] }[], parameters: Record<string, unknown>): Promise<PlannedJob[]> {
  const jobDir = join(dir, name, 'job_dict');
  await mkdir(jobDir, { recursive: true });
  await Promise.all(
    jobs.map((j) => writeFile(join(jobDir, `job_${j.subject}.json`), JSON.stringify({ s3_location: j.locations, group_metadata: { 'subject.subject_id': j.subject } }))),
  );
  const parametersFile = join(dir, name, 'analysis_parameters.json');
  await writeFile(parametersFile, JSON.stringify({ analysis_parameter: { ...parameters, analysis_tag: tag } }));
  return await planDispatch({ jobs: [jobDir], parametersFile, codeVersion: version });
}

// ---- 1 + 2: a real worker in this process, local stores, its own task queue ----
const env: NodeJS.ProcessEnv = {
  ...process.env,
  TEMPORAL_TASK_QUEUE: `bench-orchestration-${randomUUID()}`,
  GA_LOCAL_RESULTS_DIR: join(dir, 'outputs'),
  GA_LOCAL_RECORDS_DIR: join(dir, 'records'),
};
delete env.ANALYSIS_BUCKET;
delete env.MONGODB_URI;
const config = loadConfig(env);
const rss = watchRss();
const runtime = await createRuntime(config, env);
/** Time spent inside activities, per workflow ID. */
const activityMs = new Map<string, number>();
const timedActivities = timeActivities(runtime.activities, (_, started, ended) => {
  // Absent only for standalone activities; ours always run inside a workflow.
  const id = activityInfo().workflowExecution?.workflowId ?? '';
  activityMs.set(id, (activityMs.get(id) ?? 0) + ended - started);
});
const threads = config.concurrency.computeThreads;
const client = await connectClient(config.temporal);
const worker = await createWorker({
  connection: await connectWorker(config.temporal),
  namespace: config.temporal.namespace,
  taskQueue: config.temporal.taskQueue,
  activities: timedActivities,
  maxConcurrentActivityTaskExecutions: config.concurrency.maxConcurrentActivities,
  maxConcurrentWorkflowTaskExecutions: config.concurrency.maxConcurrentWorkflowTasks,
});
const running = worker.run();

/** Waits for the workflows; a failed one (e.g. a session the reference rejects too) is counted and reported, not fatal. */
const failures: string[] = [];
async function settle(planned: PlannedJob[]): Promise<void> {
  const results = await Promise.allSettled(planned.map((p) => client.workflow.getHandle(p.workflowId).result()));
  for (const [i, r] of results.entries()) {
    if (r.status === 'rejected') {
      const cause = (r.reason as { cause?: { cause?: Error } }).cause?.cause ?? (r.reason as Error);
      failures.push(`${planned[i].input.subjectId}: ${cause.message}`);
    }
  }
}

interface Timed {
  executionMs: number;
  activityMs: number;
}

/** Execution time (Temporal's start to close) and activity time of finished workflows. */
async function timings(planned: PlannedJob[]): Promise<Timed[]> {
  return await Promise.all(
    planned.map(async (p) => {
      const d = await client.workflow.getHandle(p.workflowId).describe();
      return { executionMs: d.closeTime!.getTime() - d.startTime.getTime(), activityMs: activityMs.get(p.workflowId) ?? 0 };
    }),
  );
}

const summarise = (t: Timed[]) => {
  const over = t.map((x) => x.executionMs - x.activityMs);
  const sorted = [...over].sort((a, b) => a - b);
  return { execution: median(t.map((x) => x.executionMs)), activity: median(t.map((x) => x.activityMs)), overhead: median(over), p90: sorted[Math.floor(0.9 * (sorted.length - 1))] };
};

const rows: string[][] = [];
let perMinute: number;
let overhead: number;
let loaded: Awaited<ReturnType<typeof workflowTaskStats>>;
let redispatchWorst = 0;
try {
  // Spare mice: the reader rejects some generated sessions (see acceptedSessions).
  const needed = o.mice + o.sequential;
  const mice = await generatedMice({ seed: 303, mice: Math.ceil(needed * 1.1) + 2, sessions: 1, trials: 200, channels: ['G_1'], format: 'hdf5' });
  const { accepted, rejected } = await acceptedSessions(mice.map((m) => m.files[0]));
  if (accepted.length < needed) throw new Error(`only ${accepted.length} generated mice have a valid session`);
  console.log(`${rejected.length} of ${mice.length} generated mice skipped: the reference rejects their session (${rejected[0]?.reason ?? ''})`);
  const jobs = mice.filter((m) => accepted.includes(m.files[0])).map((m) => ({ subject: m.truth.subject_id, locations: m.files }));

  const sequential = await writeJobs('sequential', jobs.slice(o.mice), SMALL);
  const e2e: number[] = [];
  for (const p of sequential) {
    const started = performance.now();
    await startPlanned([p], { client, taskQueue: config.temporal.taskQueue, records: runtime.records });
    await settle([p]);
    e2e.push(performance.now() - started);
  }
  const seq = summarise(await timings(sequential));
  overhead = seq.overhead;
  rows.push(
    [`${o.sequential} mice one at a time`, 'dispatch to result (client)', ms(median(e2e))],
    ['', 'workflow execution (Temporal)', ms(seq.execution)],
    ['', 'inside activities', ms(seq.activity)],
    ['', 'Temporal overhead per workflow', `${ms(seq.overhead)} (p90 ${ms(seq.p90)})`],
  );

  const batch = await writeJobs('batch', jobs.slice(0, o.mice), SMALL);
  const started = performance.now();
  const dispatched = await startPlanned(batch, { client, taskQueue: config.temporal.taskQueue, records: runtime.records });
  if (dispatched.some((r) => r.status !== 'started')) throw new Error(`not all started: ${JSON.stringify(dispatched.filter((r) => r.status !== 'started'))}`);
  const dispatchMs = performance.now() - started;
  await settle(batch);
  const wall = performance.now() - started;
  perMinute = (o.mice / wall) * 60_000;
  const conc = summarise(await timings(batch));
  rows.push(
    [`${o.mice} mice at once`, 'first start to last completion', seconds(wall)],
    ['', 'dispatch (startPlanned)', seconds(dispatchMs)],
    ['', 'throughput', `${perMinute.toFixed(0)} mice/min`],
    ['', 'workflow execution, median', ms(conc.execution)],
    ['', 'inside activities, median', ms(conc.activity)],
    ['', 'overhead incl. queueing, median', `${ms(conc.overhead)} (p90 ${ms(conc.p90)})`],
  );

  // Heavy mice: sessions the reader rejects are left out of their job.
  const heavyMice = await generatedMice({ seed: 404, mice: o.heavy, sessions: o.heavySessions, trials: 300, channels: ['G_1', 'G_2'], format: 'hdf5' });
  const heavyOk = (await acceptedSessions(heavyMice.flatMap((m) => m.files))).accepted;
  const heavyJobs = heavyMice.map((m) => ({ subject: m.truth.subject_id, locations: m.files.filter((f) => heavyOk.includes(f)) })).filter((j) => j.locations.length > 0);
  const heavy = await writeJobs('heavy', heavyJobs, { analysis_name: 'grouped-analysis', channels: { G_1: 'NAc', G_2: 'DMS' } });
  const sessions = heavyJobs.reduce((n, j) => n + j.locations.length, 0);
  const loop = watchEventLoop();
  const heavyStarted = performance.now();
  await startPlanned(heavy, { client, taskQueue: config.temporal.taskQueue, records: runtime.records });
  await settle(heavy);
  const heavyWall = performance.now() - heavyStarted;
  const delay = loop.stop();
  loaded = await workflowTaskStats(client, heavy.map((p) => p.workflowId));
  rows.push(
    [`${heavyJobs.length} grouped-analysis mice at once`, `${sessions} sessions, 2 channels; first start to last completion`, seconds(heavyWall)],
    ['', `compute threads (GA_COMPUTE_THREADS) / activity slots`, `${threads} / ${config.concurrency.maxConcurrentActivities}`],
    ['', 'workflow tasks: longest (p99)', `${ms(loaded.maxMs)} (${ms(loaded.p99Ms)})`],
    ['', 'workflow tasks over 1 s', `${loaded.overOneSecond} of ${loaded.count}`],
    ['', 'event-loop delay of the worker: max (p99)', `${ms(delay.maxMs)} (${ms(delay.p99Ms)})`],
    ['', 'activities retried after a heartbeat timeout', String(loaded.heartbeatTimeouts)],
  );
} finally {
  worker.shutdown();
  await running;
  await runtime.close();
  rows.push(['worker process', 'peak RSS (main thread + compute threads), all cases above', mb(rss.stop())]);
}

// ---- 3: re-dispatching already-done jobs ----
try {
  const jobs = Array.from({ length: o.redispatch }, (_, i) => {
    const subject = String(100_000 + i);
    return { subject, locations: [`s3://bench-bucket/behavior_${subject}_2025-01-0${1 + (i % 9)}_10-00-00`] };
  });
  let started = performance.now();
  const planned = await writeJobs('redispatch', jobs, { analysis_name: 'grouped-analysis', channels: { G_1: 'NAc' } });
  const planMs = performance.now() - started;
  const records = planned.map((p) =>
    buildProcessingRecord({
      workflow: p.input,
      status: 'completed',
      sessions: [],
      outputs: [],
      warnings: [],
      timings: [],
      startedAt: '2025-01-01T00:00:00.000Z',
      endedAt: '2025-01-01T00:01:00.000Z',
      codeVersion: version,
      workerIdentity: 'bench',
      outputLocation: `s3://bench-bucket/results/${p.input.dedupKey}/`,
    }),
  );
  const local = new LocalRecordStore<ProcessingRecord>(join(dir, 'redispatch-records'));
  await Promise.all(records.map((r) => local.upsert(r)));
  const mongoUri = process.env.MONGODB_URI!;
  const db = 'grouped_analysis_bench';
  const collection = `redispatch_${randomUUID().slice(0, 8)}`;
  const mongo = new MongoClient(mongoUri);
  await mongo.connect();
  await mongo.db(db).collection<ProcessingRecord>(collection).insertMany(records);
  const ferret = await MongoRecordStore.connect<ProcessingRecord>(mongoUri, db, collection);
  try {
    for (const [name, store] of [
      ['local record store', local],
      ['FerretDB', ferret],
    ] as [string, RecordStore<ProcessingRecord>][]) {
      started = performance.now();
      const out = await startPlanned(planned, { client, taskQueue: config.temporal.taskQueue, records: store });
      const startMs = performance.now() - started;
      if (out.some((r) => r.status !== 'already-done')) throw new Error(`${name}: some jobs were not reported already done`);
      redispatchWorst = Math.max(redispatchWorst, planMs + startMs);
      rows.push(
        [`re-dispatch ${o.redispatch} done jobs, ${name}`, 'planDispatch (read, validate, keys)', seconds(planMs)],
        ['', 'startPlanned (one batched lookup, 0 starts)', seconds(startMs)],
        ['', 'total', seconds(planMs + startMs)],
      );
    }
  } finally {
    await ferret.close();
    await mongo.db(db).dropCollection(collection);
    await mongo.close();
  }
} finally {
  await client.connection.close();
  await rm(dir, { recursive: true, force: true });
}

console.log(`\nbench:orchestration — Temporal dev server ${config.temporal.address}, worker in this process, local stores\n`);
table(['case', 'measure', 'value'], rows);
if (failures.length) console.log(`\n${failures.length} workflow(s) failed (counted in the timings):\n  ${failures.join('\n  ')}`);
console.log(
  `\n${verdict('≥ 200 mice/min', perMinute >= 200)} (${perMinute.toFixed(0)}/min); ` +
    `${verdict('Temporal overhead ≤ 100 ms per workflow', overhead <= 100)} (${ms(overhead)}); ` +
    `${verdict('loaded worker: no workflow task over 1 s, no heartbeat timeout', loaded.overOneSecond === 0 && loaded.heartbeatTimeouts === 0)} ` +
    `(longest ${ms(loaded.maxMs)}); ` +
    `${verdict(`re-dispatch of ${o.redispatch} done jobs < 30 s`, redispatchWorst < 30_000)} (worst ${seconds(redispatchWorst)})`,
);
