// The worker process: `npm run worker` (or `node dist/worker.js` after `npm run build`). Reads
// the configuration once, connects to Temporal and the stores, and serves the analysis workflows
// until SIGINT or SIGTERM, when it stops polling and lets in-flight activities finish (up to the
// grace time).
import { pathToFileURL } from 'node:url';
import { loadConfig, redactedConfig } from './config.js';
import { createRuntime } from './runtime.js';
import { connectWorker } from './temporal/connection.js';
import { createWorker } from './temporal/worker-factory.js';

export async function runWorker(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const config = loadConfig(env);
  const runtime = await createRuntime(config, env);
  const worker = await createWorker({
    connection: await connectWorker(config.temporal),
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    activities: runtime.activities,
    prebuiltBundlePath: env.GA_WORKFLOW_BUNDLE,
    maxConcurrentActivityTaskExecutions: config.concurrency.maxConcurrentActivities,
    maxConcurrentWorkflowTaskExecutions: config.concurrency.maxConcurrentWorkflowTasks,
    identity: runtime.deps.workerIdentity,
  });
  console.log(
    JSON.stringify({
      msg: 'worker started',
      taskQueue: config.temporal.taskQueue,
      codeVersion: runtime.deps.codeVersion,
      config: redactedConfig(config),
    }),
  );
  // The SDK installs SIGINT/SIGTERM handlers that call worker.shutdown() (graceful).
  try {
    await worker.run();
  } finally {
    await runtime.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  runWorker().catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
