// The reliability suite's own servers and the environment every process of the suite gets.
// Nothing here may point at the default local services (7233, 27017, 8333, ...): other runs use
// them while this suite kills and restarts its servers. Ports are one fixed block, 21xxx (and
// 31xxx, SeaweedFS's gRPC ports = port + 10000), below the kernel's ephemeral port range.
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

export const REPO_ROOT = resolve(import.meta.dirname, '..', '..', '..');

export const PORTS = {
  GA_TEMPORAL_PORT: 21233,
  GA_TEMPORAL_UI_PORT: 21234,
  GA_TEMPORAL_HTTP_PORT: 21243,
  GA_TEMPORAL_METRICS_PORT: 21244,
  GA_MONGO_PORT: 21017,
  GA_S3_PORT: 21333,
  GA_WEED_MASTER_PORT: 21334,
  GA_WEED_VOLUME_PORT: 21335,
  GA_WEED_FILER_PORT: 21336,
  GA_WEED_ADMIN_PORT: 21337,
  GA_WEED_ICEBERG_PORT: 21338,
  GA_WEED_LANCE_PORT: 21339,
} as const;

/** Ports of the default services and of the CI dry run: the suite refuses to run if it would use one. */
export const FORBIDDEN_PORTS = [
  7233, 8233, 7243, 7244, 27017, 8333, 9333, 8080, 8888, 23646, 8181, 9101, 17233, 18233, 17243, 17244, 27018, 18334,
  19334, 18081, 18889, 23647, 18182, 19102,
];

export const BUCKET = 'ga-reliability';
/** A second bucket holding valid sessions that jobs must not be allowed to read. */
export const OTHER_BUCKET = 'ga-reliability-other';
export const S3_ACCESS_KEY = 'ga-reliability-access';

/** What the global set-up made; handed to every test file with `inject('suite')`. */
export interface SuiteInfo {
  stateDir: string;
  full: boolean;
  /** Recognisable fake secrets; every scenario runs with them, the security scenario scans for them. */
  secrets: { awsSecret: string; mongoPassword: string; temporalApiKey: string };
  codeVersion: string;
  bundlePath: string;
  /** Generated mice (local folders) and where their sessions were uploaded. */
  dataset: { dir: string; mice: { subjectId: string; dir: string; sessions: string[]; s3Prefix: string }[] };
  /** Where rows of the results table are appended (JSON lines). */
  resultsFile: string;
  /** Process ids of every worker and CLI process the suite started (killed at teardown if alive). */
  pidsFile: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    suite: SuiteInfo;
  }
}

/** Variables for scripts/services.sh: our state folder, our ports, our bucket and S3 secret. */
export function servicesEnv(stateDir: string, awsSecret: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/root',
    GA_STATE_DIR: stateDir,
    GA_TEMPORAL_HEADLESS: '1',
    GA_LOCAL_BUCKET: BUCKET,
    GA_LOCAL_S3_ACCESS_KEY: S3_ACCESS_KEY,
    GA_LOCAL_S3_SECRET_KEY: awsSecret,
    ...(process.env.GA_CACHE_DIR ? { GA_CACHE_DIR: process.env.GA_CACHE_DIR } : {}),
    ...(process.env.GOPATH ? { GOPATH: process.env.GOPATH } : {}),
    ...Object.fromEntries(Object.entries(PORTS).map(([k, v]) => [k, String(v)])),
  };
}

const exec = promisify(execFile);

export type ServiceName = 'temporal' | 'ferretdb' | 'seaweedfs';

/** `bash scripts/services.sh <args>` against the suite's own servers. */
export async function services(suite: Pick<SuiteInfo, 'stateDir' | 'secrets'>, ...args: string[]): Promise<string> {
  const { stdout, stderr } = await exec('bash', [join(REPO_ROOT, 'scripts', 'services.sh'), ...args], {
    env: servicesEnv(suite.stateDir, suite.secrets.awsSecret),
    timeout: 180_000,
  });
  return stdout + stderr;
}

export interface ScenarioEnv {
  /** Task queue of this scenario's workers. */
  taskQueue: string;
  /** Results go to s3://BUCKET/results/<scenario>; records to MongoDB database rel_<scenario>. */
  scenario: string;
  extra?: Record<string, string>;
}

/** The configuration of the app (worker, dispatcher, in-process client) for one scenario. */
export function appEnv(suite: SuiteInfo, s: ScenarioEnv): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/root',
    // cli.ts reads <GA_STATE_DIR>/env for anything unset: ours, never the default services'.
    GA_STATE_DIR: suite.stateDir,
    TEMPORAL_ADDRESS: `127.0.0.1:${PORTS.GA_TEMPORAL_PORT}`,
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_TASK_QUEUE: s.taskQueue,
    // The dev server is plaintext; the key still travels with every call (and must never be written).
    TEMPORAL_API_KEY: suite.secrets.temporalApiKey,
    TEMPORAL_TLS: 'false',
    ANALYSIS_BUCKET: `s3://${BUCKET}/results/${s.scenario}`,
    S3_ENDPOINT: `http://127.0.0.1:${PORTS.GA_S3_PORT}`,
    S3_FORCE_PATH_STYLE: 'true',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: S3_ACCESS_KEY,
    AWS_SECRET_ACCESS_KEY: suite.secrets.awsSecret,
    // FerretDB without authentication accepts any user with PLAIN; the password is our fake secret.
    MONGODB_URI: `mongodb://ga-reliability:${suite.secrets.mongoPassword}@127.0.0.1:${PORTS.GA_MONGO_PORT}/?authMechanism=PLAIN`,
    MONGODB_DB: `rel_${s.scenario.replace(/[^A-Za-z0-9_]/g, '_')}`,
    DOCDB_COLLECTION: 'processing_records',
    GA_INPUT_BUCKETS: BUCKET,
    GA_CODE_VERSION: suite.codeVersion,
    GA_WORKFLOW_BUNDLE: suite.bundlePath,
    GA_NWB_CACHE_DIR: join(suite.stateDir, 'nwb-cache', s.scenario),
    GA_MAX_CONCURRENT_ACTIVITIES: '6',
    ...s.extra,
  };
}

export function assertPortsAllowed(): void {
  const ours = Object.values(PORTS).flatMap((p) => [p, p + 10_000]);
  const clash = ours.filter((p) => FORBIDDEN_PORTS.includes(p));
  if (clash.length) throw new Error(`reliability ports ${clash.join(', ')} are reserved for other runs`);
}
