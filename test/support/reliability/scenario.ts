// One scenario's handles on the suite's servers: its configuration (own task queue, results
// prefix and database), an in-process Temporal client and dispatcher, worker processes, and
// the invariant check + results row at the end.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Client } from '@temporalio/client';
import { MongoClient, type Db } from 'mongodb';
import { planDispatch, startPlanned, type DispatchRow, type PlannedJob } from '../../../src/client/dispatch.js';
import { loadConfig, type Config } from '../../../src/config.js';
import type { ProcessingRecord } from '../../../src/activities/record.js';
import { recordStoreFor } from '../../../src/stores/from-config.js';
import type { RecordStore } from '../../../src/stores/record-store.js';
import { connectClient } from '../../../src/temporal/connection.js';
import { verify, type Expected, type Verdict } from './checks.js';
import { foragingParams, groupedParams, s3Client, writeJobFolder, type JobSpec } from './data.js';
import { appEnv, type SuiteInfo } from './env.js';
import { WorkerProcess } from './processes.js';
import { appendRow, type ResultRow } from './report.js';

export interface Scenario {
  suite: SuiteInfo;
  name: string;
  env: Record<string, string>;
  config: Config;
  client: Client;
  s3: S3Client;
  mongo: MongoClient;
  db: Db;
  records: RecordStore<ProcessingRecord>;
  /** Scratch folder for job files and logs of this scenario. */
  dir: string;
  logDir: string;
  workers: WorkerProcess[];
  resultsPrefix: string;
  startedAt: number;
  worker(name?: string, extraEnv?: Record<string, string>): WorkerProcess;
  plan(jobsDir: string, parametersFile: string, batchTag?: string): Promise<PlannedJob[]>;
  start(planned: PlannedJob[]): Promise<DispatchRow[]>;
  verify(expected: Expected[], closeTimeoutMs: number): Promise<Verdict>;
  /** Appends this scenario's row (time counted from `since`, default the scenario's start). */
  report(row: Omit<ResultRow, 'seconds' | 'scenario'> & { scenario?: string }, since?: number): void;
  close(): Promise<void>;
}

export const expectCompleted = (p: PlannedJob): Expected => ({ workflowId: p.workflowId, dedupKey: p.input.dedupKey, outcome: 'completed' });

export async function openScenario(suite: SuiteInfo, name: string, extraEnv: Record<string, string> = {}): Promise<Scenario> {
  const env = appEnv(suite, { scenario: name, taskQueue: `reliability-${name}`, extra: extraEnv });
  const config = loadConfig(env);
  const dir = join(suite.stateDir, 'scenarios', name);
  const logDir = join(suite.stateDir, 'logs', name);
  mkdirSync(logDir, { recursive: true });
  const mongo = new MongoClient(env.MONGODB_URI, { serverSelectionTimeoutMS: 60_000 });
  const workers: WorkerProcess[] = [];
  const client = await connectClient(config.temporal);
  const records = await recordStoreFor<ProcessingRecord>(config);
  const s3 = s3Client(suite.secrets.awsSecret);
  const sc: Scenario = {
    suite,
    name,
    env,
    config,
    client,
    s3,
    mongo,
    db: mongo.db(env.MONGODB_DB),
    records,
    dir,
    logDir,
    workers,
    resultsPrefix: `results/${name}`,
    startedAt: Date.now(),
    worker(wname = `worker-${workers.length + 1}`, extra = {}) {
      const w = new WorkerProcess({ ...env, ...extra }, logDir, wname, suite.pidsFile);
      workers.push(w);
      return w;
    },
    plan: (jobsDir, parametersFile, batchTag) =>
      planDispatch({ jobs: [jobsDir], parametersFile, codeVersion: suite.codeVersion, batchTag, inputBuckets: config.inputBuckets }),
    start: (planned) => startPlanned(planned, { client, taskQueue: config.temporal.taskQueue, records }),
    verify: (expected, closeTimeoutMs) => verify({ client, s3, db: sc.db, resultsPrefix: sc.resultsPrefix, closeTimeoutMs }, expected),
    report(row, since = sc.startedAt) {
      appendRow(suite.resultsFile, { scenario: name, seconds: (Date.now() - since) / 1000, ...row });
    },
    async close() {
      await Promise.all(workers.map((w) => w.stop()));
      await records.close();
      await mongo.close();
      await client.connection.close();
      s3.destroy();
    },
  };
  return sc;
}

/**
 * Dispatches one batch under `tag`: every mouse through foraging-summary, the first `grouped`
 * through the grouped photometry analysis. Every run must be new (`started`); returns them.
 */
export async function dispatchBatch(sc: Scenario, tag: string, mice: JobSpec[], grouped: number): Promise<PlannedJob[]> {
  const f = await writeJobFolder(join(sc.dir, `foraging-${tag}`), mice, foragingParams(tag));
  const g = await writeJobFolder(join(sc.dir, `grouped-${tag}`), mice.slice(0, grouped), groupedParams(tag));
  const planned = [...(await sc.plan(f.jobsDir, f.parametersFile)), ...(await sc.plan(g.jobsDir, g.parametersFile))];
  const rows = await sc.start(planned);
  const notStarted = rows.filter((r) => r.status !== 'started');
  if (notStarted.length) throw new Error(`batch ${tag}: ${notStarted.length} run(s) not new: ${JSON.stringify(notStarted)}`);
  return planned;
}

/** `n ok` or `n ok + m failed (bad input)`. */
export function completedText(v: Verdict): string {
  return v.failedAsExpected ? `${v.completed} + ${v.failedAsExpected} failed as expected` : `${v.completed}/${v.workflows}`;
}

/** A report row's columns that come from the verdict: completed, records, lost outputs, duplicates. */
export function verdictColumns(v: Verdict): Pick<ResultRow, 'completed' | 'recordsExpected' | 'recordsActual' | 'lostOutputs' | 'duplicates'> {
  return { completed: completedText(v), recordsExpected: v.recordsExpected, recordsActual: v.recordsActual, lostOutputs: v.lostOutputs, duplicates: v.duplicates };
}
