// The sample jobs of `npm start` (src/demo/samples.ts): one job file per mouse named after it,
// the same bytes on every start, stale job files gone, and every (mouse, analysis) pair that the
// batch leaves out named with the reason. A fake data folder stands in for the generated mice.
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { prepareSamples } from '../../../src/demo/samples.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const MICE = ['889451', '889452', '889453'];

let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'ga-samples-data-'));
  const synthetic = join(dataDir, 'synthetic-seed7');
  for (const m of MICE) {
    await mkdir(join(synthetic, m), { recursive: true });
    for (const d of ['2025-05-16_11-54-24', '2025-05-15_09-42-54']) await writeFile(join(synthetic, m, `behavior_${m}_${d}.nwb`), '');
  }
  await writeFile(join(synthetic, 'dataset.json'), '{}'); // "already generated"
});

async function jobFiles(jobsRoot: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const batch of (await readdir(jobsRoot)).sort()) {
    for (const f of (await readdir(join(jobsRoot, batch, 'job_dict'))).sort()) out[`${batch}/job_dict/${f}`] = await readFile(join(jobsRoot, batch, 'job_dict', f), 'utf8');
  }
  return out;
}

describe('prepareSamples', () => {
  it('names each job file after its mouse, and writes the same bytes on every start', async () => {
    const jobsRoot = await mkdtemp(join(tmpdir(), 'ga-samples-jobs-'));
    const { batches } = await prepareSamples(ROOT, dataDir, jobsRoot, 'sample');
    const first = await jobFiles(jobsRoot);
    for (const [path, body] of Object.entries(first)) {
      const subject = (JSON.parse(body) as { group_metadata: Record<string, string> }).group_metadata['subject.subject_id'];
      expect(path).toMatch(new RegExp(`/job_dict/job_${subject}\\.json$`));
    }
    expect(Object.keys(first).filter((p) => p.startsWith('behaviour/'))).toEqual(['697062', '717531', ...MICE].sort().map((m) => `behaviour/job_dict/job_${m}.json`));
    expect(batches.map((b) => b.label)).toEqual(['photometry-synthetic', 'photometry-real', 'behaviour-only', 'behaviour', 'python-example', 'python-grouped']);

    await prepareSamples(ROOT, dataDir, jobsRoot, 'sample');
    expect(await jobFiles(jobsRoot)).toEqual(first);
  });

  it('removes job files a former start left that are no longer part of the batch', async () => {
    const jobsRoot = await mkdtemp(join(tmpdir(), 'ga-samples-jobs-'));
    await mkdir(join(jobsRoot, 'behaviour', 'job_dict'), { recursive: true });
    await writeFile(join(jobsRoot, 'behaviour', 'job_dict', 'job_0.json'), '{}');
    await writeFile(join(jobsRoot, 'behaviour', 'job_dict', 'notes.txt'), 'kept: not a job file');
    await prepareSamples(ROOT, dataDir, jobsRoot, 'sample');
    const left = await readdir(join(jobsRoot, 'behaviour', 'job_dict'));
    expect(left).not.toContain('job_0.json');
    expect(left).toContain('notes.txt');
  });

  it('names every (mouse, analysis) pair it leaves out, with the reason', async () => {
    const jobsRoot = await mkdtemp(join(tmpdir(), 'ga-samples-jobs-'));
    const { batches, notRun } = await prepareSamples(ROOT, dataDir, jobsRoot, 'sample');
    expect(notRun.map((n) => `${n.subject} ${n.analysis}`).sort()).toEqual([...MICE, '697062'].map((m) => `${m} grouped-analysis-py`).sort());
    for (const n of notRun) expect(n.reason).toMatch(/no (fitted model|photometry)/);
    // Every mouse of the samples runs every analysis, or is named as not run.
    const pairs = new Set<string>();
    for (const b of batches) {
      const analysis = (JSON.parse(await readFile(b.parametersFile, 'utf8')) as { analysis_parameter: { analysis_name: string } }).analysis_parameter.analysis_name;
      for (const f of await readdir(b.jobsDir)) pairs.add(`${f.replace(/^job_|\.json$/g, '')} ${analysis}`);
    }
    for (const n of notRun) pairs.add(`${n.subject} ${n.analysis}`);
    const analyses = ['grouped-analysis', 'foraging-summary', 'example-py', 'grouped-analysis-py'];
    expect([...pairs].sort()).toEqual(['697062', '717531', ...MICE].flatMap((m) => analyses.map((a) => `${m} ${a}`)).sort());
  });
});
