// A Temporal cluster of one's own (scripts/cluster.sh: PostgreSQL, then the frontend, history,
// matching and worker services as separate processes): for the reliability suite, the faults a dev
// server cannot have (one service restarted while the others run); for bench:cluster, a server no
// other run uses. Its ports are a block of their own: the suite's at 24xxx, the benchmark's at
// 26xxx (the default cluster of `npm run test:cluster` is 22xxx, the suite's other servers 21xxx);
// its state folder is a new one under the system temp folder that the `postgres` user can reach.
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './env.js';

export const SUITE_CLUSTER_BASE = 24_000;

/** The variables that put every port of a cluster in the block at `base` (a multiple of 1,000). */
export function clusterPorts(base: number): Record<string, string> {
  const services = { FRONTEND: 233, HISTORY: 234, MATCHING: 235, WORKER: 239 };
  return Object.fromEntries(
    Object.entries({
      GA_CLUSTER_PG_PORT: 432,
      GA_CLUSTER_FRONTEND_HTTP_PORT: 243,
      ...Object.fromEntries(Object.entries(services).map(([s, p]) => [`GA_CLUSTER_${s}_PORT`, p])),
      ...Object.fromEntries(Object.entries(services).map(([s, p]) => [`GA_CLUSTER_${s}_MEMBERSHIP_PORT`, p + 700])),
      ...Object.fromEntries(Object.entries(services).map(([s, p]) => [`GA_CLUSTER_${s}_METRICS_PORT`, p + 600])),
    }).map(([k, offset]) => [k, String(base + offset)]),
  );
}

export interface Cluster {
  /** TEMPORAL_ADDRESS of its frontend. */
  address: string;
  stateDir: string;
  /** `bash scripts/cluster.sh <args>` against this cluster. */
  run(...args: string[]): Promise<string>;
  /** Process ids of PostgreSQL and the four services, as running now. */
  pids(): Promise<number[]>;
  /** Stops every process and deletes the state folder (kept with GA_RELIABILITY_KEEP=1). */
  close(): Promise<void>;
}

const exec = promisify(execFile);

/** Starts a new cluster on the port block at `base` (its namespace and search attributes registered); tens of seconds. */
export async function startCluster(base: number): Promise<Cluster> {
  const stateDir = await mkdtemp(join(tmpdir(), `ga-cluster-${base / 1000}xxx-`));
  // PostgreSQL runs as the `postgres` user: it must be able to enter the folder.
  await chmod(stateDir, 0o755);
  const ports = clusterPorts(base);
  const env = { ...process.env, GA_CLUSTER_STATE_DIR: stateDir, ...ports };
  const run = async (...args: string[]) => {
    const { stdout, stderr } = await exec('bash', [join(REPO_ROOT, 'scripts', 'cluster.sh'), ...args], { env, timeout: 900_000 });
    return stdout + stderr;
  };
  const cluster: Cluster = {
    address: `127.0.0.1:${ports.GA_CLUSTER_FRONTEND_PORT}`,
    stateDir,
    run,
    pids: () => Promise.all(['postgres', 'frontend', 'history', 'matching', 'worker'].map(async (n) => Number(await readFile(join(stateDir, `${n}.pid`), 'utf8')))),
    async close() {
      await run('down').catch((e: unknown) => console.error(`stopping the cluster of ${stateDir} failed: ${String(e)}`));
      if (process.env.GA_RELIABILITY_KEEP !== '1') await rm(stateDir, { recursive: true, force: true });
    },
  };
  try {
    await run('up');
  } catch (e) {
    // The state folder stays, for its logs.
    await run('down').catch(() => undefined);
    throw new Error(`the Temporal cluster on ${cluster.address} did not start (logs: ${stateDir}/logs): ${String(e)}`, { cause: e });
  }
  return cluster;
}
