// Wires configuration into the real dependencies of the activities: stores, the NWB reader
// (local or S3, with the worker's HDF5 download cache) and the analysis registry.
import { hostname } from 'node:os';
import type { Config } from './config.js';
import { createAnalysisActivities, type AnalysisActivityDeps } from './activities/analysis.js';
import { createDispatchActivities } from './activities/dispatch.js';
import { createSelfCheckActivities } from './activities/self-check.js';
import type { ProcessingRecord } from './activities/record.js';
import { stageDeps } from './compute/deps.js';
import { createComputePool } from './compute/pool.js';
import { recordStoreFor } from './stores/from-config.js';
import type { Client } from '@temporalio/client';
import type { RecordStore } from './stores/record-store.js';
import { codeVersion } from './current-code-version.js';

export interface Runtime {
  deps: AnalysisActivityDeps;
  activities: ReturnType<typeof createAnalysisActivities> &
    ReturnType<typeof createSelfCheckActivities> &
    ReturnType<typeof createDispatchActivities>;
  records: RecordStore<ProcessingRecord>;
  close(): Promise<void>;
}

export async function createRuntime(config: Config, env: NodeJS.ProcessEnv = process.env): Promise<Runtime> {
  const records = await recordStoreFor<ProcessingRecord>(config);
  const deps: AnalysisActivityDeps = {
    ...(await stageDeps(config)),
    records,
    codeVersion: codeVersion(env),
    workerIdentity: `${process.pid}@${hostname()}`,
    now: () => new Date(),
  };
  // The scheduled dispatch starts workflows: a client, opened on first use only.
  let client: Promise<Client> | undefined;
  const dispatch = createDispatchActivities({
    // Loaded on first use: a process that never starts workflows (a worker on local stores, the
    // benchmark) is spared the Temporal client and its gRPC stack, and their memory.
    client: () => (client ??= import('./temporal/connection.js').then((m) => m.connectClient(config.temporal))),
    records,
    taskQueue: config.temporal.taskQueue,
    codeVersion: deps.codeVersion,
    sessionParallelism: config.concurrency.sessionParallelism,
    pythonTaskQueue: config.temporal.pythonTaskQueue,
  });
  // The session and group stages compute in threads of their own (started on first use), off the event loop.
  const threads = config.concurrency.computeThreads;
  const compute = threads > 0 ? createComputePool({ threads, env, codeVersion: deps.codeVersion }) : undefined;
  return {
    deps,
    activities: { ...createAnalysisActivities(deps, compute), ...createSelfCheckActivities(), ...dispatch },
    records,
    async close() {
      await compute?.close();
      await records.close();
      if (client) await (await client).connection.close();
    },
  };
}
