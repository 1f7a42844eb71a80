// A Temporal dev server of the benchmark's own (`scripts/services.sh start temporal` with its own
// state folder and ports, search attributes registered by its flags): no other run's workflows
// share its CPU, which the benchmark counts.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './paths.js';

export interface DevServer {
  address: string;
  pids(): Promise<number[]>;
  close(): Promise<void>;
}

const exec = promisify(execFile);

/** Starts a dev server on the port block at `base` (gRPC base+233, HTTP base+243, metrics base+244; no UI). */
export async function startDevServer(base: number): Promise<DevServer> {
  const stateDir = await mkdtemp(join(tmpdir(), `ga-dev-server-${base / 1000}xxx-`));
  const env = {
    ...process.env,
    GA_STATE_DIR: stateDir,
    GA_TEMPORAL_HEADLESS: '1',
    GA_TEMPORAL_PORT: String(base + 233),
    GA_TEMPORAL_HTTP_PORT: String(base + 243),
    GA_TEMPORAL_METRICS_PORT: String(base + 244),
  };
  // `up` makes the database's folder; `start temporal` expects it.
  await mkdir(join(stateDir, 'temporal'));
  const services = (...args: string[]) => exec('bash', [join(REPO_ROOT, 'scripts', 'services.sh'), ...args], { env, timeout: 600_000 });
  await services('start', 'temporal');
  return {
    address: `127.0.0.1:${env.GA_TEMPORAL_PORT}`,
    pids: async () => [Number(await readFile(join(stateDir, 'temporal.pid'), 'utf8'))],
    async close() {
      await services('stop', 'temporal').catch((e: unknown) => console.error(`stopping the dev server of ${stateDir} failed: ${String(e)}`));
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}
