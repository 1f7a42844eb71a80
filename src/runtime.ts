// Wires configuration into the real dependencies of the activities: stores, the NWB reader
// (local or S3, with the worker's HDF5 download cache) and the analysis registry.
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from './config.js';
import { createAnalysisActivities, type AnalysisActivityDeps } from './activities/analysis.js';
import { createDispatchActivities } from './activities/dispatch.js';
import { createSelfCheckActivities } from './activities/self-check.js';
import type { ProcessingRecord } from './activities/record.js';
import { getAnalysis } from './analyses/registry.js';
import { openNwb } from './nwb/open.js';
import { readSession } from './nwb/session.js';
import { objectStoreFor, recordStoreFor, s3ClientFor } from './stores/from-config.js';
import { readInputFile, resolveSessionFiles, type InputResolverOptions } from './stores/inputs.js';
import type { Client } from '@temporalio/client';
import type { RecordStore } from './stores/record-store.js';
import { codeVersion } from './version.js';

/** Worker-local folder for HDF5 sessions downloaded from S3 (GA_NWB_CACHE_DIR). */
export function nwbCacheDir(env: NodeJS.ProcessEnv): string {
  return env.GA_NWB_CACHE_DIR ?? join(tmpdir(), 'grouped-analysis-nwb-cache');
}

export interface Runtime {
  deps: AnalysisActivityDeps;
  activities: ReturnType<typeof createAnalysisActivities> &
    ReturnType<typeof createSelfCheckActivities> &
    ReturnType<typeof createDispatchActivities>;
  records: RecordStore<ProcessingRecord>;
  close(): Promise<void>;
}

export async function createRuntime(config: Config, env: NodeJS.ProcessEnv = process.env): Promise<Runtime> {
  const s3 = await s3ClientFor(config);
  const records = await recordStoreFor<ProcessingRecord>(config);
  const remote = s3 ? (await import('./nwb/s3.js')).createS3Resolver({ client: s3, cacheDir: nwbCacheDir(env) }) : undefined;
  const inputOptions: InputResolverOptions = {
    s3,
    localRoots: config.dataRoot ? [config.dataRoot] : undefined,
    allowedBuckets: config.inputBuckets,
  };
  const deps: AnalysisActivityDeps = {
    results: await objectStoreFor(config, s3),
    records,
    getAnalysis,
    resolveSessionFiles: (location) => resolveSessionFiles(location, inputOptions),
    readResource: (location) => readInputFile(location, inputOptions),
    async loadSession(uri, request) {
      const source = await openNwb(uri, { remote });
      try {
        return await readSession(source, request);
      } finally {
        await source.close();
      }
    },
    codeVersion: codeVersion(env),
    workerIdentity: `${process.pid}@${hostname()}`,
    now: () => new Date(),
  };
  // The scheduled dispatch starts workflows: a client, opened on first use only.
  let client: Promise<Client> | undefined;
  const dispatch = createDispatchActivities({
    // Loaded on first use: a process that never starts workflows (a worker on local stores, the
    // benchmark) is spared the Temporal client and its gRPC stack (~35 MB RSS).
    client: () => (client ??= import('./temporal/connection.js').then((m) => m.connectClient(config.temporal))),
    records,
    taskQueue: config.temporal.taskQueue,
    codeVersion: deps.codeVersion,
    sessionParallelism: config.concurrency.sessionParallelism,
    pythonTaskQueue: config.temporal.pythonTaskQueue,
  });
  return {
    deps,
    activities: { ...createAnalysisActivities(deps), ...createSelfCheckActivities(), ...dispatch },
    records,
    async close() {
      await records.close();
      if (client) await (await client).connection.close();
    },
  };
}
