import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';

/**
 * The workflow code the worker runs: a prebuilt bundle in production (`npm run build:workflows`,
 * deterministic and fast to start), else bundled from source on start-up (dev and tests).
 */
export function workflowSource(prebuiltBundlePath?: string): Pick<WorkerOptions, 'workflowsPath' | 'workflowBundle'> {
  if (prebuiltBundlePath) return { workflowBundle: { codePath: prebuiltBundlePath } };
  // Running from TypeScript sources (tsx, vitest) or from the tsc build in dist/.
  const ts = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));
  return { workflowsPath: existsSync(ts) ? ts : fileURLToPath(new URL('../workflows/index.js', import.meta.url)) };
}

export interface WorkerParams {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: object;
  prebuiltBundlePath?: string;
  maxConcurrentActivityTaskExecutions?: number;
  maxConcurrentWorkflowTaskExecutions?: number;
  identity?: string;
}

export async function createWorker(p: WorkerParams): Promise<Worker> {
  return await Worker.create({
    connection: p.connection,
    namespace: p.namespace,
    taskQueue: p.taskQueue,
    activities: p.activities,
    ...workflowSource(p.prebuiltBundlePath),
    // Explicit `undefined` would override the SDK's defaults (the native layer rejects it).
    ...definedOnly({
      maxConcurrentActivityTaskExecutions: p.maxConcurrentActivityTaskExecutions,
      maxConcurrentWorkflowTaskExecutions: p.maxConcurrentWorkflowTaskExecutions,
      identity: p.identity,
    }),
    // Let in-flight activities finish (or hand them back) on SIGTERM before exiting.
    shutdownGraceTime: '30 seconds',
  });
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
