// Job creation on local folders: generated mice (HDF5 and Zarr) laid out as the lab's assets, the
// real fixture sessions (one renamed, to be found by content), a same-day duplicate, a corrupt
// and a non-NWB file, sidecar JSON.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { registerJobsCommand } from '../../../src/client/jobs-command.js';
import { createJobs } from '../../../src/client/jobs/create.js';
import { previewRows, writeJobFiles } from '../../../src/client/jobs/files.js';
import type { CreateJobsResult } from '../../../src/client/jobs/model.js';
import { generateDataset, type MouseTruth } from '../../../src/generator/generate.js';
import { validateJob } from '../../../src/schemas/job.js';
import { copyFixture, HDF5_A, HDF5_B, tempDir, ZARR } from '../nwb/fixtures.js';

const tmp = tempDir();
const data = join(tmp.dir, 'data');
const SEED = 11;
let mice: MouseTruth[];
let shortTruth: MouseTruth;
/** The mice's assets: `<session id>/nwb/<session id>.nwb` (+ a sidecar JSON). */
const assetOf = (m: MouseTruth, i: number) => join(data, m.sessions[i].session_id);
const fileOf = (m: MouseTruth, i: number) => join(assetOf(m, i), 'nwb', m.sessions[i].file);
let dupAsset: string;
let broken: string;
let notes: string;
let result: CreateJobsResult;

beforeAll(async () => {
  const gen = join(tmp.dir, 'gen');
  const options = { seed: SEED, mice: 2, sessions: 3, trials: 100, format: 'mixed' as const, channels: ['G_1'], skipWeekends: false };
  const summary = await generateDataset(options, gen);
  mice = summary.mice.map((m) => JSON.parse(readFileSync(join(gen, m.folder, 'truth.json'), 'utf8')) as MouseTruth);
  // Same seed, fewer trials: mouse 0's first session again, same day and name, fewer finished trials.
  await generateDataset({ ...options, mice: 1, sessions: 1, trials: 60 }, join(tmp.dir, 'gen60'));
  shortTruth = JSON.parse(readFileSync(join(tmp.dir, 'gen60', mice[0].subject_id, 'truth.json'), 'utf8')) as MouseTruth;

  for (const m of mice) {
    m.sessions.forEach((s, i) => {
      mkdirSync(join(assetOf(m, i), 'nwb'), { recursive: true });
      execFileSync('cp', ['-R', join(gen, m.subject_id, s.file), fileOf(m, i)]);
      writeFileSync(join(assetOf(m, i), 'data_description.json'), '{"modality": "behavior"}\n');
    });
  }
  const first = mice[0].sessions[0];
  dupAsset = join(data, first.session_id.replace(/\d\d-\d\d-\d\d$/, '23-59-59'));
  mkdirSync(dupAsset);
  execFileSync('cp', [join(tmp.dir, 'gen60', mice[0].subject_id, first.file), dupAsset]);

  // Real sessions: one HDF5 under its own name, one renamed *.h5 and the Zarr one renamed *.zarr.
  for (const [fixture, asset, name] of [
    [HDF5_A, '697062_2023-11-14_11-12-44', '697062_2023-11-14_11-12-44.nwb'],
    [HDF5_B, '697062_2023-11-15_10-02-05', 'session.h5'],
    [ZARR, 'behavior_717531_2024-08-07_09-01-02', 'session.zarr'],
  ]) {
    mkdirSync(join(data, asset));
    const copy = copyFixture(fixture, join(data, asset), { photometry: fixture !== ZARR });
    if (copy !== join(data, asset, name)) execFileSync('mv', [copy, join(data, asset, name)]);
  }

  notes = join(data, 'notes', 'notes.nwb');
  mkdirSync(join(data, 'notes'));
  writeFileSync(notes, 'not a session\n');
  broken = join(data, 'broken', `behavior_${mice[1].subject_id}_2025-12-01_10-00-00.nwb`);
  mkdirSync(join(data, 'broken'));
  execFileSync('cp', [fileOf(mice[1], 0), broken]);
  truncateSync(broken, 5000);

  result = await createJobs({ location: data });
}, 60_000);

afterAll(() => tmp.cleanup());

const jobOf = (r: CreateJobsResult, subject: string) => r.jobs.find((j) => j.subjectId === subject)!;

describe('createJobs on a local folder', () => {
  it('makes exactly one job per mouse, with the files found by content (HDF5 and Zarr, any name)', () => {
    expect(result.jobs.map((j) => j.fileName)).toEqual(['job_697062.json', 'job_717531.json', `job_${mice[0].subject_id}.json`, `job_${mice[1].subject_id}.json`].sort());
    for (const m of mice) {
      const job = jobOf(result, m.subject_id).job;
      expect(job.file_location).toEqual(m.sessions.map((_, i) => fileOf(m, i)));
      expect(job.s3_location).toEqual(m.sessions.map((_, i) => assetOf(m, i)));
      expect(job.asset_name).toEqual(m.sessions.map((s) => s.session_id));
      expect(job.group_metadata).toEqual({ 'subject.subject_id': m.subject_id });
      expect(jobOf(result, m.subject_id).sessions.map((s) => [s.format, s.date])).toEqual(m.sessions.map((s) => [s.format, s.date]));
    }
    expect(jobOf(result, '697062').job.file_location).toEqual([
      join(data, '697062_2023-11-14_11-12-44', '697062_2023-11-14_11-12-44.nwb'),
      join(data, '697062_2023-11-15_10-02-05', 'session.h5'),
    ]);
    expect(jobOf(result, '717531').job.file_location).toEqual([join(data, 'behavior_717531_2024-08-07_09-01-02', 'session.zarr')]);
    expect(jobOf(result, '717531').sessions[0]).toMatchObject({ format: 'zarr', sessionId: 'behavior_717531_2024-08-07_09-01-02', startTime: '2024-08-07T09:01:02-07:00' });
  });

  it('writes valid AnalysisDispatchModel JSON without docdb ids or query (a location source has neither)', () => {
    for (const j of result.jobs) {
      expect(JSON.parse(j.text)).toEqual(j.job);
      expect(validateJob(JSON.parse(j.text), j.fileName).subjectId).toBe(j.subjectId);
      expect(Object.keys(j.job)).toEqual(['s3_location', 'asset_name', 'file_location', 'group_metadata']);
    }
  });

  it('reports the corrupt and the non-NWB file with path and reason, skips them, and ignores sidecar files', () => {
    expect(result.skipped.map((s) => s.path)).toEqual([broken, notes]);
    expect(result.skipped[0].reason).toMatch(/truncated file/);
    expect(result.skipped[1].reason).toMatch(/no HDF5 signature/);
    expect(result.ignored).toEqual(mice.flatMap((m) => m.sessions.map((_, i) => join(assetOf(m, i), 'data_description.json'))).sort());
  });

  it('keeps the same-day session with more finished trials, as the analysis does, and says why', () => {
    const kept = fileOf(mice[0], 0);
    expect(result.excluded).toEqual([
      {
        path: join(dupAsset, mice[0].sessions[0].file),
        reason: `same-day duplicate of ${kept}, which has more finished trials (${mice[0].sessions[0].n_finished} vs ${shortTruth.sessions[0].n_finished})`,
      },
    ]);
    expect(jobOf(result, mice[0].subject_id).sessions[0].finishedTrials).toBe(mice[0].sessions[0].n_finished);
  });

  it('keep-all keeps both same-day sessions', async () => {
    const all = await createJobs({ location: data }, { sameDay: 'keep-all', subjects: [mice[0].subject_id] });
    expect(all.jobs).toHaveLength(1);
    expect(all.jobs[0].job.file_location).toEqual([fileOf(mice[0], 0), join(dupAsset, mice[0].sessions[0].file), fileOf(mice[0], 1), fileOf(mice[0], 2)]);
    expect(all.jobs[0].job.s3_location).toContain(dupAsset);
  });

  it('is deterministic: same data, byte-identical files, and a second write changes nothing', async () => {
    const again = await createJobs({ location: data }, { concurrency: 1 });
    expect(again.jobs.map((j) => [j.fileName, j.text])).toEqual(result.jobs.map((j) => [j.fileName, j.text]));
    const out = join(tmp.dir, 'out');
    const first = await writeJobFiles(result.jobs, out);
    expect(first.changed).toEqual(first.files);
    const bytes = first.files.map((f) => readFileSync(f));
    const second = await writeJobFiles(again.jobs, out);
    expect(second).toEqual({ files: first.files, changed: [], stale: [] });
    expect(second.files.map((f) => readFileSync(f))).toEqual(bytes);
    const fewer = await writeJobFiles(again.jobs.slice(1), out);
    expect(fewer.stale).toEqual([first.files[0]]);
    expect(readdirSync(out)).toHaveLength(result.jobs.length);
  });

  it('previews subject, sessions, date span and files per job', () => {
    const [header, ...rows] = previewRows(result.jobs);
    expect(header).toEqual(['job', 'subject', 'sessions', 'date span', 'files']);
    const m = mice[0];
    expect(rows).toContainEqual([`job_${m.subject_id}.json`, m.subject_id, '3', `${m.sessions[0].date}..${m.sessions[2].date}`, '2 hdf5, 1 zarr']);
    expect(rows).toContainEqual(['job_717531.json', '717531', '1', '2024-08-07', '1 zarr']);
  });
});

describe('createJobs options', () => {
  const subjects = (r: CreateJobsResult) => r.jobs.map((j) => j.subjectId);

  it('subject include and exclude lists', async () => {
    const only = await createJobs({ location: data }, { subjects: ['697062', mice[1].subject_id] });
    expect(subjects(only)).toEqual(['697062', mice[1].subject_id]);
    expect(only.excluded.find((e) => e.path === fileOf(mice[0], 1))?.reason).toBe(`subject ${mice[0].subject_id} is not among the subjects asked for`);
    const without = await createJobs({ location: data }, { excludeSubjects: ['697062'] });
    expect(subjects(without)).toEqual(['717531', mice[0].subject_id, mice[1].subject_id]);
  });

  it('date range (inclusive, on the session start date)', async () => {
    const m = mice[1];
    const r = await createJobs({ location: data }, { from: m.sessions[1].date, to: m.sessions[2].date });
    expect(subjects(r)).toEqual([m.subject_id]);
    expect(r.jobs[0].job.file_location).toEqual([fileOf(m, 1), fileOf(m, 2)]);
    expect(r.excluded.find((e) => e.path === fileOf(m, 0))?.reason).toBe(`session date ${m.sessions[0].date} is before ${m.sessions[1].date}`);
  });

  it('minimum sessions per mouse counts sessions after the same-day rule', async () => {
    const r = await createJobs({ location: data }, { minSessions: 3 });
    expect(subjects(r)).toEqual([mice[0].subject_id, mice[1].subject_id]);
    expect(r.excluded).toContainEqual({ path: join(data, '697062_2023-11-15_10-02-05', 'session.h5'), reason: 'subject 697062 has 2 sessions, fewer than the minimum 3' });
  });

  it('split files: one valid job per session, unique names', async () => {
    const r = await createJobs({ location: data }, { splitFiles: true, subjects: [mice[0].subject_id, '697062'] });
    expect(r.jobs).toHaveLength(5);
    for (const j of r.jobs) {
      expect(j.job.file_location).toHaveLength(1);
      expect(validateJob(j.job, j.fileName).subjectId).toBe(j.subjectId);
    }
    expect(r.jobs.map((j) => j.fileName)).toContain(`job_${mice[0].subject_id}_${mice[0].sessions[0].session_id}.json`);
    expect(r.jobs.map((j) => j.fileName)).toContain('job_697062_session.h5.json');
  });

  it('max jobs keeps the first by file name and reports the rest', async () => {
    const r = await createJobs({ location: data }, { maxJobs: 2 });
    expect(r.jobs.map((j) => j.fileName)).toEqual(result.jobs.slice(0, 2).map((j) => j.fileName));
    expect(r.excluded.filter((e) => e.reason.includes('beyond the first 2 jobs'))).toHaveLength(6);
  });
});

describe('createJobs reads metadata only', () => {
  const local = tempDir();
  afterAll(() => local.cleanup());

  it('finds a Zarr session whose trials chunks are gone; animal_response is read only to settle a same-day duplicate', async () => {
    const m = mice[0];
    const asset = join(local.dir, 'a');
    mkdirSync(asset);
    execFileSync('cp', ['-R', fileOf(m, 2), asset]);
    const trials = join(asset, m.sessions[2].file, 'intervals', 'trials');
    for (const column of readdirSync(trials, { withFileTypes: true })) if (column.isDirectory()) rmSync(join(trials, column.name, '0'), { force: true });
    const alone = await createJobs({ location: local.dir });
    expect(alone.skipped).toEqual([]);
    expect(alone.jobs.map((j) => j.job.file_location)).toEqual([[join(asset, m.sessions[2].file)]]);

    // A second copy on the same day: now the count is needed, and the missing chunk shows.
    mkdirSync(join(local.dir, 'b'));
    execFileSync('cp', ['-R', join(asset, m.sessions[2].file), join(local.dir, 'b')]);
    const twice = await createJobs({ location: local.dir });
    expect(twice.jobs).toEqual([]);
    expect(twice.skipped.map((s) => s.path)).toEqual([join(asset, m.sessions[2].file), join(local.dir, 'b', m.sessions[2].file)]);
    expect(twice.skipped[0].reason).toMatch(/animal_response/);
  });
});

describe('jobs create (command)', () => {
  /** Runs the command as the CLI would; returns what it printed. */
  async function run(...args: string[]): Promise<string> {
    const program = new Command().exitOverride().configureOutput({ writeErr: () => undefined });
    registerJobsCommand(program, () => ({}));
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      await program.parseAsync(['jobs', 'create', ...args], { from: 'user' });
      return log.mock.calls.map((c) => c.join(' ')).join('\n');
    } finally {
      log.mockRestore();
    }
  }

  it('--dry-run prints the preview and the reported files, and writes nothing', async () => {
    const out = join(tmp.dir, 'cli-dry');
    const printed = await run(data, '--out', out, '--dry-run');
    expect(printed).toMatch(new RegExp(`job_${mice[0].subject_id}\\.json +${mice[0].subject_id} +3 +${mice[0].sessions[0].date}\\.\\.${mice[0].sessions[2].date} +2 hdf5, 1 zarr`));
    expect(printed).toContain(`${broken}: cannot open HDF5 file: truncated file`);
    expect(printed).toContain(`${notes}: not an NWB session`);
    expect(printed).toContain('same-day duplicate of');
    expect(printed).toContain('6 other files (neither HDF5 nor Zarr) ignored.');
    expect(existsSync(out)).toBe(false);
  });

  it('writes the job files, the same bytes as the library, with the options passed through', async () => {
    const out = join(tmp.dir, 'cli-out');
    const printed = await run(data, '--out', out, '--exclude-subjects', '697062,717531', '--min-sessions', '2');
    expect(printed).toContain(`Wrote 2 job files to ${out} (2 new or changed).`);
    const expected = await createJobs({ location: data }, { excludeSubjects: ['697062', '717531'], minSessions: 2 });
    expect(readdirSync(out).sort().map((f) => readFileSync(join(out, f), 'utf8'))).toEqual(expected.jobs.map((j) => j.text));
  });

  it('refuses bad arguments with exit code 2 or commander\'s own', async () => {
    await expect(run()).rejects.toMatchObject({ exitCode: 2, message: expect.stringMatching(/either a location or --collection/) });
    await expect(run(data, '--collection', 'data_assets')).rejects.toMatchObject({ exitCode: 2 });
    await expect(run('--collection', 'data_assets', '--filter', '{"name": {"$regex": "^b"}}')).rejects.toMatchObject({ message: expect.stringMatching(/\$regex is not supported/) });
    await expect(run(data, '--from', '2025-13-45')).rejects.toMatchObject({ message: expect.stringMatching(/YYYY-MM-DD/) });
    await expect(run(data, '--same-day', 'newest')).rejects.toMatchObject({ message: expect.stringMatching(/keep-more-finished/) });
  });
});
