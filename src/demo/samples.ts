// The sample jobs of the embedded default (`npm start`): seeded synthetic mice (generated once,
// cached) and the real sessions shipped in test/fixtures, as the lab's job files + parameters.
// Demo data, not a generic layer: it names the registered analyses and their parameters.
import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateDataset } from '../generator/generate.js';

export interface SampleBatch {
  label: string;
  jobsDir: string;
  parametersFile: string;
}

const SAMPLE_SEED = 7;

async function ensureGenerated(dataDir: string): Promise<string> {
  const dir = join(dataDir, `synthetic-seed${SAMPLE_SEED}`);
  if (!existsSync(join(dir, 'dataset.json'))) {
    await generateDataset(
      { seed: SAMPLE_SEED, mice: 3, sessions: 6, trials: 300, format: 'mixed', channels: ['G_1', 'G_2'], skipWeekends: false },
      dir,
    );
  }
  return dir;
}

async function writeBatch(root: string, label: string, jobs: Record<string, unknown>[], parameters: Record<string, unknown>): Promise<SampleBatch> {
  const jobsDir = join(root, label, 'job_dict');
  await mkdir(jobsDir, { recursive: true });
  for (const [i, job] of jobs.entries()) await writeFile(join(jobsDir, `job_${i}.json`), JSON.stringify(job, null, 2));
  const parametersFile = join(root, label, 'analysis_parameters.json');
  await writeFile(parametersFile, JSON.stringify({ analysis_parameter: parameters }, null, 2));
  return { label, jobsDir, parametersFile };
}

/** Writes the sample job folders under `jobsRoot`; returns one batch per analysis/parameter set. */
export async function prepareSamples(repoRoot: string, dataDir: string, jobsRoot: string, tag: string): Promise<SampleBatch[]> {
  const synthetic = await ensureGenerated(dataDir);
  const fixtures = join(repoRoot, 'test', 'fixtures', 'real-nwb');
  const mice = (await readdir(synthetic, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  const sessionsOf = async (dir: string) => (await readdir(dir)).filter((f) => f.endsWith('.nwb')).sort().map((f) => join(dir, f));
  const syntheticJobs = await Promise.all(
    mice.map(async (m) => ({ s3_location: await sessionsOf(join(synthetic, m)), group_metadata: { 'subject.subject_id': m } })),
  );
  const real697062 = {
    s3_location: ['697062_2023-11-14_11-12-44.nwb', '697062_2023-11-15_10-02-05.nwb'].map((f) => join(fixtures, f)),
    group_metadata: { 'subject.subject_id': '697062' },
  };
  const real717531 = { s3_location: [join(fixtures, 'behavior_717531_2024-08-07_09-01-02.nwb')], group_metadata: { 'subject.subject_id': '717531' } };
  return [
    await writeBatch(jobsRoot, 'photometry-synthetic', syntheticJobs, {
      analysis_name: 'grouped-analysis',
      analysis_tag: tag,
      channels: { G_1: 'NAc (synthetic dLight)', G_2: 'DMS (synthetic dLight)' },
      plot_types: ['avg_lastN_sess', 'all_sess', 'weekly'],
    }),
    // The real Zarr session's photometry is stored as <channel>_preprocessed.
    await writeBatch(jobsRoot, 'photometry-real', [real717531], {
      analysis_name: 'grouped-analysis',
      analysis_tag: tag,
      channels: { G_1: 'fiber 1 (green)', G_2: 'fiber 2 (green)' },
      preprocessing: 'preprocessed',
      plot_types: ['avg_lastN_sess', 'all_sess'],
    }),
    await writeBatch(jobsRoot, 'behaviour', [...syntheticJobs, real697062, real717531], { analysis_name: 'foraging-summary', analysis_tag: tag }),
    // A Python analysis (python/examples/example_py), on a Python worker.
    await writeBatch(jobsRoot, 'python-example', [...syntheticJobs, real697062, real717531], { analysis_name: 'example-py', analysis_tag: tag }),
  ];
}
