import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, redactedConfig, redactUri } from '../../src/config.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'ga-config-'));
const file = (name: string, content: string): string => {
  const p = path.join(tmp, name);
  writeFileSync(p, content);
  return p;
};

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
      concurrency: { maxConcurrentActivities: 8, maxConcurrentWorkflowTasks: 40, sessionParallelism: 4 },
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
    const c = loadConfig({ GA_LOCAL_RESULTS_DIR: 'results', GA_LOCAL_RECORDS_DIR: 'records', ANALYSIS_BUCKET: '', TEMPORAL_NAMESPACE: '' });
    expect(c.objectStore).toEqual({ kind: 'local', root: path.resolve('results') });
    expect(c.temporal.namespace).toBe('default');
  });

  it('reads ANALYSIS_BUCKET as s3://bucket[/prefix] or a bare name', () => {
    const s3 = (bucket: string) => loadConfig({ ...servicesEnv, ANALYSIS_BUCKET: bucket }).objectStore;
    expect(s3('s3://my-bucket/a/b/')).toMatchObject({ bucket: 'my-bucket', prefix: 'a/b' });
    expect(s3('my-bucket')).toMatchObject({ bucket: 'my-bucket', prefix: '' });
    const e = configError({ ...servicesEnv, ANALYSIS_BUCKET: 's3://My_Bucket' });
    expect(e.variable).toBe('ANALYSIS_BUCKET');
    expect(e.message).toMatch(/ANALYSIS_BUCKET: "s3:\/\/My_Bucket" is not an S3 bucket/);
    expect(e.message).toContain('Expected s3://bucket[/prefix] or a bare bucket name, e.g. ANALYSIS_BUCKET=s3://my-analysis-bucket/grouped');
  });

  it('names the missing variable, the expected form and an example in one error', () => {
    const e = configError({});
    expect(e.problems.map((p) => p.variable)).toEqual(['ANALYSIS_BUCKET', 'MONGODB_URI']);
    expect(e.variable).toBe('ANALYSIS_BUCKET');
    expect(e.expected).toBe('s3://bucket[/prefix] or a bare bucket name');
    expect(e.example).toBe('s3://my-analysis-bucket/grouped');
    expect(e.message).toMatch(/^Invalid configuration:\n {2}ANALYSIS_BUCKET: no results location: set ANALYSIS_BUCKET \(S3\) or GA_LOCAL_RESULTS_DIR/);
    expect(e.message).toMatch(/MONGODB_URI: no record store/);
  });

  it('refuses two destinations for results or records', () => {
    expect(configError({ ...servicesEnv, GA_LOCAL_RESULTS_DIR: '/tmp/r' }).variable).toBe('ANALYSIS_BUCKET');
    expect(configError({ ...servicesEnv, GA_LOCAL_RECORDS_DIR: '/tmp/r' }).variable).toBe('MONGODB_URI');
  });

  it('needs AWS_REGION on AWS, but not with a custom endpoint', () => {
    const { S3_ENDPOINT: _e, AWS_REGION: _r, ...aws } = servicesEnv;
    expect(configError(aws).variable).toBe('AWS_REGION');
    expect(configError({ ...servicesEnv, AWS_REGION: 'moon' }).message).toMatch(/AWS_REGION: "moon" is not valid/);
    const { AWS_REGION: _r2, ...endpoint } = servicesEnv;
    expect(loadConfig(endpoint).objectStore).toMatchObject({ region: 'us-east-1' });
  });

  it('uses the default credential chain without keys, and wants both halves of a key pair', () => {
    const { AWS_ACCESS_KEY_ID: _i, AWS_SECRET_ACCESS_KEY: _s, ...noKeys } = servicesEnv;
    expect(loadConfig(noKeys).objectStore).not.toHaveProperty('credentials');
    const { AWS_SECRET_ACCESS_KEY: _s2, ...half } = servicesEnv;
    expect(configError(half).variable).toBe('AWS_SECRET_ACCESS_KEY');
  });

  it('validates booleans, URLs, names and counts', () => {
    expect(configError({ ...servicesEnv, S3_FORCE_PATH_STYLE: 'maybe' }).variable).toBe('S3_FORCE_PATH_STYLE');
    expect(configError({ ...servicesEnv, S3_ENDPOINT: 'ftp://x' }).variable).toBe('S3_ENDPOINT');
    expect(configError({ ...servicesEnv, TEMPORAL_UI_URL: 'not a url' }).variable).toBe('TEMPORAL_UI_URL');
    expect(configError({ ...servicesEnv, TEMPORAL_ADDRESS: 'localhost' }).variable).toBe('TEMPORAL_ADDRESS');
    expect(configError({ ...servicesEnv, MONGODB_DB: 'a.b' }).variable).toBe('MONGODB_DB');
    expect(configError({ ...servicesEnv, DOCDB_COLLECTION: 'system.users' }).variable).toBe('DOCDB_COLLECTION');
    for (const name of ['GA_MAX_CONCURRENT_ACTIVITIES', 'GA_MAX_CONCURRENT_WORKFLOW_TASKS', 'GA_SESSION_PARALLELISM']) {
      for (const bad of ['0', '-1', '2.5', 'many', '100000']) {
        const e = configError({ ...servicesEnv, [name]: bad });
        expect(e.variable).toBe(name);
        expect(e.message).toContain(`e.g. ${name}=`);
      }
    }
    const c = loadConfig({ ...servicesEnv, GA_MAX_CONCURRENT_ACTIVITIES: '2', GA_SESSION_PARALLELISM: '16', DOCDB_COLLECTION: 'records', MONGODB_DB: 'lab', TEMPORAL_TASK_QUEUE: 'q2' });
    expect(c.concurrency).toEqual({ maxConcurrentActivities: 2, maxConcurrentWorkflowTasks: 40, sessionParallelism: 16 });
    expect(c.recordStore).toMatchObject({ db: 'lab', collection: 'records' });
    expect(c.temporal.taskQueue).toBe('q2');
  });

  it('configures Temporal TLS from certificate paths or an API key', () => {
    const cert = file('client.pem', 'cert');
    const key = file('client.key', 'key');
    expect(loadConfig({ ...local, TEMPORAL_TLS_CLIENT_CERT_PATH: cert, TEMPORAL_TLS_CLIENT_KEY_PATH: key }).temporal.tls).toEqual({
      clientCertPath: cert,
      clientKeyPath: key,
    });
    const withKey = loadConfig({ ...local, TEMPORAL_API_KEY: 'k-123', TEMPORAL_ADDRESS: 'ns.tmprl.cloud:7233' });
    expect(withKey.temporal).toMatchObject({ apiKey: 'k-123', tls: {} });
    expect(loadConfig({ ...local, TEMPORAL_API_KEY: 'k', TEMPORAL_TLS: 'false' }).temporal.tls).toBeUndefined();
    expect(configError({ ...local, TEMPORAL_TLS_CLIENT_CERT_PATH: cert }).variable).toBe('TEMPORAL_TLS_CLIENT_KEY_PATH');
    expect(configError({ ...local, TEMPORAL_TLS_CLIENT_CERT_PATH: cert, TEMPORAL_TLS_CLIENT_KEY_PATH: path.join(tmp, 'missing.key') }).message).toMatch(
      /TEMPORAL_TLS_CLIENT_KEY_PATH: no readable file/,
    );
    expect(configError({ ...local, TEMPORAL_TLS: 'false', TEMPORAL_TLS_SERVER_CA_CERT_PATH: cert }).variable).toBe('TEMPORAL_TLS');
  });

  it('checks the data root exists', () => {
    expect(loadConfig({ ...local, GA_DATA_ROOT: tmp }).dataRoot).toBe(tmp);
    expect(configError({ ...local, GA_DATA_ROOT: path.join(tmp, 'nope') }).variable).toBe('GA_DATA_ROOT');
  });

  it('never puts secrets in error messages', () => {
    const secrets = { TEMPORAL_API_KEY: 'api key with spaces', AWS_SECRET_ACCESS_KEY: 'secret with spaces', AWS_SESSION_TOKEN: 'tok en' };
    const e = configError({ ...servicesEnv, ...secrets });
    expect(e.problems.map((p) => p.variable).sort()).toEqual(['AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'TEMPORAL_API_KEY']);
    for (const s of Object.values(secrets)) expect(e.message).not.toContain(s);
    for (const uri of ['mongodb://user:pa55word@host:99999999999/x y', 'mongodb:/user:pa55word@host/x', 'mongodb://user:pa@55word@/']) {
      const m = configError({ ...servicesEnv, MONGODB_URI: uri });
      expect(m.variable).toBe('MONGODB_URI');
      expect(m.message).not.toContain('pa55word');
      expect(m.message).not.toContain('55word');
    }
  });

  it('redacts secrets for printing without changing the config', () => {
    const c = loadConfig({ ...servicesEnv, MONGODB_URI: 'mongodb+srv://ga:hunter2@cluster0.example.net/?retryWrites=true', TEMPORAL_API_KEY: 'k-123', AWS_SESSION_TOKEN: 'tok' });
    const r = redactedConfig(c);
    const text = JSON.stringify(r);
    for (const s of ['hunter2', 'k-123', 'local-secret-value', '"tok"']) expect(text).not.toContain(s);
    expect(r.recordStore).toMatchObject({ uri: 'mongodb+srv://ga:***@cluster0.example.net/?retryWrites=true' });
    expect(c.temporal.apiKey).toBe('k-123');
    expect(redactUri('mongodb://127.0.0.1:27017/')).toBe('mongodb://127.0.0.1:27017/');
  });
});

describe('GA_CONFIG_FILE', () => {
  it('supplies variables, with the environment winning', () => {
    const f = file('config.json', JSON.stringify({ ...local, GA_SESSION_PARALLELISM: 3, S3_FORCE_PATH_STYLE: true, TEMPORAL_NAMESPACE: 'from-file' }));
    const c = loadConfig({ GA_CONFIG_FILE: f, TEMPORAL_NAMESPACE: 'from-env' });
    expect(c.concurrency.sessionParallelism).toBe(3);
    expect(c.temporal.namespace).toBe('from-env');
    expect(c.objectStore.kind).toBe('local');
  });

  it('reports a broken file under GA_CONFIG_FILE, with line and column for bad JSON', () => {
    const bad = file('bad.json', '{\n  "GA_LOCAL_RESULTS_DIR": "/tmp/x",\n}');
    const e = configError({ GA_CONFIG_FILE: bad });
    expect(e.variable).toBe('GA_CONFIG_FILE');
    expect(e.message).toMatch(/line 3, column 1/);
    expect(configError({ GA_CONFIG_FILE: file('unknown.json', '{"ANALYSIS_BUCKIT": "b"}') }).message).toMatch(/unknown variable "ANALYSIS_BUCKIT"/);
    expect(configError({ GA_CONFIG_FILE: file('array.json', '[]') }).message).toMatch(/must contain a JSON object/);
    expect(configError({ GA_CONFIG_FILE: file('nested.json', '{"AWS_REGION": {"a": 1}}') }).message).toMatch(/must be a string, number or boolean/);
    expect(configError({ GA_CONFIG_FILE: path.join(tmp, 'missing.json') }).message).toMatch(/cannot read .*ENOENT/);
  });

  it('does not echo secrets from the file either', () => {
    const f = file('secret.json', JSON.stringify({ ...local, TEMPORAL_API_KEY: 'bad key value' }));
    const e = configError({ GA_CONFIG_FILE: f });
    expect(e.variable).toBe('TEMPORAL_API_KEY');
    expect(e.message).not.toContain('bad key value');
  });
});
