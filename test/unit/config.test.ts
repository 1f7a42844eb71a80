import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, loadTemporalSettings, readVariable, redactedConfig, redactUri } from '../../src/config.js';
import { configTable, withConfigTable } from '../../src/config/readme-table.js';
import { docOf, VARIABLE_NAMES, type VariableName } from '../../src/config/variables.js';
import { connectionOptions } from '../../src/temporal/connection.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'ga-config-'));
const file = (name: string, content: string): string => {
  const p = path.join(tmp, name);
  writeFileSync(p, content);
  return p;
};
const ROOT = path.join(import.meta.dirname, '..', '..');

// Exactly the names scripts/services.sh writes to .services/env (values as it writes them).
const servicesEnv = {
  TEMPORAL_ADDRESS: '127.0.0.1:7233',
  TEMPORAL_NAMESPACE: 'default',
  TEMPORAL_UI_URL: 'http://127.0.0.1:8233',
  MONGODB_URI: 'mongodb://127.0.0.1:27017/',
  S3_ENDPOINT: 'http://127.0.0.1:8333',
  S3_FORCE_PATH_STYLE: 'true',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'grouped-analysis-local',
  AWS_SECRET_ACCESS_KEY: 'local-secret-value',
  ANALYSIS_BUCKET: 's3://grouped-analysis',
  TEMPORAL_CLI: '/root/.cache/grouped-analysis/venv/bin/temporal',
};
const local = { GA_LOCAL_RESULTS_DIR: path.join(tmp, 'results'), GA_LOCAL_RECORDS_DIR: path.join(tmp, 'records') };

function configError(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}
/** [variable, code] of every issue. */
const problems = (env: NodeJS.ProcessEnv) => configError(env).issues.map((i) => [i.variable, i.code]);

describe('loadConfig', () => {
  it('accepts the env file written by the services script', () => {
    expect(loadConfig(servicesEnv)).toEqual({
      temporal: { address: '127.0.0.1:7233', namespace: 'default', taskQueue: 'grouped-analysis', uiUrl: 'http://127.0.0.1:8233' },
      objectStore: {
        kind: 's3',
        bucket: 'grouped-analysis',
        prefix: '',
        region: 'us-east-1',
        endpoint: 'http://127.0.0.1:8333',
        forcePathStyle: true,
        credentials: { accessKeyId: 'grouped-analysis-local', secretAccessKey: 'local-secret-value' },
      },
      recordStore: { kind: 'mongodb', uri: 'mongodb://127.0.0.1:27017/', db: 'grouped_analysis', collection: 'processing_records' },
      // Compute threads by default: one per core, at most one per activity slot (8).
      concurrency: { maxConcurrentActivities: 8, maxConcurrentWorkflowTasks: 40, sessionParallelism: 4, computeThreads: Math.min(availableParallelism(), 8) },
      nwbCacheDir: path.join(tmpdir(), 'grouped-analysis-nwb-cache'),
    });
  });

  it('runs fully local with folders and defaults', () => {
    const c = loadConfig(local);
    expect(c.objectStore).toEqual({ kind: 'local', root: local.GA_LOCAL_RESULTS_DIR });
    expect(c.recordStore).toEqual({ kind: 'local', root: local.GA_LOCAL_RECORDS_DIR });
    expect(c.temporal).toEqual({ address: '127.0.0.1:7233', namespace: 'default', taskQueue: 'grouped-analysis' });
    expect(c.dataRoot).toBeUndefined();
  });

  it('resolves relative folders and treats empty variables as unset', () => {
    const c = loadConfig({ GA_LOCAL_RESULTS_DIR: 'results', GA_LOCAL_RECORDS_DIR: 'records', ANALYSIS_BUCKET: '', TEMPORAL_NAMESPACE: '', GA_NWB_CACHE_DIR: 'cache' });
    expect(c.objectStore).toEqual({ kind: 'local', root: path.resolve('results') });
    expect(c.temporal.namespace).toBe('default');
    expect(c.nwbCacheDir).toBe(path.resolve('cache'));
  });

  it('reads ANALYSIS_BUCKET as s3://bucket[/prefix] or a bare name', () => {
    const s3 = (bucket: string) => loadConfig({ ...servicesEnv, ANALYSIS_BUCKET: bucket }).objectStore;
    expect(s3('s3://my-bucket/a/b/')).toMatchObject({ bucket: 'my-bucket', prefix: 'a/b' });
    expect(s3('my-bucket')).toMatchObject({ bucket: 'my-bucket', prefix: '' });
    const [issue] = configError({ ...servicesEnv, ANALYSIS_BUCKET: 's3://My_Bucket' }).issues;
    expect([issue.variable, issue.code, issue.file, issue.jsonPath]).toEqual(['ANALYSIS_BUCKET', 'config.invalid', 'environment', '$.ANALYSIS_BUCKET']);
    // The fix comes from the variable's documentation: its description and example.
    expect(issue.fix).toContain(docOf('ANALYSIS_BUCKET').description);
    expect(issue.fix).toContain(`ANALYSIS_BUCKET=${docOf('ANALYSIS_BUCKET').example}`);
  });

  it('names every missing destination in one error, each with a way to set it', () => {
    const e = configError({});
    expect(e.issues.map((i) => [i.variable, i.code])).toEqual([
      ['ANALYSIS_BUCKET', 'config.missing'],
      ['MONGODB_URI', 'config.missing'],
    ]);
    expect([e.variable, e.code]).toEqual(['ANALYSIS_BUCKET', 'config.missing']);
    expect(e.fix).toContain(`GA_LOCAL_RESULTS_DIR=${docOf('GA_LOCAL_RESULTS_DIR').example}`);
    expect(e.message.split('\n')).toHaveLength(3);
  });

  it('reads the Temporal connection alone without any destination, still validating the rest', () => {
    const env = { TEMPORAL_ADDRESS: 'temporal.lab.internal:7233', TEMPORAL_NAMESPACE: 'lab', MONGODB_URI: 'not a uri' };
    expect(loadTemporalSettings({ ...env, MONGODB_URI: '' })).toMatchObject({ address: 'temporal.lab.internal:7233', namespace: 'lab' });
    // A destination's value is left out, not checked; the other variables are checked as by loadConfig.
    expect(loadTemporalSettings(env).namespace).toBe('lab');
    expect(() => loadTemporalSettings({ ...env, AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE' })).toThrow(ConfigError);
    expect(problems({ ...env, MONGODB_URI: '' })).toEqual([
      ['ANALYSIS_BUCKET', 'config.missing'],
      ['MONGODB_URI', 'config.missing'],
    ]);
  });

  it('refuses two destinations for results or records', () => {
    expect(problems({ ...servicesEnv, GA_LOCAL_RESULTS_DIR: '/tmp/r' })).toEqual([['ANALYSIS_BUCKET', 'config.conflict']]);
    expect(problems({ ...servicesEnv, GA_LOCAL_RECORDS_DIR: '/tmp/r' })).toEqual([['MONGODB_URI', 'config.conflict']]);
  });

  it('needs AWS_REGION on AWS, but not with a custom endpoint', () => {
    const { S3_ENDPOINT: _e, AWS_REGION: _r, ...aws } = servicesEnv;
    expect(problems(aws)).toEqual([['AWS_REGION', 'config.missing']]);
    expect(problems({ ...servicesEnv, AWS_REGION: 'moon' })).toEqual([['AWS_REGION', 'config.invalid']]);
    const { AWS_REGION: _r2, ...endpoint } = servicesEnv;
    expect(loadConfig(endpoint).objectStore).toMatchObject({ region: 'us-east-1' });
  });

  it('uses the default credential chain without keys, and wants both halves of a key pair', () => {
    const { AWS_ACCESS_KEY_ID: _i, AWS_SECRET_ACCESS_KEY: _s, ...noKeys } = servicesEnv;
    expect(loadConfig(noKeys).objectStore).not.toHaveProperty('credentials');
    const { AWS_SECRET_ACCESS_KEY: _s2, ...half } = servicesEnv;
    expect(problems(half)).toEqual([['AWS_SECRET_ACCESS_KEY', 'config.incomplete']]);
  });

  it('validates every kind of value: booleans, URLs, names, counts, levels, versions, files', () => {
    const bad: [VariableName, string][] = [
      ['S3_FORCE_PATH_STYLE', 'maybe'],
      ['S3_ENDPOINT', 'ftp://x'],
      ['TEMPORAL_UI_URL', 'not a url'],
      ['TEMPORAL_ADDRESS', 'localhost'],
      ['MONGODB_DB', 'a.b'],
      ['DOCDB_COLLECTION', 'system.users'],
      ['GA_LOG_LEVEL', 'loud'],
      ['GA_CODE_VERSION', 'latest'],
      ['GA_INPUT_BUCKETS', 'ok-bucket,Not_A_Bucket'],
      ...['GA_MAX_CONCURRENT_ACTIVITIES', 'GA_MAX_CONCURRENT_WORKFLOW_TASKS', 'GA_SESSION_PARALLELISM'].flatMap((name) =>
        ['0', '-1', '2.5', 'many', '100000'].map((value): [VariableName, string] => [name as VariableName, value]),
      ),
    ];
    for (const [name, value] of bad) {
      const e = configError({ ...servicesEnv, [name]: value });
      expect([e.variable, e.code], `${name}=${value}`).toEqual([name, 'config.invalid']);
      expect(e.fix).toContain(`${name}=${docOf(name).example}`);
    }
    expect(problems({ ...local, GA_WORKFLOW_BUNDLE: path.join(tmp, 'no-bundle.js') })).toEqual([['GA_WORKFLOW_BUNDLE', 'config.not_found']]);
    const c = loadConfig({ ...servicesEnv, GA_MAX_CONCURRENT_ACTIVITIES: '2', GA_SESSION_PARALLELISM: '16', GA_COMPUTE_THREADS: '0', DOCDB_COLLECTION: 'records', MONGODB_DB: 'lab', TEMPORAL_TASK_QUEUE: 'q2', GA_INPUT_BUCKETS: 'a-bucket, b-bucket' });
    expect(c.concurrency).toEqual({ maxConcurrentActivities: 2, maxConcurrentWorkflowTasks: 40, sessionParallelism: 16, computeThreads: 0 });
    expect(c.recordStore).toMatchObject({ db: 'lab', collection: 'records' });
    expect(c.temporal.taskQueue).toBe('q2');
    expect(c.inputBuckets).toEqual(['a-bucket', 'b-bucket']);
  });

  it('configures Temporal TLS from certificate paths or an API key, and connects as it says', () => {
    const cert = file('client.pem', 'cert');
    const key = file('client.key', 'key');
    const mtls = loadConfig({ ...local, TEMPORAL_TLS_CLIENT_CERT_PATH: cert, TEMPORAL_TLS_CLIENT_KEY_PATH: key });
    expect(mtls.temporal.tls).toEqual({ clientCertPath: cert, clientKeyPath: key });
    const tls = connectionOptions(mtls.temporal).tls as { clientCertPair: { crt: Uint8Array; key: Uint8Array } };
    expect(Buffer.from(tls.clientCertPair.crt).toString()).toBe('cert');
    expect(Buffer.from(tls.clientCertPair.key).toString()).toBe('key');

    const withKey = loadConfig({ ...local, TEMPORAL_API_KEY: 'k-123', TEMPORAL_ADDRESS: 'ns.tmprl.cloud:7233' });
    expect(withKey.temporal).toMatchObject({ apiKey: 'k-123', tls: {} });
    expect(connectionOptions(withKey.temporal)).toMatchObject({ address: 'ns.tmprl.cloud:7233', apiKey: 'k-123', tls: {} });
    // TEMPORAL_TLS=false wins over the API key: plaintext, which the SDK would otherwise not allow.
    const plain = loadConfig({ ...local, TEMPORAL_API_KEY: 'k', TEMPORAL_TLS: 'false' });
    expect(plain.temporal.tls).toBeUndefined();
    expect(connectionOptions(plain.temporal).tls).toBe(false);
    expect(connectionOptions(loadConfig(local).temporal).tls).toBe(false);

    expect(problems({ ...local, TEMPORAL_TLS_CLIENT_CERT_PATH: cert })).toEqual([['TEMPORAL_TLS_CLIENT_KEY_PATH', 'config.incomplete']]);
    expect(problems({ ...local, TEMPORAL_TLS_CLIENT_CERT_PATH: cert, TEMPORAL_TLS_CLIENT_KEY_PATH: path.join(tmp, 'missing.key') })).toEqual([
      ['TEMPORAL_TLS_CLIENT_KEY_PATH', 'config.not_found'],
    ]);
    expect(problems({ ...local, TEMPORAL_TLS: 'false', TEMPORAL_TLS_SERVER_CA_CERT_PATH: cert })).toEqual([['TEMPORAL_TLS', 'config.conflict']]);
  });

  it('checks the data root exists', () => {
    expect(loadConfig({ ...local, GA_DATA_ROOT: tmp }).dataRoot).toBe(tmp);
    expect(problems({ ...local, GA_DATA_ROOT: path.join(tmp, 'nope') })).toEqual([['GA_DATA_ROOT', 'config.not_found']]);
  });

  it('never puts secrets in error messages', () => {
    const secrets = { TEMPORAL_API_KEY: 'api key with spaces', AWS_SECRET_ACCESS_KEY: 'secret with spaces', AWS_SESSION_TOKEN: 'tok en' };
    const e = configError({ ...servicesEnv, ...secrets });
    expect(e.issues.map((i) => i.variable).sort()).toEqual(['AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'TEMPORAL_API_KEY']);
    for (const s of Object.values(secrets)) expect(e.message).not.toContain(s);
    for (const uri of ['mongodb://user:pa55word@host:99999999999/x y', 'mongodb:/user:pa55word@host/x', 'mongodb://user:pa@55word@/']) {
      const m = configError({ ...servicesEnv, MONGODB_URI: uri });
      expect(m.variable).toBe('MONGODB_URI');
      expect(m.message).not.toContain('55word');
    }
  });

  it('redacts, for printing, exactly what the variables flag as secret', () => {
    const env = {
      ...servicesEnv,
      MONGODB_URI: 'mongodb+srv://ga:hunter2@cluster0.example.net/?retryWrites=true',
      TEMPORAL_API_KEY: 'k-123',
      AWS_SESSION_TOKEN: 'tok',
      TEMPORAL_TLS_CLIENT_CERT_DATA: '-----BEGIN CERTIFICATE-----cert',
      TEMPORAL_TLS_CLIENT_KEY_DATA: '-----BEGIN PRIVATE KEY-----key',
    };
    const flagged = VARIABLE_NAMES.filter((n) => docOf(n).secret === true);
    expect(flagged.every((n) => n in env)).toBe(true);
    const c = loadConfig(env);
    // Also on a copy: printing must not depend on how the Config was passed around.
    for (const r of [redactedConfig(c), redactedConfig(structuredClone(c))]) {
      const text = JSON.stringify(r);
      for (const name of flagged) expect(text).not.toContain(`"${env[name as keyof typeof env]}"`);
      expect(text).not.toContain('hunter2');
      expect(r.recordStore).toMatchObject({ uri: 'mongodb+srv://ga:***@cluster0.example.net/?retryWrites=true' });
      expect(r.temporal.apiKey).toBe('***');
      expect(text).toContain('grouped-analysis-local'); // an access key id is not a secret
      expect(text).toContain('-----BEGIN CERTIFICATE-----cert'); // nor a certificate
    }
    expect(c.temporal.apiKey).toBe('k-123');
    expect(redactUri('mongodb://127.0.0.1:27017/')).toBe('mongodb://127.0.0.1:27017/');
  });
});

describe("Temporal's environment configuration (TOML profiles)", () => {
  const toml = file(
    'temporal.toml',
    [
      '[profile.default]',
      'address = "lab.a1b2c.tmprl.cloud:7233"',
      'namespace = "lab.a1b2c"',
      'api_key = "profile-key"',
      '[profile.selfhosted]',
      'address = "temporal.lab:7233"',
      `tls = { client_cert_path = "${file('p.pem', 'c')}", client_key_path = "${file('p.key', 'k')}", server_name = "temporal.lab" }`,
      '[profile.broken]',
      'address = "no port"',
    ].join('\n'),
  );

  it('reads the connection from the profile, under the environment', () => {
    const c = loadConfig({ ...local, TEMPORAL_CONFIG_FILE: toml });
    expect(c.temporal).toMatchObject({ address: 'lab.a1b2c.tmprl.cloud:7233', namespace: 'lab.a1b2c', apiKey: 'profile-key', tls: {} });
    expect(loadConfig({ ...local, TEMPORAL_CONFIG_FILE: toml, TEMPORAL_NAMESPACE: 'from-env' }).temporal.namespace).toBe('from-env');
    const mtls = loadConfig({ ...local, TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'selfhosted' }).temporal;
    expect(mtls).toMatchObject({ address: 'temporal.lab:7233', tls: { clientCertPath: path.join(tmp, 'p.pem'), clientKeyPath: path.join(tmp, 'p.key'), serverName: 'temporal.lab' } });
    // gRPC headers (TEMPORAL_GRPC_META_*) reach the connection, and are masked when printed.
    const withMeta = loadConfig({ ...local, TEMPORAL_GRPC_META_X_TENANT: 'lab-7' });
    expect(connectionOptions(withMeta.temporal).metadata).toEqual({ 'x-tenant': 'lab-7' });
    expect(redactedConfig(withMeta).temporal.grpcMeta).toEqual({ 'x-tenant': '***' });
  });

  it("validates the profile's values like the variables, naming where they came from", () => {
    const [issue] = configError({ ...local, TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'broken' }).issues;
    expect([issue.variable, issue.code]).toEqual(['TEMPORAL_ADDRESS', 'config.invalid']);
    expect(issue.file).toContain('broken');
    expect(problems({ ...local, TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'nope' })).toEqual([['TEMPORAL_PROFILE', 'config.temporal_profile']]);
    expect(problems({ ...local, TEMPORAL_CONFIG_FILE: file('bad.toml', '[profile.default\n') })).toEqual([['TEMPORAL_CONFIG_FILE', 'config.temporal_profile']]);
    expect(problems({ ...local, TEMPORAL_CONFIG_FILE: path.join(tmp, 'none.toml') })).toEqual([['TEMPORAL_CONFIG_FILE', 'config.not_found']]);
  });
});

describe('GA_CONFIG_FILE', () => {
  it('supplies variables, with the environment winning', () => {
    const f = file('config.json', JSON.stringify({ ...local, GA_SESSION_PARALLELISM: 3, S3_FORCE_PATH_STYLE: true, TEMPORAL_NAMESPACE: 'from-file' }));
    const c = loadConfig({ GA_CONFIG_FILE: f, TEMPORAL_NAMESPACE: 'from-env' });
    expect(c.concurrency.sessionParallelism).toBe(3);
    expect(c.temporal.namespace).toBe('from-env');
    expect(c.objectStore.kind).toBe('local');
    const [issue] = configError({ GA_CONFIG_FILE: file('bad-count.json', JSON.stringify({ ...local, GA_SESSION_PARALLELISM: 0 })) }).issues;
    expect([issue.variable, issue.code, issue.file]).toEqual(['GA_SESSION_PARALLELISM', 'config.invalid', path.join(tmp, 'bad-count.json')]);
  });

  it('reports a broken file under GA_CONFIG_FILE, with line and column for bad JSON', () => {
    const bad = configError({ GA_CONFIG_FILE: file('bad.json', '{\n  "GA_LOCAL_RESULTS_DIR": "/tmp/x",\n}') });
    expect([bad.variable, bad.code, bad.line, bad.column]).toEqual(['GA_CONFIG_FILE', 'file.json_syntax', 3, 1]);
    const unknown = configError({ GA_CONFIG_FILE: file('unknown.json', '{"ANALYSIS_BUCKIT": "b"}') });
    expect([unknown.code, unknown.jsonPath]).toEqual(['config.unknown_variable', '$.ANALYSIS_BUCKIT']);
    expect(unknown.fix).toContain('"ANALYSIS_BUCKET"');
    expect(problems({ GA_CONFIG_FILE: file('array.json', '[]') })).toEqual([['GA_CONFIG_FILE', 'config.invalid']]);
    expect(problems({ GA_CONFIG_FILE: file('nested.json', '{"AWS_REGION": {"a": 1}}') })).toEqual([['GA_CONFIG_FILE', 'config.invalid']]);
    expect(problems({ GA_CONFIG_FILE: path.join(tmp, 'missing.json') })).toEqual([['GA_CONFIG_FILE', 'config.not_found']]);
  });

  it('does not echo secrets from the file either', () => {
    const e = configError({ GA_CONFIG_FILE: file('secret.json', JSON.stringify({ ...local, TEMPORAL_API_KEY: 'bad key value' })) });
    expect(e.variable).toBe('TEMPORAL_API_KEY');
    expect(e.message).not.toContain('bad key value');
  });
});

describe('readVariable', () => {
  it('reads one variable through its schema, for what runs before the whole configuration', () => {
    expect(readVariable('GA_LOG_LEVEL', { GA_LOG_LEVEL: 'debug' })).toBe('DEBUG');
    expect(readVariable('GA_LOG_LEVEL', { GA_LOG_LEVEL: '' })).toBeUndefined();
    expect(readVariable('GA_PYTHON_MANIFESTS', { GA_PYTHON_MANIFESTS: '/a::/b' })).toEqual(['/a', '/b']);
    expect(() => readVariable('GA_LOG_LEVEL', { GA_LOG_LEVEL: 'loud' })).toThrow(ConfigError);
  });
});

describe('the variables schema', () => {
  it("is what the README's configuration table shows (npm run schemas writes it)", () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    expect(readme).toContain(configTable());
    expect(withConfigTable(readme)).toBe(readme);
    for (const name of VARIABLE_NAMES) expect(readme).toContain(`| \`${name}\` |`);
  });

  it('describes every variable that src/ reads', () => {
    // Not configuration: an allocator setting that src/figures/png.ts defaults for resvg.
    const notConfig = new Set(['MIMALLOC_PURGE_DELAY']);
    const read = new Set<string>();
    for (const f of readdirSync(path.join(ROOT, 'src'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'))) {
      const text = readFileSync(path.join(ROOT, 'src', f), 'utf8');
      for (const m of text.matchAll(/\benv(?:\(\))?(?:\.|\[['"])([A-Z][A-Z0-9_]+)/g)) read.add(m[1]);
    }
    expect(read.size).toBeGreaterThan(3);
    for (const name of read) if (!notConfig.has(name)) expect(VARIABLE_NAMES, `${name} is read in src/ but not in src/config/variables.ts`).toContain(name);
  });
});
