import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ValidationError } from './schemas/errors.js';
import { MAX_INPUT_FILE_BYTES, parseJsonText } from './schemas/json-text.js';

// Runtime configuration from the environment (and optionally a JSON file named by
// GA_CONFIG_FILE; environment variables win), validated once at start-up. Every problem is
// reported in one error that names the variable, the expected form and an example, and never
// echoes a secret.

interface VariableInfo {
  expected: string;
  example: string;
  /** Never echoed; `uri` = echoed with its password hidden. */
  secret?: true | 'uri';
}

export const CONFIG_VARIABLES = {
  GA_CONFIG_FILE: { expected: 'path of a JSON file {"VARIABLE": "value", ...} with any of these variables', example: '/etc/grouped-analysis/config.json' },
  TEMPORAL_ADDRESS: { expected: 'host:port of the Temporal frontend', example: '127.0.0.1:7233' },
  TEMPORAL_NAMESPACE: { expected: 'a Temporal namespace name', example: 'default' },
  TEMPORAL_TASK_QUEUE: { expected: 'a task queue name without spaces', example: 'grouped-analysis' },
  GA_PY_TASK_QUEUE: { expected: 'a task queue name without spaces (the Python worker\'s; default: each Python analysis\'s manifest)', example: 'grouped-analysis-py' },
  TEMPORAL_UI_URL: { expected: 'http(s) URL of the Temporal web UI', example: 'http://127.0.0.1:8233' },
  TEMPORAL_API_KEY: { expected: 'a Temporal Cloud API key', example: '<api key>', secret: true },
  TEMPORAL_TLS: { expected: 'true or false', example: 'true' },
  TEMPORAL_TLS_CLIENT_CERT_PATH: { expected: 'path of an existing PEM client certificate file', example: '/etc/temporal/client.pem' },
  TEMPORAL_TLS_CLIENT_KEY_PATH: { expected: 'path of an existing PEM client key file', example: '/etc/temporal/client.key' },
  TEMPORAL_TLS_SERVER_CA_CERT_PATH: { expected: 'path of an existing PEM CA certificate file', example: '/etc/temporal/ca.pem' },
  TEMPORAL_TLS_SERVER_NAME: { expected: 'the server name to verify (SNI)', example: 'my-namespace.tmprl.cloud' },
  ANALYSIS_BUCKET: { expected: 's3://bucket[/prefix] or a bare bucket name', example: 's3://my-analysis-bucket/grouped' },
  AWS_REGION: { expected: 'an AWS region', example: 'us-west-2' },
  S3_ENDPOINT: { expected: 'http(s) URL of an S3-compatible server', example: 'http://127.0.0.1:8333' },
  S3_FORCE_PATH_STYLE: { expected: 'true or false', example: 'true' },
  AWS_ACCESS_KEY_ID: { expected: 'an access key id (with AWS_SECRET_ACCESS_KEY)', example: 'AKIAIOSFODNN7EXAMPLE' },
  AWS_SECRET_ACCESS_KEY: { expected: 'the secret access key (with AWS_ACCESS_KEY_ID)', example: '<secret>', secret: true },
  AWS_SESSION_TOKEN: { expected: 'a session token for temporary credentials', example: '<token>', secret: true },
  GA_LOCAL_RESULTS_DIR: { expected: 'a folder for results (instead of ANALYSIS_BUCKET)', example: './results' },
  MONGODB_URI: { expected: 'mongodb://[user:password@]host[:port][/...] or mongodb+srv://...', example: 'mongodb://127.0.0.1:27017/', secret: 'uri' },
  MONGODB_DB: { expected: 'a MongoDB database name (letters, digits, _ or -)', example: 'grouped_analysis' },
  DOCDB_COLLECTION: { expected: 'a MongoDB collection name (letters, digits, _ . -; not system.*)', example: 'processing_records' },
  GA_LOCAL_RECORDS_DIR: { expected: 'a folder for processing records (instead of MONGODB_URI)', example: './records' },
  GA_MAX_CONCURRENT_ACTIVITIES: { expected: 'an integer from 1 to 10000', example: '8' },
  GA_MAX_CONCURRENT_WORKFLOW_TASKS: { expected: 'an integer from 1 to 10000', example: '40' },
  GA_SESSION_PARALLELISM: { expected: 'an integer from 1 to 10000', example: '4' },
  GA_DATA_ROOT: { expected: 'an existing folder that local data locations must lie in', example: '/data' },
  GA_INPUT_BUCKETS: { expected: 'comma-separated S3 buckets that job inputs may be read from (unset = any)', example: 'my-data-bucket,my-other-bucket' },
} as const satisfies Record<string, VariableInfo>;

export type ConfigVariable = keyof typeof CONFIG_VARIABLES;

export const DEFAULT_TASK_QUEUE = 'grouped-analysis';

const Path = z.string().min(1);
const TlsConfig = z.strictObject({
  clientCertPath: Path.optional(),
  clientKeyPath: Path.optional(),
  serverCaCertPath: Path.optional(),
  serverName: z.string().min(1).optional(),
});

export const ConfigSchema = z.strictObject({
  temporal: z.strictObject({
    address: z.string().min(1),
    namespace: z.string().min(1),
    taskQueue: z.string().min(1),
    /** Where Python analyses' stages are scheduled, instead of their manifests' task queue. */
    pythonTaskQueue: z.string().min(1).optional(),
    uiUrl: z.string().optional(),
    apiKey: z.string().min(1).optional(),
    /** Absent = plaintext connection (local dev server). */
    tls: TlsConfig.optional(),
  }),
  objectStore: z.discriminatedUnion('kind', [
    z.strictObject({
      kind: z.literal('s3'),
      bucket: z.string().min(3),
      /** '' or a key prefix without leading/trailing slashes. */
      prefix: z.string(),
      region: z.string().min(1),
      endpoint: z.string().optional(),
      forcePathStyle: z.boolean(),
      /** Absent = the AWS SDK's default credential chain (instance role, profile, ...). */
      credentials: z
        .strictObject({
          accessKeyId: z.string().min(1),
          secretAccessKey: z.string().min(1),
          sessionToken: z.string().min(1).optional(),
        })
        .optional(),
    }),
    z.strictObject({ kind: z.literal('local'), root: Path }),
  ]),
  recordStore: z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('mongodb'), uri: z.string().min(1), db: z.string().min(1), collection: z.string().min(1) }),
    z.strictObject({ kind: z.literal('local'), root: Path }),
  ]),
  concurrency: z.strictObject({
    maxConcurrentActivities: z.int().min(1),
    maxConcurrentWorkflowTasks: z.int().min(1),
    sessionParallelism: z.int().min(1),
  }),
  /** Local data locations must resolve inside this folder; absent = no containment check. */
  dataRoot: Path.optional(),
  /** S3 inputs must be in one of these buckets; absent = any bucket. */
  inputBuckets: z.array(z.string().min(3)).min(1).optional(),
});

export type Config = z.output<typeof ConfigSchema>;

export interface ConfigProblem {
  variable: ConfigVariable;
  message: string;
  expected: string;
  example: string;
}

/** Everything wrong with the configuration, in one error; the first problem is also on the error itself. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly variable: ConfigVariable;
  readonly expected: string;
  readonly example: string;
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[]) {
    super(
      `Invalid configuration:\n${problems
        .map((p) => `  ${p.variable}: ${p.message}. Expected ${p.expected}, e.g. ${p.variable}=${p.example}`)
        .join('\n')}`,
    );
    this.problems = problems;
    this.variable = problems[0].variable;
    this.expected = problems[0].expected;
    this.example = problems[0].example;
  }
}

/** `mongodb://user:pass@host` -> `mongodb://user:***@host` */
export function redactUri(uri: string): string {
  // Greedy up to the last "@" before the path, so an unescaped "@" in a password stays hidden.
  return uri.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/]*):[^/]*@/i, '$1:***@');
}

const BOOL = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => ['true', '1', 'yes'].includes(v));
const HTTP_URL = z.url({ protocol: /^https?$/ });
const COUNT = z.coerce.number().pipe(z.int().min(1).max(10_000));
const S3_BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * Reads and validates the configuration. Pure apart from reading GA_CONFIG_FILE and checking
 * that configured certificate files and the data root exist. Empty variables count as unset.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const problems: ConfigProblem[] = [];
  const problem = (variable: ConfigVariable, message: string): undefined => {
    const info: VariableInfo = CONFIG_VARIABLES[variable];
    problems.push({ variable, message, expected: info.expected, example: info.example });
    return undefined;
  };

  const { values, fileProblem } = mergedValues(env);
  if (fileProblem) {
    problem('GA_CONFIG_FILE', fileProblem);
    throw new ConfigError(problems);
  }
  const raw = (name: ConfigVariable): string | undefined => values[name];
  const shown = (name: ConfigVariable, value: string): string => {
    const info: VariableInfo = CONFIG_VARIABLES[name];
    // A URI is echoed only when its password can be located and hidden.
    if (info.secret === true || (info.secret === 'uri' && !/^[a-z][a-z0-9+.-]*:\/\//i.test(value) && value.includes('@'))) {
      return 'the given value';
    }
    const text = info.secret === 'uri' ? redactUri(value) : value;
    return JSON.stringify(text.length > 80 ? `${text.slice(0, 77)}...` : text);
  };
  // Parses one variable with a zod schema; a failure becomes a problem naming the variable.
  const read = <T>(name: ConfigVariable, schema: z.ZodType<T>, fallback?: T): T | undefined => {
    const value = raw(name);
    if (value === undefined) return fallback;
    const result = schema.safeParse(value);
    if (result.success) return result.data;
    return problem(name, `${shown(name, value)} is not valid`);
  };
  const existingFile = (name: ConfigVariable): string | undefined => {
    const p = read(name, Path);
    if (p !== undefined && !isFile(p)) return problem(name, `no readable file at ${JSON.stringify(p)}`);
    return p;
  };

  // Temporal
  // The local dev server's address (scripts/services.sh binds 127.0.0.1; `localhost` may resolve
  // to ::1 first); scripts/ops/common.sh has the same default.
  const address = read('TEMPORAL_ADDRESS', z.string().regex(/^[A-Za-z0-9.\-[\]:]+:\d{1,5}$/), '127.0.0.1:7233');
  const namespace = read('TEMPORAL_NAMESPACE', z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/), 'default');
  const taskQueue = read('TEMPORAL_TASK_QUEUE', z.string().regex(/^\S{1,255}$/), DEFAULT_TASK_QUEUE);
  const pythonTaskQueue = read('GA_PY_TASK_QUEUE', z.string().regex(/^\S{1,255}$/));
  const uiUrl = read('TEMPORAL_UI_URL', HTTP_URL);
  const apiKey = read('TEMPORAL_API_KEY', z.string().regex(/^\S+$/));
  const tlsFlag = read('TEMPORAL_TLS', BOOL);
  const clientCertPath = existingFile('TEMPORAL_TLS_CLIENT_CERT_PATH');
  const clientKeyPath = existingFile('TEMPORAL_TLS_CLIENT_KEY_PATH');
  const serverCaCertPath = existingFile('TEMPORAL_TLS_SERVER_CA_CERT_PATH');
  const serverName = read('TEMPORAL_TLS_SERVER_NAME', z.string().regex(/^\S+$/));
  if ((raw('TEMPORAL_TLS_CLIENT_CERT_PATH') === undefined) !== (raw('TEMPORAL_TLS_CLIENT_KEY_PATH') === undefined)) {
    problem(
      raw('TEMPORAL_TLS_CLIENT_CERT_PATH') === undefined ? 'TEMPORAL_TLS_CLIENT_CERT_PATH' : 'TEMPORAL_TLS_CLIENT_KEY_PATH',
      'mutual TLS needs both the client certificate and the client key',
    );
  }
  const anyTlsSetting = [clientCertPath, clientKeyPath, serverCaCertPath, serverName].some((v) => v !== undefined);
  if (tlsFlag === false && anyTlsSetting) problem('TEMPORAL_TLS', 'is false but TLS certificate settings are given');
  // As Temporal's own environment configuration: an API key or certificates imply TLS.
  const tlsOn = tlsFlag ?? (apiKey !== undefined || anyTlsSetting);

  // Object store
  const bucketRaw = raw('ANALYSIS_BUCKET');
  const localResults = read('GA_LOCAL_RESULTS_DIR', Path);
  let objectStore: Config['objectStore'] | undefined;
  if (bucketRaw !== undefined && localResults !== undefined) {
    problem('ANALYSIS_BUCKET', 'both ANALYSIS_BUCKET and GA_LOCAL_RESULTS_DIR are set; results go to one place');
  } else if (bucketRaw !== undefined) {
    const m = /^(?:s3:\/\/)?([^/]+)(?:\/(.*))?$/.exec(bucketRaw);
    const bucket = m?.[1];
    if (!m || bucket === undefined || !S3_BUCKET.test(bucket) || /\s/.test(bucketRaw)) {
      problem('ANALYSIS_BUCKET', `${shown('ANALYSIS_BUCKET', bucketRaw)} is not an S3 bucket (3-63 lowercase letters, digits, dots, hyphens) with an optional prefix`);
    } else {
      const endpoint = read('S3_ENDPOINT', HTTP_URL);
      // A custom endpoint (local S3 server) does not care about the region; AWS does.
      const region = read('AWS_REGION', z.string().regex(/^[a-z]{2}(?:-[a-z]+)+-\d+$/), endpoint !== undefined ? 'us-east-1' : undefined);
      if (region === undefined && raw('AWS_REGION') === undefined) problem('AWS_REGION', 'is required with ANALYSIS_BUCKET on AWS');
      const forcePathStyle = read('S3_FORCE_PATH_STYLE', BOOL, false);
      const accessKeyId = read('AWS_ACCESS_KEY_ID', z.string().regex(/^\S+$/));
      const secretAccessKey = read('AWS_SECRET_ACCESS_KEY', z.string().regex(/^\S+$/));
      const sessionToken = read('AWS_SESSION_TOKEN', z.string().regex(/^\S+$/));
      if ((raw('AWS_ACCESS_KEY_ID') === undefined) !== (raw('AWS_SECRET_ACCESS_KEY') === undefined)) {
        problem(
          raw('AWS_ACCESS_KEY_ID') === undefined ? 'AWS_ACCESS_KEY_ID' : 'AWS_SECRET_ACCESS_KEY',
          'access key id and secret access key go together',
        );
      }
      if (region !== undefined && forcePathStyle !== undefined) {
        objectStore = {
          kind: 's3',
          bucket,
          prefix: (m[2] ?? '').replace(/^\/+|\/+$/g, ''),
          region,
          ...(endpoint !== undefined && { endpoint }),
          forcePathStyle,
          ...(accessKeyId !== undefined &&
            secretAccessKey !== undefined && {
              credentials: { accessKeyId, secretAccessKey, ...(sessionToken !== undefined && { sessionToken }) },
            }),
        };
      }
    }
  } else if (localResults !== undefined) {
    objectStore = { kind: 'local', root: path.resolve(localResults) };
  } else {
    problem('ANALYSIS_BUCKET', 'no results location: set ANALYSIS_BUCKET (S3) or GA_LOCAL_RESULTS_DIR (a folder)');
  }

  // Record store
  const mongoUri = read('MONGODB_URI', z.string().regex(/^mongodb(?:\+srv)?:\/\/(?:[^@/\s]+@)?[^/?#@\s]+(?:\/[^?#\s]*)?(?:\?\S*)?$/));
  const localRecords = read('GA_LOCAL_RECORDS_DIR', Path);
  const db = read('MONGODB_DB', z.string().regex(/^[A-Za-z0-9_-]{1,63}$/), 'grouped_analysis');
  const collection = read(
    'DOCDB_COLLECTION',
    z.string().regex(/^(?!system\.)[A-Za-z_][A-Za-z0-9_.-]{0,119}$/),
    'processing_records',
  );
  let recordStore: Config['recordStore'] | undefined;
  if (raw('MONGODB_URI') !== undefined && localRecords !== undefined) {
    problem('MONGODB_URI', 'both MONGODB_URI and GA_LOCAL_RECORDS_DIR are set; records go to one place');
  } else if (mongoUri !== undefined && db !== undefined && collection !== undefined) {
    recordStore = { kind: 'mongodb', uri: mongoUri, db, collection };
  } else if (localRecords !== undefined) {
    recordStore = { kind: 'local', root: path.resolve(localRecords) };
  } else if (raw('MONGODB_URI') === undefined) {
    problem('MONGODB_URI', 'no record store: set MONGODB_URI (MongoDB / DocumentDB) or GA_LOCAL_RECORDS_DIR (a folder)');
  }

  const maxConcurrentActivities = read('GA_MAX_CONCURRENT_ACTIVITIES', COUNT, 8);
  const maxConcurrentWorkflowTasks = read('GA_MAX_CONCURRENT_WORKFLOW_TASKS', COUNT, 40);
  const sessionParallelism = read('GA_SESSION_PARALLELISM', COUNT, 4);

  const dataRootRaw = read('GA_DATA_ROOT', Path);
  const dataRoot = dataRootRaw === undefined ? undefined : path.resolve(dataRootRaw);
  if (dataRoot !== undefined && !isDirectory(dataRoot)) problem('GA_DATA_ROOT', `no folder at ${JSON.stringify(dataRoot)}`);
  const inputBuckets = read(
    'GA_INPUT_BUCKETS',
    z.string().transform((v) => v.split(',').map((b) => b.trim())).pipe(z.array(z.string().regex(S3_BUCKET)).min(1)),
  );

  if (problems.length > 0) throw new ConfigError(problems);
  return ConfigSchema.parse({
    temporal: {
      address,
      namespace,
      taskQueue,
      ...(pythonTaskQueue !== undefined && { pythonTaskQueue }),
      ...(uiUrl !== undefined && { uiUrl }),
      ...(apiKey !== undefined && { apiKey }),
      ...(tlsOn && {
        tls: {
          ...(clientCertPath !== undefined && { clientCertPath }),
          ...(clientKeyPath !== undefined && { clientKeyPath }),
          ...(serverCaCertPath !== undefined && { serverCaCertPath }),
          ...(serverName !== undefined && { serverName }),
        },
      }),
    },
    objectStore,
    recordStore,
    concurrency: { maxConcurrentActivities, maxConcurrentWorkflowTasks, sessionParallelism },
    ...(dataRoot !== undefined && { dataRoot }),
    ...(inputBuckets !== undefined && { inputBuckets }),
  });
}

// Environment over file; empty strings count as unset (`FOO=` in env files and compose files).
function mergedValues(env: NodeJS.ProcessEnv): {
  values: Partial<Record<ConfigVariable, string>>;
  fileProblem?: string;
} {
  const values: Partial<Record<ConfigVariable, string>> = {};
  const file = env.GA_CONFIG_FILE;
  if (file) {
    const fromFile = readConfigFile(file);
    if (typeof fromFile === 'string') return { values, fileProblem: fromFile };
    Object.assign(values, fromFile);
  }
  for (const name of Object.keys(CONFIG_VARIABLES) as ConfigVariable[]) {
    const v = env[name];
    if (v !== undefined && v !== '') values[name] = v;
  }
  return { values };
}

// Returns the file's variables, or a description of what is wrong with it.
function readConfigFile(file: string): Partial<Record<ConfigVariable, string>> | string {
  let text: string;
  try {
    if (statSync(file).size > MAX_INPUT_FILE_BYTES) return `${file} is larger than ${MAX_INPUT_FILE_BYTES} bytes`;
    text = readFileSync(file, 'utf8');
  } catch (e) {
    return `cannot read ${JSON.stringify(file)} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`;
  }
  let data: unknown;
  try {
    data = parseJsonText(text, file);
  } catch (e) {
    if (e instanceof ValidationError) return e.issues[0].message;
    throw e;
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    return `${file} must contain a JSON object of variable names to values`;
  }
  const out: Partial<Record<ConfigVariable, string>> = {};
  for (const [key, value] of Object.entries(data)) {
    if (!(key in CONFIG_VARIABLES) || key === 'GA_CONFIG_FILE') {
      return `${file}: unknown variable "${key}" (known: ${Object.keys(CONFIG_VARIABLES).filter((k) => k !== 'GA_CONFIG_FILE').join(', ')})`;
    }
    if (typeof value === 'string') {
      if (value !== '') out[key as ConfigVariable] = value;
    } else if (typeof value === 'number' || typeof value === 'boolean') {
      out[key as ConfigVariable] = String(value);
    } else {
      return `${file}: "${key}" must be a string, number or boolean`;
    }
  }
  return out;
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** The configuration with every secret replaced, safe to log or print. */
export function redactedConfig(config: Config): Config {
  const copy = structuredClone(config);
  if (copy.temporal.apiKey !== undefined) copy.temporal.apiKey = '***';
  if (copy.objectStore.kind === 's3' && copy.objectStore.credentials) {
    copy.objectStore.credentials.secretAccessKey = '***';
    if (copy.objectStore.credentials.sessionToken !== undefined) copy.objectStore.credentials.sessionToken = '***';
  }
  if (copy.recordStore.kind === 'mongodb') copy.recordStore.uri = redactUri(copy.recordStore.uri);
  return copy;
}
