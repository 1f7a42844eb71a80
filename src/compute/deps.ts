// What the analysis stages read and write through, built from the configuration: the results
// store (S3 or a local folder), the NWB reader (local or S3, with the worker's HDF5 download
// cache), resource files and the analysis registry. Built once by the worker (src/runtime.ts) and
// once in each compute thread (./thread.ts), which cannot share the main thread's objects.
import type { Config } from '../config.js';
import { getAnalysis } from '../analyses/registry.js';
import { openNwb } from '../nwb/open.js';
import { readSession } from '../nwb/session.js';
import { objectStoreFor, s3ClientFor } from '../stores/from-config.js';
import { readInputFile, resolveSessionFiles, type InputResolverOptions } from '../stores/inputs.js';
import type { SessionRef } from '../workflows/analysis-types.js';
import type { StageDeps } from './stages.js';

export interface InputDeps extends Omit<StageDeps, 'codeVersion'> {
  resolveSessionFiles(location: string): Promise<SessionRef[]>;
}

export async function stageDeps(config: Config): Promise<InputDeps> {
  const s3 = await s3ClientFor(config);
  const remote = s3 ? (await import('../nwb/s3.js')).createS3Resolver({ client: s3, cacheDir: config.nwbCacheDir }) : undefined;
  const inputOptions: InputResolverOptions = {
    s3,
    localRoots: config.dataRoot ? [config.dataRoot] : undefined,
    allowedBuckets: config.inputBuckets,
  };
  return {
    results: await objectStoreFor(config, s3),
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
  };
}
