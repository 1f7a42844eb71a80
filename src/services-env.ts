// Where the local services are. `scripts/services.sh up` writes their addresses and local
// credentials to `${GA_STATE_DIR:-<repo>/.services}/env`; the CLI (`npm start`, `dispatch`,
// `results`, `jobs`), the worker (`npm run worker`) and the tests read it through this module, the
// operator scripts (scripts/ops/*.sh) through `services_env` in scripts/ops/common.sh: same file,
// same rule. Explicitly set variables win, even empty ones (`ANALYSIS_BUCKET=` drops the file's
// bucket, as `npm start` does for its local folders); without the file, nothing is added.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readVariable } from './config/variables.js';

// The repository: this file is src/services-env.ts, or dist/services-env.js when compiled.
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The env file of the local services: `${GA_STATE_DIR}/env`, else `<repo>/.services/env`. */
export function servicesEnvFile(env: NodeJS.ProcessEnv = process.env): string {
  // An empty GA_STATE_DIR counts as unset, as `${GA_STATE_DIR:-...}` in the scripts.
  return join(readVariable('GA_STATE_DIR', env) ?? join(repoRoot, '.services'), 'env');
}

/** The variables of the services env file; none when the local services were never started. */
export function servicesEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const file = servicesEnvFile(env);
  if (!existsSync(file)) return {};
  const out: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m) out[m[1]] = m[2];
  }
  return out;
}

/** The environment to run with: the services env file's variables under the explicitly set ones. */
export function withServicesEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...servicesEnv(env), ...env };
}
