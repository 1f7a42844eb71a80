// Every configuration variable, described once: its zod schema (from the text of the variable to
// its value) and its documentation (description, example, secret). The validation, the error
// messages, the redacted print and the README's table (scripts/export-schemas.ts) all come from
// here. src/config.ts assembles the validated values into the Config; the TEMPORAL_* connection
// variables reach it through Temporal's environment configuration (profiles in a TOML file, then
// the environment), and are validated here like the others.
import { statSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { CodeVersion } from '../schemas/code-version.js';
import { configIssue, ConfigError, type FixParams, type ValidationIssue } from '../schemas/errors.js';

export interface VariableDoc {
  /** What to set: the README's meaning, and the fix in errors ("set NAME to <description>"). */
  description: string;
  example: string;
  /** Never printed: `true` hides the value, `uri` only the password in it. */
  secret?: true | 'uri';
  /** What applies when unset, for a variable whose schema has no default value. */
  unset?: string;
}

export const VARIABLE_DOCS = z.registry<VariableDoc>();

const is = (kind: 'isFile' | 'isDirectory') => (p: string): boolean => {
  try {
    return statSync(p)[kind]();
  } catch {
    return false;
  }
};
const token = (pattern = /^\S+$/) => z.string().regex(pattern);
const BOOL = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => ['true', '1', 'yes'].includes(v));
const HTTP_URL = z.url({ protocol: /^https?$/ });
const COUNT = z.coerce.number().pipe(z.int().min(1).max(10_000));
const FOLDER = z.string().min(1).transform((p) => path.resolve(p));
const EXISTING_FOLDER = FOLDER.refine(is('isDirectory'), { error: 'is not a folder', params: { code: 'config.not_found' } });
const FILE = z.string().min(1).refine(is('isFile'), { error: 'is not a readable file', params: { code: 'config.not_found' } });
const PEM = z.string().regex(/-----BEGIN [A-Z ]+-----/);
const S3_BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const QUEUE = token(/^\S{1,255}$/);

const v = <T extends z.ZodType>(schema: T, doc: VariableDoc): T => {
  VARIABLE_DOCS.add(schema as z.ZodType, doc);
  return schema;
};

export const VARIABLES = {
  // Where the settings come from.
  GA_CONFIG_FILE: v(FILE.optional(), { description: 'a JSON file {"VARIABLE": "value", ...} of any of these variables (the environment wins)', example: '/etc/grouped-analysis/config.json' }),
  TEMPORAL_CONFIG_FILE: v(FILE.optional(), { description: "Temporal's TOML client configuration file, with [profile.NAME] tables of address, namespace, api_key and tls", example: '/etc/temporal/temporal.toml', unset: '~/.config/temporalio/temporal.toml' }),
  TEMPORAL_PROFILE: v(token().optional(), { description: 'the profile to use from that file', example: 'prod', unset: 'default' }),
  GA_STATE_DIR: v(FOLDER.optional(), { description: "the local services' folder (scripts/services.sh), whose env file completes these settings where they are unset", example: '/var/lib/grouped-analysis', unset: '.services in the repository' }),

  // Temporal: the connection (also from the TOML profile; the environment wins).
  TEMPORAL_ADDRESS: v(token(/^[A-Za-z0-9.\-[\]:]+:\d{1,5}$/).default('127.0.0.1:7233'), { description: 'host:port of the Temporal frontend', example: 'my-ns.a1b2c.tmprl.cloud:7233' }),
  TEMPORAL_NAMESPACE: v(token(/^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/).default('default'), { description: 'the Temporal namespace', example: 'my-ns.a1b2c' }),
  TEMPORAL_API_KEY: v(token().optional(), { description: 'a Temporal Cloud API key (turns TLS on)', example: '<api key>', secret: true }),
  TEMPORAL_TLS: v(BOOL.optional(), { description: 'true or false: TLS on or off', example: 'true', unset: 'on with an API key or any TLS setting' }),
  TEMPORAL_TLS_CLIENT_CERT_PATH: v(FILE.optional(), { description: 'the PEM client certificate file, for mutual TLS (with the key)', example: '/etc/temporal/client.pem' }),
  TEMPORAL_TLS_CLIENT_KEY_PATH: v(FILE.optional(), { description: 'the PEM client key file, for mutual TLS (with the certificate)', example: '/etc/temporal/client.key' }),
  TEMPORAL_TLS_SERVER_CA_CERT_PATH: v(FILE.optional(), { description: "the PEM CA certificate file that the server's certificate is checked against", example: '/etc/temporal/ca.pem' }),
  TEMPORAL_TLS_CLIENT_CERT_DATA: v(PEM.optional(), { description: 'the PEM client certificate itself, instead of its file', example: '-----BEGIN CERTIFICATE-----...' }),
  TEMPORAL_TLS_CLIENT_KEY_DATA: v(PEM.optional(), { description: 'the PEM client key itself, instead of its file', example: '-----BEGIN PRIVATE KEY-----...', secret: true }),
  TEMPORAL_TLS_SERVER_CA_CERT_DATA: v(PEM.optional(), { description: 'the PEM CA certificate itself, instead of its file', example: '-----BEGIN CERTIFICATE-----...' }),
  TEMPORAL_TLS_SERVER_NAME: v(token().optional(), { description: 'the server name to verify (SNI)', example: 'temporal.lab.internal' }),
  // Temporal: this application's use of it.
  TEMPORAL_TASK_QUEUE: v(QUEUE.default('grouped-analysis'), { description: 'the task queue of the TypeScript workers and the workflows they run', example: 'grouped-analysis' }),
  GA_PY_TASK_QUEUE: v(QUEUE.optional(), { description: "the Python worker's task queue, for dispatch and the Python worker", example: 'grouped-analysis-py', unset: "each Python analysis's manifest's" }),
  TEMPORAL_UI_URL: v(HTTP_URL.optional(), { description: 'http(s) URL of the Temporal web UI, for links to runs', example: 'http://127.0.0.1:8233' }),

  // Results.
  ANALYSIS_BUCKET: v(z.string().regex(/^(?:s3:\/\/)?[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](?:\/\S*)?$/).optional(), { description: 'the results location: s3://bucket[/prefix] or a bare bucket name', example: 's3://my-analysis-bucket/grouped', unset: 'GA_LOCAL_RESULTS_DIR, one of the two is needed' }),
  GA_LOCAL_RESULTS_DIR: v(FOLDER.optional(), { description: 'a folder for results, instead of ANALYSIS_BUCKET', example: './results/outputs' }),
  AWS_REGION: v(token(/^[a-z]{2}(?:-[a-z]+)+-\d+$/).optional(), { description: 'the AWS region of ANALYSIS_BUCKET', example: 'us-west-2', unset: 'us-east-1 with S3_ENDPOINT, else needed' }),
  S3_ENDPOINT: v(HTTP_URL.optional(), { description: 'http(s) URL of an S3-compatible server, instead of AWS', example: 'http://127.0.0.1:8333' }),
  S3_FORCE_PATH_STYLE: v(BOOL.default(false), { description: 'true or false: address buckets by path, as S3-compatible servers want', example: 'true' }),
  AWS_ACCESS_KEY_ID: v(token().optional(), { description: 'an access key id, with AWS_SECRET_ACCESS_KEY', example: 'AKIAIOSFODNN7EXAMPLE', unset: "the AWS SDK's credential chain (instance role, profile, ...)" }),
  AWS_SECRET_ACCESS_KEY: v(token().optional(), { description: 'the secret access key of AWS_ACCESS_KEY_ID', example: '<secret>', secret: true }),
  AWS_SESSION_TOKEN: v(token().optional(), { description: 'a session token, for temporary credentials', example: '<token>', secret: true }),

  // Processing records.
  MONGODB_URI: v(z.string().regex(/^mongodb(?:\+srv)?:\/\/(?:[^@/\s]+@)?[^/?#@\s]+(?:\/[^?#\s]*)?(?:\?\S*)?$/).optional(), { description: 'the record store: mongodb://[user:password@]host[:port][/...] or mongodb+srv://... (Atlas, DocumentDB or any MongoDB-wire server)', example: 'mongodb+srv://user:pass@cluster0.example.net/', secret: 'uri', unset: 'GA_LOCAL_RECORDS_DIR, one of the two is needed' }),
  MONGODB_DB: v(token(/^[A-Za-z0-9_-]{1,63}$/).default('grouped_analysis'), { description: 'the MongoDB database (letters, digits, _ or -)', example: 'grouped_analysis' }),
  DOCDB_COLLECTION: v(token(/^(?!system\.)[A-Za-z_][A-Za-z0-9_.-]{0,119}$/).default('processing_records'), { description: 'the MongoDB collection (letters, digits, _ . -; not system.*)', example: 'processing_records' }),
  GA_LOCAL_RECORDS_DIR: v(FOLDER.optional(), { description: 'a folder for processing records, instead of MONGODB_URI', example: './results/records' }),

  // Inputs.
  GA_DATA_ROOT: v(EXISTING_FOLDER.optional(), { description: 'an existing folder that local input locations must lie in', example: '/data', unset: 'anywhere' }),
  GA_INPUT_BUCKETS: v(z.string().transform((s) => s.split(',').map((b) => b.trim())).pipe(z.array(z.string().regex(S3_BUCKET)).min(1)).optional(), { description: 'comma-separated S3 buckets that job inputs may be read from', example: 'my-data-bucket,my-other-bucket', unset: 'any' }),
  GA_PYTHON_MANIFESTS: v(z.string().transform((s) => s.split(':').filter(Boolean)).optional(), { description: 'more folders (:-separated) of Python analysis manifests, beside python/manifests', example: '/opt/lab-analyses/manifests' }),

  // The worker.
  GA_MAX_CONCURRENT_ACTIVITIES: v(COUNT.default(8), { description: 'activities one worker runs at once (1 to 10000)', example: '8' }),
  GA_MAX_CONCURRENT_WORKFLOW_TASKS: v(COUNT.default(40), { description: 'workflow tasks one worker runs at once (1 to 10000)', example: '40' }),
  GA_SESSION_PARALLELISM: v(COUNT.default(4), { description: "sessions of one mouse analysed at once (1 to 10000), set on each dispatched run", example: '4' }),
  GA_WORKFLOW_BUNDLE: v(FILE.optional(), { description: 'a prebuilt workflow bundle (npm run build:workflows)', example: 'dist/workflow-bundle.js', unset: 'bundled when the worker starts' }),
  GA_NWB_CACHE_DIR: v(FOLDER.optional(), { description: "the worker's folder for HDF5 sessions downloaded from S3", example: '/var/cache/grouped-analysis/nwb', unset: "grouped-analysis-nwb-cache in the system's temporary folder" }),
  GA_CODE_VERSION: v(CodeVersion.optional(), { description: "the deployed code's version, a release tag or image digest", example: 'v1.2.0', unset: '<package version>+src.<hash of src/>' }),
  GA_LOG_LEVEL: v(z.string().transform((s) => s.toUpperCase()).pipe(z.enum(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'])).optional(), { description: "the Temporal SDK's log level: trace, debug, info, warn or error (debug and trace also echo every line on stderr)", example: 'debug', unset: 'info with a log file (npm start), else warn' }),
  GA_COMPUTE_THREADS: v(z.coerce.number().pipe(z.int().min(0).max(256)).optional(), { description: 'threads that run the analysis stages (0: on the main thread, blocking it)', example: '2', unset: 'one per core, at most one per activity slot' }),
} as const;

/** The variables as one schema: the configuration's values, validated, with defaults. */
export const ConfigVariables = z.object(VARIABLES);
export type VariableName = keyof typeof VARIABLES;
export type Values = z.output<typeof ConfigVariables>;
export type RawValues = Partial<Record<VariableName, string>>;

export const VARIABLE_NAMES = Object.keys(VARIABLES) as VariableName[];

export function docOf(name: VariableName): VariableDoc {
  return VARIABLE_DOCS.get(VARIABLES[name])!;
}

/** How a value may appear in a message: secrets never, URIs without their password. */
export function shown(name: VariableName, value: string): string {
  const { secret } = docOf(name);
  if (secret === true || (secret === 'uri' && redactUri(value) === value && value.includes('@'))) return 'the given value';
  const text = secret === 'uri' ? redactUri(value) : value;
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 77)}...` : text);
}

/** `mongodb://user:pass@host` -> `mongodb://user:***@host` */
export function redactUri(uri: string): string {
  // Greedy up to the last "@" before the path, so an unescaped "@" in a password stays hidden.
  return uri.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/]*):[^/]*@/i, '$1:***@');
}

/** A value that its variable's schema refused, as an issue that names the variable and the fix. */
function refused(name: VariableName, value: string, issue: z.core.$ZodIssue, source?: string): ValidationIssue {
  const { description, example } = docOf(name);
  // A refinement names its issue code in `params.code` (e.g. config.not_found).
  const code = (issue as { params?: Partial<FixParams> }).params?.code ?? 'config.invalid';
  const what = issue.code === 'custom' ? `${shown(name, value)} ${issue.message}` : `${shown(name, value)} is not valid`;
  return configIssue(name, code, what, `set ${name} to ${description}, e.g. ${name}=${example}`, source);
}

/** Validates the variables (`sources`: where each value came from, else the environment). */
export function parseVariables(raw: RawValues, sources: RawValues = {}): { values: Values } | { issues: ValidationIssue[] } {
  const result = ConfigVariables.safeParse(raw);
  if (result.success) return { values: result.data };
  return {
    issues: result.error.issues.map((i) => {
      const name = i.path[0] as VariableName;
      return refused(name, raw[name]!, i, sources[name]);
    }),
  };
}

/**
 * One variable, validated by its schema: for what is read before (or without) the whole
 * configuration, e.g. the manifests folders when the registry loads. Empty counts as unset.
 */
export function readVariable<K extends VariableName>(name: K, env: NodeJS.ProcessEnv = process.env): Values[K] {
  const value = env[name] || undefined;
  const result = VARIABLES[name].safeParse(value);
  if (!result.success) throw new ConfigError(result.error.issues.map((i) => refused(name, value!, i)));
  return result.data as Values[K];
}
