// Our side of a benchmark runs in a child process on plain `node`, so its peak RSS is the
// analysis' own: tsx's loader with h5wasm adds several hundred MB. The child's entry is bundled
// with esbuild (tsx's own dependency; node_modules stay external) into
// .cache/bench/<name>.mjs, two folders below the repository root like src/<folder>/<file>, so the
// paths src resolves against import.meta.url (package.json, the fixtures) come out the same.
// current-code-version.ts would hash the bundle's folder instead of src/, so the parent passes GA_CODE_VERSION.
import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { build } from 'esbuild';
import { codeVersion } from '../../src/current-code-version.js';
import { REPO_ROOT } from './paths.js';

const OUT_DIR = join(REPO_ROOT, '.cache', 'bench');

/** Bundles a child entry (a path relative to the repository root); returns the bundle's path. */
export async function bundleChild(entry: string): Promise<string> {
  await mkdir(OUT_DIR, { recursive: true });
  await build({
    entryPoints: [join(REPO_ROOT, entry)],
    outdir: OUT_DIR,
    outExtension: { '.js': '.mjs' },
    entryNames: '[name]',
    // Code split at dynamic imports, as tsx runs it: a worker on local stores then never loads
    // the S3 SDK or the MongoDB driver (one bundle would import them at start-up).
    splitting: true,
    chunkNames: '[name]-[hash]',
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
  });
  return join(OUT_DIR, `${basename(entry, '.ts')}.mjs`);
}

export interface ChildRun<R> {
  report: R;
  /** Spawn to exit, as seen by the parent (includes node's start-up and module loading). */
  wallMs: number;
}

/**
 * Runs `node <bundle> <JSON args>`; the child writes one JSON report as the last line of its
 * stdout (its own diagnostics go to stderr, which is passed through).
 */
export function runChild<R>(bundle: string, args: unknown): Promise<ChildRun<R>> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bundle, JSON.stringify(args)], {
      cwd: REPO_ROOT,
      // As the worker scripts run it (README, Production configuration).
      env: { MALLOC_ARENA_MAX: '2', ...process.env, GA_CODE_VERSION: codeVersion() },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = performance.now() - started;
      const last = out.trim().split('\n').pop() ?? '';
      if (code !== 0) reject(new Error(`${bundle} exited with ${code}\n${out}`));
      else resolve({ report: JSON.parse(last) as R, wallMs });
    });
  });
}
