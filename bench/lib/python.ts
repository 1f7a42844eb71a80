// Runs the lab's Python reference (scripts/reference/*.py in the pinned venv, through
// scripts/reference/run.sh), for the benchmarks and the cross-checks on generated mice.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './paths.js';

/** Runs `scripts/reference/<script> ...args`; resolves with the wall time (ms), rejects with stderr's tail. */
export function runPython(script: string, args: string[]): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    execFile(
      'bash',
      ['scripts/reference/run.sh', `scripts/reference/${script}`, ...args],
      { cwd: REPO_ROOT, maxBuffer: 256 * 1024 * 1024 },
      (err, _stdout, stderr) =>
        err ? reject(new Error(`${script} failed: ${err.message}\n${stderr.slice(-4000)}`)) : resolve(performance.now() - started),
    );
  });
}

export interface ReferenceRun<R> {
  report: R;
  /** Spawn to exit (includes the interpreter's start-up and imports). */
  wallMs: number;
}

/** A bench_*.py script, which writes its JSON report to the file given by --report. */
export async function runReference<R>(script: string, args: string[]): Promise<ReferenceRun<R>> {
  const dir = await mkdtemp(join(tmpdir(), 'ga-bench-ref-'));
  const reportFile = join(dir, 'report.json');
  try {
    const wallMs = await runPython(script, [...args, '--report', reportFile]);
    return { report: JSON.parse(await readFile(reportFile, 'utf8')) as R, wallMs };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
