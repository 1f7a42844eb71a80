// Loads the env file written by `scripts/services.sh up` so integration and e2e tests talk to the
// real local servers. Missing file = services not started: fail loudly with the fix, never skip.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const envFile = join(process.env.GA_STATE_DIR ?? join(repoRoot, '.services'), 'env');

if (!existsSync(envFile)) {
  throw new Error(
    `No services env file at ${envFile}: the real Temporal, MongoDB-wire and S3 servers are not running.\n` +
      `Start them with: bash scripts/services.sh up   (or run the whole suite with: npm test)`,
  );
}
for (const line of readFileSync(envFile, 'utf8').split('\n')) {
  const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
  // An explicitly exported variable wins, so a test run can point at other servers.
  if (m && process.env[m[1]] === undefined) process.env[m[1]] = m[2];
}
