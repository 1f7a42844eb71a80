// The worker says where it connected (issue 25 item 5): Temporal address, namespace, task queue,
// results store, record store, code version and where the settings came from; one block for a
// person at a terminal, one JSON line for tools; never a secret.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { workerStartedMessage } from '../../../src/temporal/worker-started.js';

const secrets = ['s3cr3t-value', 'hunter2', 'api-key-value'];
const remote = loadConfig({
  TEMPORAL_ADDRESS: 'temporal.lab.internal:7233',
  TEMPORAL_NAMESPACE: 'lab',
  TEMPORAL_TASK_QUEUE: 'ga-prod',
  TEMPORAL_API_KEY: 'api-key-value',
  ANALYSIS_BUCKET: 's3://lab-results/grouped',
  AWS_REGION: 'us-west-2',
  AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE',
  AWS_SECRET_ACCESS_KEY: 's3cr3t-value',
  MONGODB_URI: 'mongodb+srv://ga:hunter2@cluster0.example.net/?retryWrites=true',
  MONGODB_DB: 'lab',
  DOCDB_COLLECTION: 'records',
});
const local = loadConfig({ GA_LOCAL_RESULTS_DIR: '/data/results/outputs', GA_LOCAL_RECORDS_DIR: '/data/results/records' });

describe('the worker started message', () => {
  it('is one JSON line for tools (stdout not a terminal)', () => {
    const text = workerStartedMessage(remote, { codeVersion: 'v1.2.0', settingsFile: '/repo/.services/env', tty: false });
    expect(text.split('\n')).toHaveLength(1);
    const line = JSON.parse(text);
    expect(line).toMatchObject({
      msg: 'worker started',
      temporal: { address: 'temporal.lab.internal:7233', namespace: 'lab', taskQueue: 'ga-prod' },
      taskQueue: 'ga-prod',
      results: 's3://lab-results/grouped (AWS us-west-2)',
      records: 'mongodb+srv://ga:***@cluster0.example.net/?retryWrites=true (database lab, collection records)',
      codeVersion: 'v1.2.0',
      settingsFile: '/repo/.services/env',
    });
    expect(text).toContain('"msg":"worker started"');
    for (const s of secrets) expect(text).not.toContain(s);
  });

  it('is a block for a person at a terminal', () => {
    const text = workerStartedMessage(remote, { codeVersion: 'v1.2.0', tty: true });
    expect(text).toContain('Worker started');
    expect(text).toMatch(/Temporal\s+temporal\.lab\.internal:7233, namespace lab/);
    expect(text).toMatch(/task queue\s+ga-prod/);
    expect(text).toMatch(/results\s+s3:\/\/lab-results\/grouped \(AWS us-west-2\)/);
    expect(text).toMatch(/records\s+mongodb\+srv:\/\/ga:\*\*\*@cluster0\.example\.net\/\?retryWrites=true \(database lab, collection records\)/);
    expect(text).toMatch(/code version\s+v1\.2\.0/);
    expect(text).toMatch(/settings\s+environment only/);
    for (const s of secrets) expect(text).not.toContain(s);
  });

  it('names local folders and the services env file it read', () => {
    const text = workerStartedMessage(local, { codeVersion: 'x', settingsFile: '/repo/.services/env', tty: true });
    expect(text).toMatch(/Temporal\s+127\.0\.0\.1:7233, namespace default/);
    expect(text).toMatch(/results\s+folder \/data\/results\/outputs/);
    expect(text).toMatch(/records\s+folder \/data\/results\/records/);
    expect(text).toMatch(/settings\s+environment, then \/repo\/\.services\/env/);
  });
});
