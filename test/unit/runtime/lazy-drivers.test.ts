// A worker on local folders never loads the S3 SDK or the MongoDB driver (~20 MB each), and a
// runtime that starts no workflow never loads the Temporal client or the worker's native
// connection (~35 MB): checked in a fresh process, since a test worker's module cache is shared
// with other test files.
import { execFileSync } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';

const SCRIPT = `
import { createRequire } from 'node:module';
const { createRuntime } = await import('./src/runtime.ts');
const { loadConfig } = await import('./src/config.ts');
const [results, records] = process.argv.slice(-2);
const env = { GA_LOCAL_RESULTS_DIR: results, GA_LOCAL_RECORDS_DIR: records };
const runtime = await createRuntime(loadConfig(env), env);
const loaded = Object.keys(createRequire(import.meta.url).cache);
const has = (part) => loaded.some((k) => k.includes(part));
console.log(JSON.stringify({ s3: has('@aws-sdk/client-s3'), mongodb: has('/node_modules/mongodb/'), temporalClient: has('@temporalio/client/lib/'), temporalWorker: has('@temporalio/worker/lib/') }));
await runtime.close();
`;

it('a runtime on local folders loads neither the S3 SDK, the MongoDB driver nor the Temporal client', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ga-lazy-'));
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', SCRIPT, '--', join(dir, 'results'), join(dir, 'records')], {
    encoding: 'utf8',
  });
  expect(JSON.parse(out.trim().split('\n').pop()!)).toEqual({ s3: false, mongodb: false, temporalClient: false, temporalWorker: false });
});
