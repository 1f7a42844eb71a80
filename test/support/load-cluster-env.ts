// Points a test run at the Temporal cluster of scripts/cluster.sh (vitest.cluster.config.ts): the
// variables of its env file (TEMPORAL_ADDRESS of the frontend, TEMPORAL_NAMESPACE, no UI) replace
// the dev server's, before load-services-env.ts adds FerretDB and S3 from scripts/services.sh. The
// same file, read the same way, as any process pointed at the cluster. Missing file = cluster not
// up: fail loudly with the fix, never skip.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { servicesEnv, servicesEnvFile } from '../../src/services-env.js';

const stateDir = { GA_STATE_DIR: process.env.GA_CLUSTER_STATE_DIR || resolve(import.meta.dirname, '..', '..', '.cluster') };

if (!existsSync(servicesEnvFile(stateDir))) {
  throw new Error(
    `No cluster env file at ${servicesEnvFile(stateDir)}: the Temporal cluster is not running.\n` +
      'Start it with: bash scripts/cluster.sh up   (or run the cluster subset with: npm run test:cluster)',
  );
}
Object.assign(process.env, servicesEnv(stateDir));
