// Where the configuration variables' values come from: the environment, over a JSON file named
// by GA_CONFIG_FILE, over (for the Temporal connection) a profile of Temporal's own TOML
// configuration file, read by @temporalio/envconfig as the Temporal CLI reads it. Each value keeps
// its source, for the messages about it.
import { readFileSync } from 'node:fs';
import { loadClientConfigProfile, type ClientConfigProfile, type ConfigDataSource } from '@temporalio/envconfig';
import { closest } from '../schemas/analysis-spec.js';
import { configIssue, didYouMean, toJsonPath, ValidationError, type ValidationIssue } from '../schemas/errors.js';
import { parseJsonText } from '../schemas/json-text.js';
import { ConfigVariables, docOf, VARIABLE_NAMES, type RawValues, type VariableName } from './variables.js';

/** The variables' texts and where each came from (absent: the environment), with the profile's gRPC headers; or the issues that stop there. */
export function gather(env: NodeJS.ProcessEnv): { raw: RawValues; sources: RawValues; grpcMeta?: Record<string, string>; issues: ValidationIssue[] } {
  const raw: RawValues = {};
  const sources: RawValues = {};
  const file = env.GA_CONFIG_FILE || undefined;
  if (file !== undefined) {
    const fromFile = readConfigFile(file);
    if (!('values' in fromFile)) return { raw, sources, issues: fromFile.issues };
    Object.assign(raw, fromFile.values);
    for (const name of Object.keys(fromFile.values) as VariableName[]) sources[name] = file;
  }
  for (const name of VARIABLE_NAMES) {
    if (env[name]) {
      raw[name] = env[name];
      delete sources[name];
    }
  }
  let profile: ClientConfigProfile;
  try {
    const defined = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => Boolean(e[1])));
    profile = loadClientConfigProfile({ overrideEnvVars: { ...defined, ...raw } });
  } catch (e) {
    const variable = raw.TEMPORAL_PROFILE && /not found/.test((e as Error).message) ? 'TEMPORAL_PROFILE' : 'TEMPORAL_CONFIG_FILE';
    const fix = 'correct the Temporal configuration file (TEMPORAL_CONFIG_FILE, else ~/.config/temporalio/temporal.toml) or TEMPORAL_PROFILE';
    return { raw, sources, issues: [configIssue(variable, 'config.temporal_profile', (e as Error).message, fix)] };
  }
  const { tls } = profile;
  const pem = (kind: string, source?: ConfigDataSource): RawValues =>
    source === undefined ? {} : 'path' in source ? { [`TEMPORAL_TLS_${kind}_PATH`]: source.path } : { [`TEMPORAL_TLS_${kind}_DATA`]: Buffer.from(source.data).toString() };
  const fromProfile: RawValues = {
    TEMPORAL_ADDRESS: profile.address,
    TEMPORAL_NAMESPACE: profile.namespace,
    TEMPORAL_API_KEY: profile.apiKey,
    TEMPORAL_TLS: tls?.disabled === undefined ? undefined : String(!tls.disabled),
    TEMPORAL_TLS_SERVER_NAME: tls?.serverName,
    ...pem('CLIENT_CERT', tls?.clientCert),
    ...pem('CLIENT_KEY', tls?.clientKey),
    ...pem('SERVER_CA_CERT', tls?.serverCACert),
  };
  const where = `the Temporal profile "${raw.TEMPORAL_PROFILE ?? 'default'}"`;
  for (const [name, value] of Object.entries(fromProfile) as [VariableName, string | undefined][]) {
    if (value && raw[name] === undefined) [raw[name], sources[name]] = [value, where];
  }
  const grpcMeta = profile.grpcMeta && Object.keys(profile.grpcMeta).length > 0 ? profile.grpcMeta : undefined;
  return { raw, sources, grpcMeta, issues: [] };
}

// GA_CONFIG_FILE's variables as text, or what is wrong with it.
function readConfigFile(file: string): { values: RawValues } | { issues: ValidationIssue[] } {
  const fileIssue = (code: ValidationIssue['code'], message: string, fix: string, key?: string): { issues: ValidationIssue[] } => ({
    issues: [{ ...configIssue('GA_CONFIG_FILE', code, message, fix, file), ...(key !== undefined && { jsonPath: toJsonPath([key]) }) }],
  });
  let data: unknown;
  try {
    data = parseJsonText(readFileSync(file, 'utf8'), file);
  } catch (e) {
    if (e instanceof ValidationError) return { issues: e.issues.map((i) => ({ ...i, variable: 'GA_CONFIG_FILE' })) };
    const code = (e as NodeJS.ErrnoException).code;
    return fileIssue(code === 'ENOENT' ? 'config.not_found' : 'file.unreadable', `cannot read it (${code ?? (e as Error).message})`, 'set GA_CONFIG_FILE to a readable JSON file');
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    return fileIssue('config.invalid', 'is not a JSON object', 'write {"VARIABLE": "value", ...}');
  }
  const values: RawValues = {};
  for (const [key, value] of Object.entries(data)) {
    if (!(key in ConfigVariables.shape) || key === 'GA_CONFIG_FILE') {
      return fileIssue('config.unknown_variable', `unknown variable "${key}"`, didYouMean(closest(key, VARIABLE_NAMES), 'remove it'), key);
    }
    if (!['string', 'number', 'boolean'].includes(typeof value)) {
      return fileIssue('config.invalid', `"${key}" is not a string, number or boolean`, `give ${key} as text, e.g. "${docOf(key as VariableName).example}"`, key);
    }
    if (value !== '') values[key as VariableName] = String(value);
  }
  return { values };
}
