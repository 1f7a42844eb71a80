// The host side of the worker image's smoke test (`bash scripts/image.sh smoke`, which runs the
// image's worker alone on a task queue of its own): puts a real mouse's two sessions into S3,
// dispatches them with `npm run dispatch -- --wait` on that queue, and checks that the image's
// worker ran them: one completed record naming that worker and queue, and every output it lists in
// S3 with the recorded size and sha256.
//
//   npx tsx test/image/smoke.ts --task-queue QUEUE --worker-identity PID@HOST
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { planDispatch } from '../../src/client/dispatch.js';
import { loadConfig } from '../../src/config.js';
import type { ProcessingRecord } from '../../src/schemas/record.js';
import { withServicesEnv } from '../../src/services-env.js';
import { objectStoreFor, recordStoreFor } from '../../src/stores/from-config.js';
import { codeVersion } from '../../src/current-code-version.js';
import { uploadToS3 } from '../support/e2e.js';

const ROOT = join(import.meta.dirname, '..', '..');
const FIXTURES = join(ROOT, 'test', 'fixtures', 'real-nwb');
const SUBJECT = '697062';
const SESSIONS = ['697062_2023-11-14_11-12-44', '697062_2023-11-15_10-02-05'];

const { values } = parseArgs({ options: { 'task-queue': { type: 'string' }, 'worker-identity': { type: 'string' } } });
const taskQueue = values['task-queue'];
const workerIdentity = values['worker-identity'];
if (!taskQueue || !workerIdentity) throw new Error('usage: npx tsx test/image/smoke.ts --task-queue QUEUE --worker-identity PID@HOST');

const env = withServicesEnv({ ...process.env, TEMPORAL_TASK_QUEUE: taskQueue });
const config = loadConfig(env);
const dir = await mkdtemp(join(tmpdir(), 'ga-image-smoke-'));
try {
  const tag = `image-${randomUUID().slice(0, 8)}`;
  const locations: string[] = [];
  for (const s of SESSIONS) {
    const uri = await uploadToS3(config, join(FIXTURES, `${s}.nwb`), `image-smoke/${tag}/behavior_${s}/nwb`, `${s}.nwb`);
    locations.push(uri.replace(/\/nwb\/[^/]+$/, ''));
  }
  const jobs = join(dir, 'job_dict');
  await mkdir(jobs);
  await writeFile(
    join(jobs, `job_${SUBJECT}.json`),
    JSON.stringify({ s3_location: locations, asset_name: SESSIONS.map((s) => `behavior_${s}`), file_location: null, group_metadata: { 'subject.subject_id': SUBJECT } }),
  );
  // The default analysis, behaviour only (this mouse has no photometry): NWB from S3, the model
  // fit, figures (fonts, the rasteriser's native module), Parquet tables, the report.
  const parametersFile = join(dir, 'analysis_parameters.json');
  await writeFile(parametersFile, JSON.stringify({ analysis_parameter: { analysis_name: 'grouped-analysis', analysis_tag: tag, channels: {} } }));

  const dispatch = spawnSync('npm', ['run', '--silent', 'dispatch', '--', jobs, '--parameters', parametersFile, '--wait'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
    timeout: 10 * 60_000,
  });
  assert.equal(dispatch.status, 0, `npm run dispatch -- --wait exited with ${dispatch.status ?? dispatch.signal} (output above)`);

  const [planned] = await planDispatch({ jobs: [jobs], parametersFile, codeVersion: codeVersion(env) });
  const key = planned.input.dedupKey;
  const records = await recordStoreFor<ProcessingRecord>(config);
  const record = await records.get(key).finally(() => records.close());
  assert.ok(record, `no record ${key} in ${records.description}`);
  assert.equal(record.status, 'completed', `record ${key}: ${JSON.stringify(record.error)}`);
  assert.equal(record.temporal.task_queue, taskQueue);
  assert.equal(record.worker.identity, workerIdentity, 'the run was not done by the image\'s worker');
  assert.deepEqual(record.inputs.files.map((f) => f.uri.split('/').pop()), SESSIONS.map((s) => `${s}.nwb`));

  const results = await objectStoreFor(config);
  const base = `${results.uri(key)}/`;
  const names = record.outputs.map((o) => {
    assert.ok(o.uri.startsWith(base), `output ${o.uri} is not under ${base}`);
    return o.uri.slice(base.length);
  });
  for (const wanted of [`figures/behavior_${SUBJECT}.png`, 'sessions.parquet', 'index.html', 'manifest.json']) {
    assert.ok(names.includes(wanted), `no ${wanted} among the outputs: ${names.join(', ')}`);
  }
  for (const [i, o] of record.outputs.entries()) {
    const head = await results.head(`${key}/${names[i]}`);
    assert.equal(head?.size, o.size, `${o.uri}: size in S3 ${head?.size}, recorded ${o.size}`);
    assert.equal(head?.sha256, o.sha256, `${o.uri}: sha256 in S3 ${head?.sha256}, recorded ${o.sha256}`);
  }
  // The image hashes its copy of src/; this checkout may have changed since the build.
  const [image, checkout] = [record.processing.data_processes[0].code.version, codeVersion({})];
  console.log(
    `smoke: record ${key} completed by ${record.worker.identity} on ${taskQueue}; ${record.outputs.length} outputs in ${base} match their sizes and sha256; ` +
      `code version ${image} (${image === checkout ? 'the same as this checkout' : `this checkout: ${checkout}`})`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
