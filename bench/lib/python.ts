// The lab's Python reference scripts (scripts/reference/bench_*.py, in the pinned venv) for the
// benchmarks.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runReferencePython } from '../../test/support/reference.js';

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
    const { wallMs } = await runReferencePython([`scripts/reference/${script}`, ...args, '--report', reportFile]);
    return { report: JSON.parse(await readFile(reportFile, 'utf8')) as R, wallMs };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
