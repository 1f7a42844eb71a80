// `results ...` answers without loading what only other commands need: the Temporal SDK (its
// native core, webpack for the workflow bundle), h5wasm, the figure rasteriser, the Parquet
// writer, and the MongoDB / S3 drivers when the stores are local folders. These modules took
// seconds to load (through tsx, h5wasm alone ~3 s and ~600 MB) before a results query could run.
import { spawnSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..', '..');
let hook: string;
let results: string;

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ga-cli-startup-'));
  results = join(dir, 'results');
  hook = join(dir, 'packages.mjs');
  // Prints, at exit, every package a module was resolved from.
  await writeFile(
    hook,
    `import { registerHooks } from 'node:module';
const seen = new Set();
registerHooks({ resolve(spec, ctx, next) { const r = next(spec, ctx); const m = /node_modules\\/((?:@[^/]+\\/)?[^/]+)/.exec(r.url); if (m) seen.add(m[1]); return r; } });
process.on('exit', () => process.stderr.write('PACKAGES ' + [...seen].sort().join(' ') + '\\n'));
`,
  );
});

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', hook, '--import', 'tsx', 'src/cli.ts', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, GA_STATE_DIR: join(results, 'no-services'), FORCE_COLOR: '0' },
    timeout: 60_000,
  });
  const packages = /PACKAGES (.*)/.exec(r.stderr)?.[1].split(' ') ?? [];
  return { code: r.status, out: r.stdout, err: r.stderr, packages };
}

const HEAVY = ['@temporalio/worker', '@temporalio/client', '@temporalio/core-bridge', 'webpack', 'h5wasm', '@resvg/resvg-js', 'hyparquet-writer', 'zarrita', 'mongodb', '@aws-sdk/client-s3'];

describe('CLI start-up', () => {
  it('results list --local loads none of the heavy modules', () => {
    const r = cli('results', 'list', '--local-dir', results);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^0 runs$/m);
    expect(r.packages).toContain('commander');
    expect(r.packages.filter((p) => HEAVY.includes(p))).toEqual([]);
  });

  it('--help still lists every command', () => {
    const r = cli('--help');
    expect(r.code, r.err).toBe(0);
    for (const c of ['start', 'dispatch', 'worker', 'results', 'jobs', 'analyses']) expect(r.out).toMatch(new RegExp(`^  ${c}\\b`, 'm'));
  });
});
