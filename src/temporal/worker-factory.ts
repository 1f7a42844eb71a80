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
      activityTaskPollerBehavior: activityPollers(p.maxConcurrentActivityTaskExecutions),
      identity: p.identity,
    }),
    // Let in-flight activities finish (or hand them back) on SIGTERM before exiting.
    shutdownGraceTime: '30 seconds',
  });
}

/**
 * Activity pollers for `slots` activity slots: a quarter of them (1 to 10). Each poller holds a slot
 * while it waits, and the SDK's default (one per slot, up to 10) left no slot free for eager
 * dispatch, in which the server hands a workflow task's next activity back with its completion
 * instead of through the task queue: one task dispatch less per activity, most of a run's
 * Temporal overhead on the dev server (bench/README.md, measured facts).
 */
function activityPollers(slots: number | undefined): WorkerOptions['activityTaskPollerBehavior'] {
  return slots === undefined ? undefined : { type: 'simple-maximum', maximum: Math.min(10, Math.max(1, Math.floor(slots / 4))) };
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
