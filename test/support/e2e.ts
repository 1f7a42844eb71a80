// Shared set-up for end-to-end tests: the real config (from the services env file), a real
// worker on its own task queue, the real stores, and helpers to put inputs into the S3 server.
import { randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { Client } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import { loadConfig, type Config } from '../../src/config.js';
import { createRuntime, type Runtime } from '../../src/runtime.js';
import { parseS3Uri, S3ObjectStore } from '../../src/stores/s3.js';
import { s3ClientFor } from '../../src/stores/from-config.js';
import { connectClient, connectWorker } from '../../src/temporal/connection.js';
import { createWorker } from '../../src/temporal/worker-factory.js';

export interface E2E {
  config: Config;
  runtime: Runtime;
  client: Client;
  worker: Worker;
  /** Resolves when the worker has shut down. */
  running: Promise<void>;
  stop(): Promise<void>;
}

export async function startE2E(overrides: Record<string, string> = {}): Promise<E2E> {
  const taskQueue = `e2e-${randomUUID()}`;
  const env = { ...process.env, TEMPORAL_TASK_QUEUE: taskQueue, ...overrides };
  const config = loadConfig(env);
  const runtime = await createRuntime(config, env);
  const client = await connectClient(config.temporal);
  const worker = await createWorker({
    connection: await connectWorker(config.temporal),
    namespace: config.temporal.namespace,
    taskQueue,
    activities: runtime.activities,
  });
  const running = worker.run();
  return {
    config,
    runtime,
    client,
    worker,
    running,
    async stop() {
      worker.shutdown();
      await running;
      await runtime.close();
      await client.connection.close();
    },
  };
}

/** Uploads a local file or folder (Zarr) to s3://<results bucket>/<prefix>/<name>; returns its URI. */
export async function uploadToS3(config: Config, localPath: string, prefix: string, name: string): Promise<string> {
  const { bucket } = parseS3Uri(`s3://${(config.objectStore as { bucket: string }).bucket}`);
  const store = new S3ObjectStore((await s3ClientFor(config))!, { bucket, prefix });
  const entries = await readdir(localPath, { recursive: true, withFileTypes: true }).catch(() => null);
  if (entries === null) await store.put(name, await readFile(localPath));
  else {
    for (const e of entries.filter((d) => d.isFile())) {
      const p = join(e.parentPath, e.name);
      await store.put(`${name}/${relative(localPath, p).split(sep).join('/')}`, await readFile(p));
    }
  }
  return `s3://${bucket}/${prefix}/${name}`;
}

/** IDs of the workflows a visibility query lists now. */
export async function listWorkflowIds(client: Client, query: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const w of client.workflow.list({ query })) ids.push(w.workflowId);
  return ids;
}

/** What the query lists once it lists anything (visibility is eventually consistent; ~10 s at most). */
export async function waitUntilListed(client: Client, query: string): Promise<string[]> {
  let ids: string[] = [];
  for (let i = 0; i < 40 && ids.length === 0; i++) {
    ids = await listWorkflowIds(client, query);
    if (ids.length === 0) await new Promise((r) => setTimeout(r, 250));
  }
  return ids;
}
