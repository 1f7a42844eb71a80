// npm run bench:cluster [-- --quick] [-- --small N --big N --sessions N --workers 1,2,3 --servers dev,cluster]
// Scale-out on this machine: 1, 2 and 3 worker processes on one task queue, on a Temporal dev
// server (scripts/services.sh) and on a production-like cluster (scripts/cluster.sh: PostgreSQL
// and the four Temporal services as separate processes), side by side in one run, the two servers
// taking turns so that both see the same background load. Both servers are the benchmark's own
// (ports 25xxx and 26xxx, started and stopped here; the cluster's server binary must be built,
// which `bash scripts/cluster.sh up` does once), so the Temporal CPU counted is ours. Two loads:
//  - small mice, orchestration-bound: --small mice of one 200-trial session, foraging-summary;
//  - big mice, compute-bound: --big generated mice of --sessions sessions with two photometry
//    channels, grouped-analysis with its default figures.
// For each worker count and server, new worker processes (`src/cli.ts worker`, the same code path
// as `npm run cli -- worker`, with a prebuilt workflow bundle) on new local-folder stores shared by
// them (so no session partial or figure row cached by an earlier run is reused) run the two loads
// one after the other; each load's mice are dispatched at once. Measured per cell (load × workers ×
// server), from the workflow histories and /proc:
//  - throughput: mice per minute, the first workflow start to the last close (Temporal's times);
//  - workflow latency p50 / p95: start to close; all mice are dispatched at once, so it includes
//    the wait for a free worker slot;
//  - Temporal's share: the longest workflow task (WorkflowTaskStarted → Completed) and how many
//    took over 1 s; per workflow, the time with no activity queued or running (its workflow tasks
//    and their round trips; median); per activity, scheduled → started (the wait for a slot; median);
//  - heartbeats: the workers' longest event-loop stall (bench/lib/loop-probe.ts: how late a
//    heartbeat, poll or workflow task could be; the heartbeat timeout is 60 s) and the attempts
//    that followed a heartbeat timeout;
//  - CPU over the cell: the workers' (in cores), the Temporal server's per mouse (the cluster: its
//    four services and PostgreSQL), and the rest of the machine's (this process, other users);
//  - activities per worker, from the identity on each ActivityTaskStarted event.
// Then a summary: where the throughput stops growing and why, what the cluster adds, and what the
// per-mouse CPU costs predict for N worker machines. Numbers are printed, not checked.
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { Command, InvalidArgumentError } from 'commander';
import { planDispatch, startPlanned } from '../src/client/dispatch.js';
import { loadConfig } from '../src/config.js';
import { LocalRecordStore } from '../src/stores/local-records.js';
import { connectClient } from '../src/temporal/connection.js';
import { startCluster } from '../test/support/reliability/cluster.js';
import { writeJobFolder, type JobSpec } from '../test/support/reliability/data.js';
import { WorkerProcess } from '../test/support/reliability/processes.js';
import { CORES, machineCpuMs, treeCpuMs } from './lib/cpu.js';
import { acceptedSessions, generatedMice } from './lib/data.js';
import { startDevServer } from './lib/dev-server.js';
import { runTimeline, type RunTimeline } from './lib/history.js';
import { REPO_ROOT } from './lib/paths.js';
import { integerAtLeast, median, quantile, seconds, table } from './lib/report.js';
import { warmPageCache } from './lib/warm.js';

const list =
  <T extends string>(allowed: readonly T[]) =>
  (v: string): T[] => {
    const items = v.split(',').map((s) => s.trim());
    const bad = items.filter((s) => !allowed.includes(s as T));
    if (bad.length || !items.length) throw new InvalidArgumentError(`a comma-separated list of ${allowed.join(', ')}`);
    return items as T[];
  };
const counts = (v: string): number[] => v.split(',').map((s) => integerAtLeast(1)(s.trim()));

const o = new Command()
  .option('--quick', 'a smoke run: 1 and 2 workers, 4 small mice and one 3-session mouse per cell', false)
  .option('--small <n>', 'small mice per cell (default 30; --quick 4)', integerAtLeast(1))
  .option('--big <n>', 'big mice per cell (default 2; --quick 1)', integerAtLeast(1))
  .option('--sessions <n>', 'sessions of each big mouse (default 20; --quick 3)', integerAtLeast(1))
  .option('--workers <list>', 'worker processes per cell, comma-separated (default 1,2,3; --quick 1,2)', counts)
  .option('--servers <list>', 'dev, cluster or both', list(['dev', 'cluster'] as const), ['dev', 'cluster'])
  .parse()
  .opts<{ quick: boolean; small?: number; big?: number; sessions?: number; workers?: number[]; servers: ('dev' | 'cluster')[] }>();
const SMALL = o.small ?? (o.quick ? 4 : 30);
const BIG = o.big ?? (o.quick ? 1 : 2);
const SESSIONS = o.sessions ?? (o.quick ? 3 : 20);
const WORKERS = o.workers ?? (o.quick ? [1, 2] : [1, 2, 3]);
const HEARTBEAT_TIMEOUT_S = 60; // src/workflows/analysis.ts
const PROBE = join(REPO_ROOT, 'bench', 'lib', 'loop-probe.ts');
/** Port blocks of our servers (the default services use 7xxx-8xxx, the default cluster 22xxx, the reliability suite 21xxx and 24xxx). */
const DEV_BASE = 25_000;
const CLUSTER_BASE = 26_000;
const benchStarted = performance.now();

// ---- the servers: our own, so that no other run's workflows share the CPU counted ----

interface Server {
  key: 'dev' | 'cluster';
  label: string;
  address: string;
  /** Process ids of the server's processes (their descendants are counted with them). */
  pids(): Promise<number[]>;
  close(): Promise<void>;
}

// ---- the loads ----

interface Load {
  key: 'small' | 'big';
  label: string;
  jobs: JobSpec[];
  parameters: Record<string, unknown>;
}

/** Generated mice, each with its first `sessions` sessions the reader accepts (see acceptedSessions). */
async function mice(opts: Parameters<typeof generatedMice>[0], count: number, sessions: number): Promise<JobSpec[]> {
  const all = await generatedMice(opts);
  const { accepted, rejected } = await acceptedSessions(all.flatMap((m) => m.files));
  const ok = new Set(accepted);
  const jobs = all
    .map((m) => ({ subjectId: m.truth.subject_id, locations: m.files.filter((f) => ok.has(f)).slice(0, sessions) }))
    .filter((j) => j.locations.length === sessions)
    .slice(0, count);
  if (jobs.length < count) throw new Error(`only ${jobs.length} of ${all.length} generated mice have ${sessions} valid sessions (${rejected.length} sessions rejected)`);
  return jobs;
}

const loads: Load[] = [
  {
    key: 'small',
    label: 'small: 1 session, foraging-summary',
    // Spare mice: the reader rejects some generated sessions.
    jobs: await mice({ seed: 303, mice: Math.ceil(SMALL * 1.2) + 2, sessions: 1, trials: 200, channels: ['G_1'], format: 'hdf5' }, SMALL, 1),
    parameters: { analysis_name: 'foraging-summary' },
  },
  {
    key: 'big',
    label: `big: ${SESSIONS} sessions, grouped-analysis`,
    jobs: await mice({ seed: 404, mice: BIG + 1, sessions: Math.ceil(SESSIONS * 1.15) + 1, trials: 400, channels: ['G_1', 'G_2'], format: 'hdf5' }, BIG, SESSIONS),
    parameters: { analysis_name: 'grouped-analysis', channels: { G_1: 'NAc', G_2: 'DMS' } },
  },
];
await warmPageCache(loads.flatMap((l) => l.jobs.flatMap((j) => j.locations)));

// ---- one cell ----

const dir = await mkdtemp(join(tmpdir(), 'ga-bench-cluster-'));
const run = randomUUID().slice(0, 8);
// One release-style version for workers and dispatcher alike, whatever happens to src/ meanwhile.
const version = `0.0.0-bench.${run}`;
const bundlePath = join(dir, 'workflow-bundle.js');

interface CellResult {
  server: Server;
  load: Load;
  workers: number;
  mice: number;
  failed: string[];
  wallMs: number;
  perMinute: number;
  latency: { p50: number; p95: number };
  /** Workflow tasks: the longest, and how many took over 1 s, of how many. */
  wft: { maxMs: number; over1s: number; count: number; activityTasks: number };
  /** Median per workflow: time with no activity queued or running (workflow tasks and Temporal's round trips). */
  overheadMs: number;
  /** Median over activities: scheduled → started (waiting for a free slot, and the dispatch). */
  activityWaitMs: number;
  loopStallMs: number;
  heartbeatTimeouts: number;
  retries: number;
  /** CPU from the first start to the last result: the workers' (ms), the server's (ms), the machine's busy share (0..1), over windowMs. */
  cpu: { workersMs: number; serverMs: number; machineBusy: number; windowMs: number };
  perWorker: number[];
  crashes: string[];
}

/**
 * Temporal's own share of a workflow's time: the time when none of its activities was queued or
 * running (scheduled → closed, overlaps merged), i.e. its workflow tasks and the round trips
 * around them. The wait for a free activity slot is left out (it is the activities' queue).
 */
function overhead(t: RunTimeline): number {
  const spans = t.activities.filter((a) => Number.isFinite(a.closed)).sort((a, b) => a.scheduled - b.scheduled);
  let covered = 0;
  let end = -Infinity;
  for (const a of spans) {
    if (a.closed <= end) continue;
    covered += a.closed - Math.max(a.scheduled, end);
    end = a.closed;
  }
  return t.closed - t.started - covered;
}

async function loopStall(files: string[], from: number, to: number): Promise<number> {
  let max = 0;
  for (const f of files) {
    const text = await readFile(f, 'utf8').catch(() => '');
    for (const line of text.split('\n').filter(Boolean)) {
      const { t, maxMs } = JSON.parse(line) as { t: number; maxMs: number };
      // A stall is reported when the loop is free again, so up to a second after the window.
      if (t >= from && t <= to + 1000) max = Math.max(max, maxMs);
    }
  }
  return max;
}

/** `workers` worker processes on a new task queue of `server`, on new local stores, and a client. */
interface Pool {
  server: Server;
  procs: WorkerProcess[];
  loopFiles: string[];
  id: string;
  dir: string;
  taskQueue: string;
  client: Client;
  records: LocalRecordStore;
  sessionParallelism: number;
}

async function startPool(server: Server, workers: number): Promise<Pool> {
  const id = `${server.key}-${workers}`;
  const poolDir = join(dir, id);
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/root',
    // No services env file: every setting is here.
    GA_STATE_DIR: join(dir, 'no-services-env'),
    TEMPORAL_ADDRESS: server.address,
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_TASK_QUEUE: `bench-cluster-${run}-${id}`,
    GA_LOCAL_RESULTS_DIR: join(poolDir, 'outputs'),
    GA_LOCAL_RECORDS_DIR: join(poolDir, 'records'),
    GA_CODE_VERSION: version,
    GA_WORKFLOW_BUNDLE: bundlePath,
    MALLOC_ARENA_MAX: '2',
  };
  const loopFiles = Array.from({ length: workers }, (_, i) => join(poolDir, `loop-${i + 1}.jsonl`));
  const procs = loopFiles.map(
    (f, i) => new WorkerProcess({ ...env, GA_BENCH_LOOP_FILE: f }, join(poolDir, 'logs'), `worker-${i + 1}`, join(dir, 'pids'), ['--import', PROBE]),
  );
  await mkdir(poolDir, { recursive: true });
  await Promise.all(procs.map((w) => w.start(180_000)));
  const config = loadConfig(env);
  return {
    server,
    procs,
    loopFiles,
    id,
    dir: poolDir,
    taskQueue: config.temporal.taskQueue,
    client: await connectClient(config.temporal),
    records: new LocalRecordStore(env.GA_LOCAL_RECORDS_DIR),
    sessionParallelism: config.concurrency.sessionParallelism,
  };
}

async function stopPool(p: Pool): Promise<void> {
  await Promise.all(p.procs.map((w) => w.stop()));
  await p.client.connection.close();
}

/** Dispatches every mouse of `load` at once to the pool, waits for them, measures. */
async function runCell(p: Pool, load: Load): Promise<CellResult> {
  const { jobsDir, parametersFile } = await writeJobFolder(join(p.dir, `jobs-${load.key}`), load.jobs, { ...load.parameters, analysis_tag: `bench-${run}-${p.id}` });
  const planned = await planDispatch({ jobs: [jobsDir], parametersFile, codeVersion: version, sessionParallelism: p.sessionParallelism });
  const pids = p.procs.map((w) => w.pid!);
  const serverPids = await p.server.pids();
  const cpu0 = treeCpuMs([pids, serverPids]);
  const machine0 = machineCpuMs();
  const t0 = Date.now();
  const rows = await startPlanned(planned, { client: p.client, taskQueue: p.taskQueue, records: p.records });
  const notStarted = rows.filter((r) => r.status !== 'started');
  if (notStarted.length) throw new Error(`${p.id}, ${load.key}: ${notStarted.length} run(s) not started: ${JSON.stringify(notStarted[0])}`);
  const outcomes = await Promise.allSettled(planned.map((j) => p.client.workflow.getHandle(j.workflowId).result()));
  const t1 = Date.now();
  const cpu1 = treeCpuMs([pids, serverPids]);
  const machine1 = machineCpuMs();
  const failed = outcomes.flatMap((r, i) => {
    if (r.status === 'fulfilled') return [];
    const cause = (r.reason as { cause?: { cause?: Error } }).cause?.cause ?? (r.reason as Error);
    return [`${planned[i].input.subjectId}: ${cause.message}`];
  });
  const timelines = await Promise.all(planned.map((j) => runTimeline(p.client, j.workflowId)));
  const wallMs = Math.max(...timelines.map((t) => t.closed)) - Math.min(...timelines.map((t) => t.started));
  const latencies = timelines.map((t) => t.closed - t.started);
  const wfts = timelines.flatMap((t) => t.workflowTasks).filter((w) => Number.isFinite(w.started) && Number.isFinite(w.closed)).map((w) => w.closed - w.started);
  const activities = timelines.flatMap((t) => t.activities);
  const byPid = new Map(pids.map((pid, i) => [String(pid), i]));
  const perWorker = pids.map(() => 0);
  for (const a of activities) {
    const i = byPid.get(a.identity.split('@')[0]);
    if (i !== undefined) perWorker[i]++;
  }
  return {
    server: p.server,
    load,
    workers: p.procs.length,
    mice: planned.length,
    failed,
    wallMs,
    perMinute: (planned.length / wallMs) * 60_000,
    latency: { p50: quantile(latencies, 0.5), p95: quantile(latencies, 0.95) },
    wft: { maxMs: Math.max(...wfts), over1s: wfts.filter((d) => d > 1000).length, count: wfts.length, activityTasks: activities.length },
    overheadMs: median(timelines.map(overhead)),
    activityWaitMs: median(activities.map((a) => a.started - a.scheduled)),
    loopStallMs: await loopStall(p.loopFiles, t0, t1),
    heartbeatTimeouts: activities.filter((a) => a.afterHeartbeatTimeout).length,
    retries: activities.reduce((n, a) => n + Math.max(0, a.attempt - 1), 0),
    cpu: { workersMs: cpu1[0] - cpu0[0], serverMs: cpu1[1] - cpu0[1], machineBusy: (machine1.busy - machine0.busy) / (machine1.total - machine0.total), windowMs: t1 - t0 },
    perWorker,
    crashes: p.procs.flatMap((w) => w.crashes),
  };
}

// ---- the run: for each worker count, the servers in turn, both loads on the same workers ----

const servers: Server[] = [];
const results: CellResult[] = [];
try {
  await writeFile(bundlePath, (await bundleWorkflowCode({ workflowsPath: join(REPO_ROOT, 'src', 'workflows', 'index.ts'), logger: new DefaultLogger('WARN') })).code);
  for (const key of o.servers) {
    const t0 = performance.now();
    servers.push(key === 'dev' ? { key, label: 'dev server', ...(await startDevServer(DEV_BASE)) } : { key, label: 'cluster', ...(await startCluster(CLUSTER_BASE)) });
    console.error(`${servers.at(-1)!.label} up on ${servers.at(-1)!.address} in ${seconds(performance.now() - t0)}`);
  }
  for (const workers of WORKERS) {
    for (const server of servers) {
      const pool = await startPool(server, workers);
      try {
        for (const load of loads) {
          const r = await runCell(pool, load);
          results.push(r);
          console.error(
            `${load.key} × ${workers} worker(s) on the ${server.label}: ${r.mice} mice in ${seconds(r.wallMs)} (${r.perMinute.toFixed(1)}/min)` +
              (r.failed.length ? `, ${r.failed.length} failed` : ''),
          );
        }
      } finally {
        await stopPool(pool);
      }
    }
  }
} finally {
  for (const s of servers) await s.close();
  await rm(dir, { recursive: true, force: true });
}

// ---- report ----

const ms = (x: number) => (x >= 10_000 ? seconds(x) : `${x.toFixed(0)} ms`);
const cores = (r: CellResult, cpuMs: number) => (cpuMs / r.cpu.windowMs).toFixed(2);
const cell = (server: Server, load: Load, workers: number) => results.find((r) => r.server === server && r.load === load && r.workers === workers)!;

console.log(
  `\nbench:cluster — ${CORES} cores; ${SMALL} small mice and ${BIG} mice of ${SESSIONS} sessions per cell; ` +
    `servers: ${servers.map((s) => `${s.label} ${s.address}`).join(', ')}; worker processes on one task queue, local-folder stores\n`,
);
table(
  ['load', 'workers', ...servers.flatMap((s) => [`${s.label} mice/min`, 'p50', 'p95'])],
  loads.flatMap((load) =>
    WORKERS.map((w) => [
      load.label,
      String(w),
      ...servers.flatMap((s) => {
        const r = cell(s, load, w);
        return [r.perMinute.toFixed(1), ms(r.latency.p50), ms(r.latency.p95)];
      }),
    ]),
  ),
);
console.log(
  `\nTemporal's share, heartbeats, CPU (cores = CPU time / wall time, of ${CORES}; "rest": this process and every other process on the machine)\n`,
);
table(
  ['load', 'server', 'workers', 'longest WFT', 'WFT > 1 s', 'overhead/workflow', 'activity wait', 'loop stall', 'HB timeouts', 'retries', 'workers cores', 'Temporal cores', 'rest cores', 'Temporal CPU/mouse', 'activities per worker'],
  results.map((r) => [
    r.load.key,
    r.server.label,
    String(r.workers),
    ms(r.wft.maxMs),
    `${r.wft.over1s}/${r.wft.count}`,
    ms(r.overheadMs),
    ms(r.activityWaitMs),
    ms(r.loopStallMs),
    String(r.heartbeatTimeouts),
    String(r.retries),
    cores(r, r.cpu.workersMs),
    cores(r, r.cpu.serverMs),
    cores(r, r.cpu.machineBusy * CORES * r.cpu.windowMs - r.cpu.workersMs - r.cpu.serverMs),
    ms(r.cpu.serverMs / r.mice),
    r.perWorker.join(' / '),
  ]),
  3,
);
const problems = results.flatMap((r) => [...r.failed, ...r.crashes].map((p) => `${r.server.label}, ${r.load.key} × ${r.workers}: ${p}`));
if (problems.length) console.log(`\n${problems.length} problem(s):\n  ${problems.join('\n  ')}`);

console.log(`\n${summary().join('\n')}\n\nbench:cluster took ${seconds(performance.now() - benchStarted)}.`);

/** The printed conclusions, every number from this run. */
function summary(): string[] {
  const out: string[] = ['Summary'];
  const busy = (r: CellResult) => `${(r.cpu.machineBusy * 100).toFixed(0)}%`;
  const best = (load: Load, s: Server) => WORKERS.map((w) => cell(s, load, w)).reduce((a, b) => (b.perMinute > a.perMinute ? b : a));
  const workerMsPerMouse = (r: CellResult) => r.cpu.workersMs / r.mice;
  for (const load of loads) {
    for (const s of servers) {
      const rs = WORKERS.map((w) => cell(s, load, w));
      const gains = rs.slice(1).map((r, i) => `${rs[i].workers}→${r.workers} workers ×${(r.perMinute / rs[i].perMinute).toFixed(2)}`);
      // Saturated: one more worker gained less than 10%.
      const sat = rs.find((r, i) => i + 1 < rs.length && rs[i + 1].perMinute < r.perMinute * 1.1);
      const b = best(load, s);
      const w = b.cpu.workersMs / b.cpu.windowMs;
      const t = b.cpu.serverMs / b.cpu.windowMs;
      out.push(
        `- ${load.label}, ${s.label}: throughput ${gains.join(', ') || `${b.perMinute.toFixed(1)}/min`}` +
          `${sat ? `; no gain beyond ${sat.workers} worker(s)` : ''}. At its best (${b.workers} worker(s), ${b.perMinute.toFixed(1)} mice/min) ` +
          `the ${CORES} cores were ${busy(b)} busy: workers ${w.toFixed(2)}, Temporal ${t.toFixed(2)}, everything else ${(b.cpu.machineBusy * CORES - w - t).toFixed(2)} cores. ` +
          `A mouse costs ${seconds(workerMsPerMouse(b))} of worker CPU and ${ms(b.cpu.serverMs / b.mice)} of Temporal's: ` +
          `all ${CORES} cores would make at most ${((CORES * 60_000) / workerMsPerMouse(b)).toFixed(1)} mice/min. ` +
          (b.cpu.machineBusy <= 0.9
            ? `The cores were not saturated: each mouse's steps run in sequence (latency p50 ${ms(b.latency.p50)}), Temporal's round trips between them included.`
            : b.cpu.machineBusy * CORES - w - t > w
              ? 'The cores were saturated, mostly by other processes: the workers got what was left, and more worker processes cannot get more.'
              : 'The cores were saturated by the workers and Temporal: more worker processes on this machine add polls and threads, not CPU.'),
      );
    }
  }
  const small = loads.find((l) => l.key === 'small')!;
  const big = loads.find((l) => l.key === 'big')!;
  const cluster = servers.find((s) => s.key === 'cluster');
  const dev = servers.find((s) => s.key === 'dev');
  if (cluster && dev) {
    const c = cell(cluster, small, WORKERS[0]);
    const d = cell(dev, small, WORKERS[0]);
    out.push(
      `- What the cluster adds (small mice, ${WORKERS[0]} worker(s)): latency p50 ${ms(c.latency.p50)} vs ${ms(d.latency.p50)} on the dev server, ` +
        `Temporal overhead ${ms(c.overheadMs)} vs ${ms(d.overheadMs)} per workflow, activity wait ${ms(c.activityWaitMs)} vs ${ms(d.activityWaitMs)}, ` +
        `Temporal CPU ${ms(c.cpu.serverMs / c.mice)} vs ${ms(d.cpu.serverMs / d.mice)} per mouse (four services + PostgreSQL vs one process on SQLite).`,
    );
  }
  const ref = cluster ?? dev!;
  out.push(`- N worker machines of ${CORES} cores, from this run's CPU per mouse on the ${ref.label} (compute-bound: throughput grows with N while Temporal has the cores it needs):`);
  for (const load of [small, big]) {
    const b = best(load, ref);
    const serverMs = b.cpu.serverMs / b.mice;
    const tasks = (b.wft.count + b.wft.activityTasks) / b.mice;
    const perMinute = (n: number) => (n * CORES * 60_000) / workerMsPerMouse(b);
    out.push(
      `    ${load.key}: ${seconds(workerMsPerMouse(b))} worker CPU, ${ms(serverMs)} Temporal CPU and ${tasks.toFixed(0)} tasks per mouse → ` +
        [1, 10, 100]
          .map((n) => `N=${n}: ~${perMinute(n).toFixed(0)} mice/min, Temporal ~${((perMinute(n) * serverMs) / 60_000).toFixed(1)} cores, ~${((perMinute(n) * tasks) / 60).toFixed(0)} tasks/s`)
          .join('; '),
    );
  }
  const oneWorker = Math.max(...servers.map((s) => cell(s, big, WORKERS[0])).map((r) => r.cpu.workersMs / r.cpu.windowMs / WORKERS[0]));
  out.push(
    '    Task-queue partitions: a task queue has 4 partitions by default (matching.numTaskqueueReadPartitions / WritePartitions), each owned by one matching host; ' +
      'raise them when the tasks/s above outgrow one matching host. ' +
      `Worker slots: one worker process used up to ${oneWorker.toFixed(2)} cores on big mice; activity slots (GA_MAX_CONCURRENT_ACTIVITIES, 8) beyond the cores a worker can use only queue work inside it ` +
      '(longer latency, same throughput): size slots to the machine, and add machines for throughput. Activity concurrency: a mouse runs at most GA_SESSION_PARALLELISM (4) ' +
      'sessions at once, so one mouse uses at most 4 slots wherever they are: more machines shorten a batch of many mice, not one mouse beyond that.',
  );
  out.push(`    Heartbeats: timeout ${HEARTBEAT_TIMEOUT_S} s; the longest event-loop stall of any worker in this run: ${ms(Math.max(...results.map((r) => r.loopStallMs)))}.`);
  return out;
}
