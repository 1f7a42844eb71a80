// A worker on local folders never loads the S3 SDK or the MongoDB driver (~20 MB each): checked in
// a fresh process, since a test worker's module cache is shared with other test files.
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
console.log(JSON.stringify({ s3: loaded.some((k) => k.includes('@aws-sdk/client-s3')), mongodb: loaded.some((k) => k.includes('/node_modules/mongodb/')) }));
await runtime.close();
`;

it('a runtime on local folders loads neither the S3 SDK nor the MongoDB driver', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ga-lazy-'));
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', SCRIPT, '--', join(dir, 'results'), join(dir, 'records')], {
    encoding: 'utf8',
  });
  expect(JSON.parse(out.trim().split('\n').pop()!)).toEqual({ s3: false, mongodb: false });
});
