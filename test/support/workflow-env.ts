// A Temporal server of one's own for hermetic workflow runs (unit tests, benchmarks): the dev server
// of the `temporal` CLI that `scripts/services.sh` installs, started by @temporalio/testing on free
// ports, in memory, with the workflows' search attributes. Never downloaded (this machine and CI
// reach no download site), and not the shared dev server of `services.sh up`.
import { existsSync } from 'node:fs';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime, type WorkflowBundle } from '@temporalio/worker';
import { servicesEnv, servicesEnvFile } from '../../src/services-env.js';
import { workflowSource } from '../../src/temporal/worker-factory.js';
import { SA } from '../../src/workflows/search-attributes.js';

/** The `temporal` CLI: $TEMPORAL_CLI, else the one the services env file names. */
export function temporalCli(env: NodeJS.ProcessEnv = process.env): string {
  const path = env.TEMPORAL_CLI || servicesEnv(env).TEMPORAL_CLI;
  if (path && existsSync(path)) return path;
  throw new Error(
    `no Temporal CLI ${path ? `at ${path}` : `(TEMPORAL_CLI is unset and ${servicesEnvFile(env)} does not exist)`}: ` +
      'the workflow tests start their own server from it. Install it with `bash scripts/services.sh up` ' +
      '(`npm test` does), or set TEMPORAL_CLI to a temporal CLI binary',
  );
}

/**
 * A fresh server (from the CLI at `cli`, default temporalCli()) and a client and worker connection
 * to it; `teardown()` stops it. The SDK's own log lines (core's too) below ERROR are dropped: the
 * warnings of every activity and run that a test makes fail.
 */
export async function createTestEnv(cli?: string): Promise<TestWorkflowEnvironment> {
  const path = cli ?? temporalCli();
  installRuntimeOnce();
  return await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path },
      ip: '127.0.0.1',
      searchAttributes: Object.values(SA),
      log: { format: 'json', level: 'error' },
    },
  });
}

/** The workflow code from the sources, bundled (webpack: seconds) for workers given `workflowBundle`. */
export async function bundleWorkflows(): Promise<WorkflowBundle> {
  return await bundleWorkflowCode({ workflowsPath: workflowSource().workflowsPath!, logger: quietLogger() });
}

let installed = false;
function installRuntimeOnce() {
  if (installed) return;
  Runtime.install({ logger: quietLogger(), telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' }, forward: {} } } });
  installed = true;
}

/** The SDK's log lines from ERROR up (webpack's and the workers' notes, expected failures' warnings dropped). */
export function quietLogger(): DefaultLogger {
  return new DefaultLogger('ERROR');
}
