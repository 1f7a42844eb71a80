// Connection settings for the real local servers, from the env file loaded by load-services-env.ts.
import type { TemporalSettings } from '../../src/temporal/connection.js';

export function requiredEnv(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: start the servers with \`bash scripts/services.sh up\``);
  return v;
}

export function temporalSettingsForTests(taskQueue: string): TemporalSettings {
  return { address: requiredEnv('TEMPORAL_ADDRESS'), namespace: process.env.TEMPORAL_NAMESPACE ?? 'default', taskQueue };
}
