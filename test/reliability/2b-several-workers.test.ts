// Scenario 2b: several workers on one task queue, as a lab runs them on several machines. Three
// worker processes poll the scenario's task queue; a batch of mice spreads over them (activities
// per worker counted from the histories: every ActivityTaskStarted event names its worker). One
// worker is SIGKILLed while it runs activities and stays down: its attempts time out on their
// heartbeats and the two others take them over. Every run completes, nothing is lost or written
// twice. Row 1 runs on the suite's dev server; row 2 on a real Temporal cluster (scripts/cluster.sh:
// PostgreSQL, frontend, history, matching and worker services as separate processes; the suite's
// own, on ports 24xxx, started here in 15-25 s), where the history service (the owner of every
// workflow's state and timers) is also restarted mid-batch.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { liveActivities, type Expected } from '../support/reliability/checks.js';
import { startCluster, SUITE_CLUSTER_BASE, type Cluster } from '../support/reliability/cluster.js';
import { jobOf } from '../support/reliability/data.js';
import { seededRandom, sleep, suiteSeed } from '../support/reliability/random.js';
import { dispatchBatch, expectCompleted, openScenario, type Scenario, verdictColumns } from '../support/reliability/scenario.js';
import { nameOf, spreadOver, untilBusy, type Busy } from '../support/reliability/workers.js';

const suite = inject('suite');
const WORKERS = 3;
/** Batches dispatched at once at the start (full: more work to spread). */
const BATCHES = suite.full ? 3 : 1;
const HISTORY_DOWN_MS = suite.full ? 15_000 : 5_000;

interface ServerFault {
  /** For the row, e.g. "history service restarted, 5 s down". */
  label: string;
  inject: () => Promise<void>;
}

/** "analyzeSession ×3, resolveInputs" */
function tally(types: string[]): string {
  const n = new Map<string, number>();
  for (const t of types) n.set(t, (n.get(t) ?? 0) + 1);
  return [...n].map(([t, k]) => (k > 1 ? `${t} ×${k}` : t)).join(', ') || 'nothing';
}

async function severalWorkers(sc: Scenario, serverFault?: ServerFault): Promise<void> {
  const seed = suiteSeed();
  const random = seededRandom(seed);
  console.log(`${sc.name}: seed ${seed} (GA_RELIABILITY_SEED=${seed} replays the choice of worker and timing)`);
  const workers = Array.from({ length: WORKERS }, (_, i) => sc.worker(`worker-${i + 1}`));
  await Promise.all(workers.map((w) => w.start(180_000)));
  const names = new Map(workers.map((w, i) => [w.pid!, `worker-${i + 1}`]));

  const mice = suite.dataset.mice.map(jobOf);
  const expected: Expected[] = [];
  const ids: string[] = [];
  let batches = 0;
  const feed = async (): Promise<string[]> => {
    const planned = await dispatchBatch(sc, `${sc.name}-${++batches}`, mice, 2);
    expected.push(...planned.map(expectCompleted));
    ids.push(...planned.map((p) => p.workflowId));
    return planned.map((p) => p.workflowId);
  };
  for (let b = 0; b < BATCHES; b++) await feed();

  // Mid-batch: once the first runs completed, so that every worker has had its share.
  const deadline = Date.now() + 120_000;
  while ((await liveActivities(sc.client, ids)).open.length === ids.length && Date.now() < deadline) await sleep(500);
  // The victim: the first worker (in an order the seed shuffles) seen running a step that computes
  // for a while, a grouped-analysis session or group step. A short step (publish, record) often
  // ends before the SIGKILL lands, and then nothing is left for the others to take over.
  const long = (r: Busy['running'][number]) => r.workflowId.startsWith('grouped-analysis/') && (r.type === 'analyzeSession' || r.type === 'computeGroup');
  const order = workers.map((w) => ({ w, k: random() })).sort((a, b) => a.k - b.k).map(({ w }) => w);
  let victim: (typeof workers)[number] | undefined;
  let killedRunning: Busy['running'] = [];
  const seekUntil = Date.now() + 180_000;
  let lastLong = Date.now();
  while (!victim) {
    if (Date.now() > seekUntil) throw new Error(`no worker was seen running a grouped-analysis session or group step in 3 minutes; see ${workers.map((w) => w.logFile).join(', ')}`);
    for (const w of order) {
      const running = (await untilBusy(sc.client, ids, { pid: w.pid, feed, timeoutMs: 0 })).running;
      if (running.some(long)) [victim, killedRunning] = [w, running];
      if (victim) break;
    }
    if (victim) break;
    // The grouped runs are past their long steps: a new batch brings two more.
    if (Date.now() - lastLong > 5_000) {
      await feed();
      lastLong = Date.now();
    }
    await sleep(200);
  }
  const victimPid = victim.pid!;
  const victimName = names.get(victimPid)!;
  await victim.kill();
  const killedText = tally(killedRunning.map((r) => r.type));
  console.log(`${sc.name}: SIGKILLed ${victimName} (pid ${victimPid}) while it ran ${killedText}`);

  let serverText = '';
  if (serverFault) {
    // While the surviving workers run activities.
    const running = (await untilBusy(sc.client, ids, { feed })).running.map((r) => r.type);
    await serverFault.inject();
    serverText = `; ${serverFault.label} (running: ${tally(running)})`;
  }

  const verdict = await sc.verify(expected, 8 * 60_000);
  const spread = await spreadOver(sc.client, ids, names);
  // The killed worker's attempts in flight, as the histories end: run again on a survivor, or (a
  // race the kill can lose) completed by the victim between our look and the SIGKILL.
  const outcomes = killedRunning.map((r) => {
    const start = spread.starts.get(r.workflowId)?.find((s) => s.activityId === r.activityId);
    return { ...r, by: start ? nameOf(start.identity, names) : 'no start in history', attempt: start?.attempt ?? 0 };
  });
  const takenOver = outcomes.filter((o) => o.by !== victimName);
  const perWorker = Object.entries(spread.perWorker).map(([n, c]) => `${n} ${c}`).join(' / ');
  const survivors = workers.filter((w) => w !== victim);
  const crashes = survivors.flatMap((w) => w.crashes);
  const survivorNames = survivors.map((w) => names.get(w.pid!)!);
  const takeoversOk = takenOver.length > 0 && takenOver.every((t) => survivorNames.includes(t.by) && t.attempt > 1);
  sc.report({
    runs: expected.length,
    faults:
      `${WORKERS} workers (activities ${perWorker}); ${victimName} SIGKILLed mid-activity (${killedText}), ` +
      `${takenOver.length}/${outcomes.length} taken over by ${[...new Set(takenOver.map((t) => t.by))].join(', ') || 'none'}${serverText}`,
    ...verdictColumns(verdict),
    crashes: crashes.length,
    passed:
      verdict.problems.length === 0 &&
      crashes.length === 0 &&
      takeoversOk &&
      Object.values(spread.perWorker).every((n) => n > 0),
  });
  console.log(`${sc.name}: ${batches} batch(es), retries ${verdict.retries} (max attempt ${verdict.maxAttempt}), activities per worker: ${perWorker}`);
  expect(verdict.problems).toEqual([]);
  expect(crashes).toEqual([]);
  expect(survivors.every((w) => w.alive)).toBe(true);
  expect(verdict.completed).toBe(expected.length);
  // The batch spread over the three workers: each ran activities (the victim before its death).
  expect(Object.keys(spread.perWorker).sort()).toEqual(workers.map((_, i) => `worker-${i + 1}`));
  for (const n of Object.values(spread.perWorker)) expect(n).toBeGreaterThan(0);
  // At least one was taken over, each on a later attempt by a survivor; any other had completed.
  expect(takenOver.length).toBeGreaterThan(0);
  for (const t of takenOver) {
    expect(survivorNames).toContain(t.by);
    expect(t.attempt).toBeGreaterThan(1);
  }
}

describe('several workers on the dev server', () => {
  let sc: Scenario;
  beforeAll(async () => {
    sc = await openScenario(suite, 'several-workers');
  });
  afterAll(async () => {
    await sc?.close();
  });

  it(`${WORKERS} workers share a batch; one SIGKILLed mid-activity: the others finish its work`, async () => {
    await severalWorkers(sc);
  });
});

describe('several workers on a Temporal cluster', () => {
  let cluster: Cluster;
  let sc: Scenario;
  beforeAll(async () => {
    const t0 = Date.now();
    cluster = await startCluster(SUITE_CLUSTER_BASE);
    console.log(`several workers: the suite's cluster is up in ${((Date.now() - t0) / 1000).toFixed(0)} s (${cluster.address}, state ${cluster.stateDir})`);
    sc = await openScenario(suite, 'several-workers-cluster', { TEMPORAL_ADDRESS: cluster.address });
  });
  afterAll(async () => {
    await sc?.close();
    await cluster?.close();
  });

  it(`${WORKERS} workers; one SIGKILLed, then the history service restarted (${HISTORY_DOWN_MS / 1000} s down) mid-batch`, async () => {
    await severalWorkers(sc, {
      label: `history service restarted, ${HISTORY_DOWN_MS / 1000} s down`,
      inject: async () => {
        await cluster.run('stop', 'history');
        await sleep(HISTORY_DOWN_MS);
        await cluster.run('start', 'history');
      },
    });
  });
});
