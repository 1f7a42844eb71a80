// Runtime configuration, validated once at start-up: the variables of src/config/variables.ts from
// the environment, over a JSON file named by GA_CONFIG_FILE, over (for the Temporal connection)
// the profile of Temporal's own TOML configuration file (src/config/sources.ts). Every problem is
// reported in one ConfigError whose issues carry a code, name the variable and the fix, and never
// echo a secret. Empty variables count as unset.
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { configIssue, ConfigError, type ValidationIssue } from './schemas/errors.js';
import { gather } from './config/sources.js';
import { ConfigVariables, docOf, parseVariables, redactUri, VARIABLE_NAMES, type RawValues, type Values, type VariableName } from './config/variables.js';

export { ConfigError } from './schemas/errors.js';
export { readVariable, redactUri } from './config/variables.js';

export interface Config {
  temporal: {
    address: string;
    namespace: string;
    taskQueue: string;
    /** Where Python analyses' stages are scheduled, instead of their manifests' task queue. */
    pythonTaskQueue?: string;
    uiUrl?: string;
    apiKey?: string;
    /** Absent = plaintext connection (local dev server); a certificate or key as a file or as text. */
    tls?: Partial<Record<'clientCertPath' | 'clientKeyPath' | 'serverCaCertPath' | 'clientCertData' | 'clientKeyData' | 'serverCaCertData' | 'serverName', string>>;
    /** gRPC headers of the Temporal profile (grpc_meta, TEMPORAL_GRPC_META_*). */
    grpcMeta?: Record<string, string>;
  };
  objectStore:
    | {
        kind: 's3';
        bucket: string;
        /** '' or a key prefix without leading/trailing slashes. */
        prefix: string;
        region: string;
        endpoint?: string;
        forcePathStyle: boolean;
        /** Absent = the AWS SDK's default credential chain (instance role, profile, ...). */
        credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
      }
    | { kind: 'local'; root: string };
  recordStore: { kind: 'mongodb'; uri: string; db: string; collection: string } | { kind: 'local'; root: string };
  concurrency: {
    maxConcurrentActivities: number;
    maxConcurrentWorkflowTasks: number;
    sessionParallelism: number;
    /** Threads that run the analysis stages (0: on the main thread); default one per core, at most one per activity slot. */
    computeThreads: number;
  };
  /** Local data locations must resolve inside this folder; absent = no containment check. */
  dataRoot?: string;
  /** S3 inputs must be in one of these buckets; absent = any bucket. */
  inputBuckets?: string[];
  /** The worker's folder for HDF5 sessions downloaded from S3. */
  nwbCacheDir: string;
  /** A prebuilt workflow bundle; absent = bundle at start. */
  workflowBundle?: string;
}

/** Reads and validates the configuration; throws one ConfigError listing every problem. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return validated(env);
}

// Where results and records go: what an admin's machine, which only talks to Temporal, need not set.
const STORE_PLACES: readonly VariableName[] = ['ANALYSIS_BUCKET', 'GA_LOCAL_RESULTS_DIR', 'MONGODB_URI', 'GA_LOCAL_RECORDS_DIR'];

/** The Temporal connection alone (`setup-namespace`): validated as by loadConfig, the stores' places left out. */
export function loadTemporalSettings(env: NodeJS.ProcessEnv = process.env): Config['temporal'] {
  return validated(env, STORE_PLACES).temporal;
}

function validated(env: NodeJS.ProcessEnv, leftOut: readonly VariableName[] = []): Config {
  const { raw, sources, grpcMeta, issues } = gather(env);
  if (issues.length > 0) throw new ConfigError(issues);
  for (const name of leftOut) delete raw[name];
  const parsed = parseVariables(raw, sources);
  const combined = combinationIssues(raw).filter((i) => !leftOut.includes(i.variable as VariableName));
  const all = [...('issues' in parsed ? parsed.issues : []), ...combined];
  if (all.length > 0 || !('values' in parsed)) throw new ConfigError(all);
  return toConfig(parsed.values, grpcMeta);
}

// The Config from validated values: where results and records go, the Temporal connection, limits.
function toConfig(v: Values, grpcMeta?: Record<string, string>): Config {
  const tls = {
    clientCertPath: v.TEMPORAL_TLS_CLIENT_CERT_PATH,
    clientKeyPath: v.TEMPORAL_TLS_CLIENT_KEY_PATH,
    serverCaCertPath: v.TEMPORAL_TLS_SERVER_CA_CERT_PATH,
    clientCertData: v.TEMPORAL_TLS_CLIENT_CERT_DATA,
    clientKeyData: v.TEMPORAL_TLS_CLIENT_KEY_DATA,
    serverCaCertData: v.TEMPORAL_TLS_SERVER_CA_CERT_DATA,
    serverName: v.TEMPORAL_TLS_SERVER_NAME,
  };
  // As Temporal's environment configuration: an API key or any TLS setting turns TLS on.
  const tlsOn = v.TEMPORAL_TLS ?? (v.TEMPORAL_API_KEY !== undefined || Object.values(tls).some((x) => x !== undefined));
  const bucket = v.ANALYSIS_BUCKET && /^(?:s3:\/\/)?([^/]+)\/?(.*)$/.exec(v.ANALYSIS_BUCKET)!;
  return {
    temporal: {
      address: v.TEMPORAL_ADDRESS,
      namespace: v.TEMPORAL_NAMESPACE,
      taskQueue: v.TEMPORAL_TASK_QUEUE,
      pythonTaskQueue: v.GA_PY_TASK_QUEUE,
      uiUrl: v.TEMPORAL_UI_URL,
      apiKey: v.TEMPORAL_API_KEY,
      ...(tlsOn && { tls }),
      ...(grpcMeta && { grpcMeta }),
    },
    objectStore: bucket
      ? {
          kind: 's3',
          bucket: bucket[1],
          prefix: bucket[2].replace(/^\/+|\/+$/g, ''),
          // A custom endpoint (a local S3 server) does not care about the region; AWS does.
          region: v.AWS_REGION ?? 'us-east-1',
          endpoint: v.S3_ENDPOINT,
          forcePathStyle: v.S3_FORCE_PATH_STYLE,
          ...(v.AWS_ACCESS_KEY_ID && v.AWS_SECRET_ACCESS_KEY && {
            credentials: { accessKeyId: v.AWS_ACCESS_KEY_ID, secretAccessKey: v.AWS_SECRET_ACCESS_KEY, sessionToken: v.AWS_SESSION_TOKEN },
          }),
        }
      : { kind: 'local', root: v.GA_LOCAL_RESULTS_DIR! },
    recordStore: v.MONGODB_URI
      ? { kind: 'mongodb', uri: v.MONGODB_URI, db: v.MONGODB_DB, collection: v.DOCDB_COLLECTION }
      : { kind: 'local', root: v.GA_LOCAL_RECORDS_DIR! },
    concurrency: {
      maxConcurrentActivities: v.GA_MAX_CONCURRENT_ACTIVITIES,
      maxConcurrentWorkflowTasks: v.GA_MAX_CONCURRENT_WORKFLOW_TASKS,
      sessionParallelism: v.GA_SESSION_PARALLELISM,
      computeThreads: v.GA_COMPUTE_THREADS ?? Math.max(1, Math.min(availableParallelism(), v.GA_MAX_CONCURRENT_ACTIVITIES)),
    },
    dataRoot: v.GA_DATA_ROOT,
    inputBuckets: v.GA_INPUT_BUCKETS,
    nwbCacheDir: v.GA_NWB_CACHE_DIR ?? path.join(tmpdir(), 'grouped-analysis-nwb-cache'),
    workflowBundle: v.GA_WORKFLOW_BUNDLE,
  };
}

// Where the secret variables end up in a Config, found once by making one from marked values
// (with every branch that shows a secret taken): the docs' flags are the only list of secrets.
const SECRET_PATHS = (() => {
  const marked = { ...ConfigVariables.parse({}), ANALYSIS_BUCKET: 'probe', AWS_ACCESS_KEY_ID: 'probe' } as Values;
  for (const name of VARIABLE_NAMES) if (docOf(name).secret) Object.assign(marked, { [name]: `\0${name}` });
  const found: { path: string[]; secret: true | 'uri' }[] = [];
  const walk = (value: unknown, at: string[]): void => {
    if (typeof value === 'string' && value.startsWith('\0')) found.push({ path: at, secret: docOf(value.slice(1) as VariableName).secret! });
    else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(v, [...at, k]);
  };
  walk(toConfig(marked), []);
  return found;
})();

/** The configuration with every secret (as the variables' docs flag them) masked, safe to log or print. */
export function redactedConfig(config: Config): Config {
  const copy = structuredClone(config);
  for (const { path: at, secret } of SECRET_PATHS) {
    const parent = at.slice(0, -1).reduce<Record<string, unknown> | undefined>((o, k) => o?.[k] as Record<string, unknown> | undefined, copy as never);
    const value = parent?.[at[at.length - 1]];
    if (typeof value === 'string') parent![at[at.length - 1]] = secret === 'uri' ? redactUri(value) : '***';
  }
  // gRPC headers may carry credentials of their own.
  if (copy.temporal.grpcMeta) copy.temporal.grpcMeta = Object.fromEntries(Object.keys(copy.temporal.grpcMeta).map((k) => [k, '***']));
  return copy;
}

// What no single variable shows: settings that exclude, need or complete each other.
function combinationIssues(raw: RawValues): ValidationIssue[] {
  const set = (name: VariableName): boolean => raw[name] !== undefined;
  const e_g = (name: VariableName): string => `${name}, e.g. ${name}=${docOf(name).example}`;
  const issues: ValidationIssue[] = [];
  const oneOf = (a: VariableName, b: VariableName, what: string): void => {
    if (set(a) && set(b)) issues.push(configIssue(a, 'config.conflict', `both ${a} and ${b} are set; ${what} go to one place`, `unset one of them`));
    if (!set(a) && !set(b)) issues.push(configIssue(a, 'config.missing', `no place for ${what}`, `set ${e_g(a)}; or ${e_g(b)}`));
  };
  const both = (a: VariableName, b: VariableName, aSet = set(a), bSet = set(b)): void => {
    if (aSet !== bSet) {
      const missing = aSet ? b : a;
      issues.push(configIssue(missing, 'config.incomplete', `${aSet ? a : b} is set without ${missing}`, `set ${e_g(missing)}`));
    }
  };
  oneOf('ANALYSIS_BUCKET', 'GA_LOCAL_RESULTS_DIR', 'results');
  oneOf('MONGODB_URI', 'GA_LOCAL_RECORDS_DIR', 'records');
  if (set('ANALYSIS_BUCKET') && !set('AWS_REGION') && !set('S3_ENDPOINT')) {
    issues.push(configIssue('AWS_REGION', 'config.missing', 'is required with ANALYSIS_BUCKET on AWS', `set ${e_g('AWS_REGION')}`));
  }
  both('AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY');
  const tlsSet = (kind: string): boolean => set(`TEMPORAL_TLS_${kind}_PATH` as VariableName) || set(`TEMPORAL_TLS_${kind}_DATA` as VariableName);
  both('TEMPORAL_TLS_CLIENT_CERT_PATH', 'TEMPORAL_TLS_CLIENT_KEY_PATH', tlsSet('CLIENT_CERT'), tlsSet('CLIENT_KEY'));
  const tlsSettings = tlsSet('CLIENT_CERT') || tlsSet('CLIENT_KEY') || tlsSet('SERVER_CA_CERT') || set('TEMPORAL_TLS_SERVER_NAME');
  if (tlsSettings && ConfigVariables.shape.TEMPORAL_TLS.safeParse(raw.TEMPORAL_TLS).data === false) {
    issues.push(configIssue('TEMPORAL_TLS', 'config.conflict', 'is false but TLS certificate settings are given', 'unset TEMPORAL_TLS, or the TEMPORAL_TLS_* settings'));
  }
  return issues;
}
