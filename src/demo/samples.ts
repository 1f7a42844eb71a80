// The sample jobs of the embedded default (`npm start`): seeded synthetic mice (generated once,
// cached) and the real sessions shipped in test/fixtures, as the lab's job files + parameters.
// Demo data, not a generic layer: it names the registered analyses and their parameters.
import { existsSync } from 'node:fs';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateDataset } from '../generator/generate.js';

export interface SampleBatch {
  label: string;
  jobsDir: string;
  parametersFile: string;
}

/** A (mouse, analysis) pair of the samples that is deliberately not run, and why. */
export interface NotRun {
  subject: string;
  analysis: string;
  reason: string;
}

export interface Samples {
  batches: SampleBatch[];
  notRun: NotRun[];
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

interface SampleJob {
  s3_location: string[];
  group_metadata: { 'subject.subject_id': string };
}

// One job file per mouse, named after it (`job_<subject>.json`, as `jobs create` names them), so
// the dispatch table's job column says which mouse; job files of an earlier start that are no
// longer part of the batch (e.g. the former `job_<n>.json` names) are removed, not dispatched.
async function writeBatch(root: string, label: string, jobs: SampleJob[], parameters: Record<string, unknown>): Promise<SampleBatch> {
  const jobsDir = join(root, label, 'job_dict');
  await mkdir(jobsDir, { recursive: true });
  const names = new Set(jobs.map((job) => `job_${job.group_metadata['subject.subject_id']}.json`));
  for (const f of await readdir(jobsDir)) if (f.endsWith('.json') && !names.has(f)) await rm(join(jobsDir, f));
  for (const job of jobs) await writeFile(join(jobsDir, `job_${job.group_metadata['subject.subject_id']}.json`), JSON.stringify(job, null, 2));
  const parametersFile = join(root, label, 'analysis_parameters.json');
  await writeFile(parametersFile, JSON.stringify({ analysis_parameter: parameters }, null, 2));
  return { label, jobsDir, parametersFile };
}

/**
 * Writes the sample job folders under `jobsRoot`; returns one batch per analysis/parameter set,
 * and the (mouse, analysis) pairs left out, with the reason, for the summary to name.
 */
export async function prepareSamples(repoRoot: string, dataDir: string, jobsRoot: string, tag: string): Promise<Samples> {
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
  const batches = [
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
    // 697062's two real sessions have no photometry: behaviour outputs only.
    await writeBatch(jobsRoot, 'behaviour-only', [real697062], { analysis_name: 'grouped-analysis', analysis_tag: tag, channels: {} }),
    await writeBatch(jobsRoot, 'behaviour', [...syntheticJobs, real697062, real717531], { analysis_name: 'foraging-summary', analysis_tag: tag }),
    // A Python analysis (python/examples/example_py), on a Python worker.
    await writeBatch(jobsRoot, 'python-example', [...syntheticJobs, real697062, real717531], { analysis_name: 'example-py', analysis_tag: tag }),
    // The lab's grouped analysis in Python (python/examples/grouped_analysis_py), with the fitted
    // model of the real sessions (test/fixtures/fits), as the lab's fitter is slow.
    await writeBatch(jobsRoot, 'python-grouped', [real717531], {
      analysis_name: 'grouped-analysis-py',
      analysis_tag: tag,
      channels: { G_1: 'fiber 1 (green)', G_2: 'fiber 2 (green)' },
      preprocessing: 'preprocessed',
      fit_source: join(repoRoot, 'test', 'fixtures', 'fits', 'real-nwb-qlearning.json'),
    }),
  ];
  const notRun = [
    ...mice.map((subject) => ({ subject, analysis: 'grouped-analysis-py', reason: 'no fitted model in test/fixtures/fits for generated sessions (the lab\'s fitter would take ~25 s a session)' })),
    { subject: '697062', analysis: 'grouped-analysis-py', reason: 'its 2 sessions have no photometry (grouped-analysis runs it behaviour-only)' },
  ];
  return { batches, notRun };
}
