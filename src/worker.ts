// The worker process: `npm run worker` (or `node dist/worker.js` after `npm run build`). Reads
// the configuration once (the environment, completed from the local services env file as the CLI
// does: src/services-env.ts), checks that the Temporal namespace has the workflows' search
// attributes, connects to Temporal and the stores, says where it connected, and serves the
// analysis workflows until SIGINT or SIGTERM, when it stops polling and lets in-flight activities
// finish (up to the grace time). Exit code 2: the configuration or the namespace needs a fix.
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { ConfigError, loadConfig } from './config.js';
import { createRuntime } from './runtime.js';
import { servicesEnvFile, withServicesEnv } from './services-env.js';
import { connectWorker } from './temporal/connection.js';
import { checkNamespace } from './temporal/namespace-check.js';
import { installSdkLogging } from './temporal/sdk-log.js';
import { createWorker } from './temporal/worker-factory.js';
import { workerStartedMessage } from './temporal/worker-started.js';

/** Runs a worker with `env` as given (callers complete it with withServicesEnv()). */
export async function runWorker(env: NodeJS.ProcessEnv = withServicesEnv()): Promise<void> {
  const config = loadConfig(env);
  const connection = await connectWorker(config.temporal);
  // Before the runtime and the workflow bundle: a namespace that cannot run the workflows fails in
  // a second with the fix, not at the first start.
  await checkNamespace(connection, config.temporal);
  const runtime = await createRuntime(config, env);
  const worker = await createWorker({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    activities: runtime.activities,
    prebuiltBundlePath: env.GA_WORKFLOW_BUNDLE,
    maxConcurrentActivityTaskExecutions: config.concurrency.maxConcurrentActivities,
    maxConcurrentWorkflowTaskExecutions: config.concurrency.maxConcurrentWorkflowTasks,
    identity: runtime.deps.workerIdentity,
  });
  const settingsFile = servicesEnvFile(env);
  console.log(
    workerStartedMessage(config, {
      codeVersion: runtime.deps.codeVersion,
      ...(existsSync(settingsFile) && { settingsFile }),
      tty: process.stdout.isTTY === true,
    }),
  );
  // The SDK installs SIGINT/SIGTERM handlers that call worker.shutdown() (graceful).
  try {
    await worker.run();
  } finally {
    await runtime.close();
    await connection.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const env = withServicesEnv(process.env);
  // The SDK's warnings and errors on stderr as plain text, as `npm run cli -- worker` has them.
  installSdkLogging({ env }).then(() => runWorker(env)).catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(e instanceof ConfigError ? 2 : 1);
  });
}
