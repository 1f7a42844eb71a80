// Loads the env file written by `scripts/services.sh up` so integration and e2e tests talk to the
// real local servers, found as the app finds them (src/services-env.ts). Missing file = services not
// started: fail loudly with the fix, never skip.
import { existsSync } from 'node:fs';
import { servicesEnv, servicesEnvFile } from '../../src/services-env.js';

const envFile = servicesEnvFile();

if (!existsSync(envFile)) {
  throw new Error(
    `No services env file at ${envFile}: the real Temporal, MongoDB-wire and S3 servers are not running.\n` +
      `Start them with: bash scripts/services.sh up   (or run the whole suite with: npm test)`,
  );
}
for (const [name, value] of Object.entries(servicesEnv())) {
  // An explicitly exported variable wins, so a test run can point at other servers.
  if (process.env[name] === undefined) process.env[name] = value;
}
