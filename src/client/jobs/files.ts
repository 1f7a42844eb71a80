// Job files on disk (the same bytes for the same data: unchanged files are left untouched) and
// the preview table of `jobs create --dry-run`.
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CreatedJob } from './model.js';

export interface WrittenJobs {
  /** Every job file of this run. */
  files: string[];
  /** Those whose content was new or different (the others were left untouched). */
  changed: string[];
  /** `job_*.json` files in the folder that this run did not produce (an earlier run's). */
  stale: string[];
}

/** Writes the job files into `dir`, leaving files with identical content untouched. */
export async function writeJobFiles(jobs: readonly CreatedJob[], dir: string): Promise<WrittenJobs> {
  await mkdir(dir, { recursive: true });
  const files: string[] = [];
  const changed: string[] = [];
  for (const j of jobs) {
    const file = join(dir, j.fileName);
    if ((await readFile(file, 'utf8').catch(() => undefined)) !== j.text) {
      await writeFile(file, j.text);
      changed.push(file);
    }
    files.push(file);
  }
  const names = new Set(jobs.map((j) => j.fileName));
  const stale = (await readdir(dir)).filter((f) => /^job_.*\.json$/.test(f) && !names.has(f)).sort().map((f) => join(dir, f));
  return { files, changed, stale };
}

/** The preview table's rows: job, subject, sessions, date span, files by format. */
export function previewRows(jobs: readonly CreatedJob[]): string[][] {
  return [
    ['job', 'subject', 'sessions', 'date span', 'files'],
    ...jobs.map((j) => {
      const first = j.sessions[0].date;
      const last = j.sessions[j.sessions.length - 1].date;
      const formats = (['hdf5', 'zarr'] as const).map((f) => [f, j.sessions.filter((s) => s.format === f).length] as const).filter(([, n]) => n > 0);
      return [j.fileName, j.subjectId, String(j.sessions.length), first === last ? first : `${first}..${last}`, formats.map(([f, n]) => `${n} ${f}`).join(', ')];
    }),
  ];
}
