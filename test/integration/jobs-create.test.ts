// Job creation against the real S3 server (SeaweedFS) and the real MongoDB-wire server (FerretDB):
// a prefix of generated mice as the lab's assets (HDF5 and Zarr, a same-day duplicate, a non-NWB
// file, a corrupt file, sidecar JSON) and a metadata collection of equivalent records.
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { planDispatch } from '../../src/client/dispatch.js';
import { registerJobsCommand } from '../../src/client/jobs-command.js';
import { createJobs } from '../../src/client/jobs/create.js';
import { writeJobFiles } from '../../src/client/jobs/files.js';
import type { CreatedJob, CreateJobsOptions, CreateJobsResult, MetadataSource } from '../../src/client/jobs/model.js';
import { loadConfig } from '../../src/config.js';
import { generateDataset, type MouseTruth } from '../../src/generator/generate.js';
import { s3ClientFor } from '../../src/stores/from-config.js';
import { resolveSessionFiles } from '../../src/stores/inputs.js';
import { connectClient } from '../../src/temporal/connection.js';
import { uploadToS3 } from '../support/e2e.js';
import { requiredEnv } from '../support/servers.js';

const config = loadConfig();
const client = (await s3ClientFor(config))!;
const bucket = (config.objectStore as { bucket: string }).bucket;
const prefix = `jobs-it-${randomUUID()}`;
const root = `s3://${bucket}/${prefix}`;
const metadata: MetadataSource = {
  uri: requiredEnv('MONGODB_URI'),
  db: 'ga_it',
  collection: `data_assets_${randomUUID().slice(0, 8)}`,
  filter: { 'data_description.modality.abbreviation': 'behavior' },
  filterObsolete: true,
};

let work: string;
let options: CreateJobsOptions;
let mice: MouseTruth[];
let shortFinished: number;
let fromPrefix: CreateJobsResult;
const assetUri = (m: MouseTruth, i: number) => `${root}/${m.sessions[i].session_id}`;
const fileUri = (m: MouseTruth, i: number) => `${assetUri(m, i)}/nwb/${m.sessions[i].file}`;
let dupAsset: string;
let brokenUri: string;

/** The records the lab's metadata database would hold for the uploaded assets. */
function records() {
  const behavior = (name: string, subject: string, created: string) => ({
    _id: `rec-${name}`,
    name,
    location: `${root}/${name}`,
    created: new Date(created),
    subject: { subject_id: subject },
    data_description: { modality: [{ abbreviation: 'behavior', name: 'Behavior' }] },
  });
  const first = mice[0].sessions[0].session_id;
  return [
    ...mice.flatMap((m) => m.sessions.map((s) => behavior(s.session_id, m.subject_id, `${s.date}T20:00:00Z`))),
    behavior(dupAsset, mice[0].subject_id, `${mice[0].sessions[0].date}T23:59:59Z`),
    behavior('notes', mice[1].subject_id, '2025-01-01T00:00:00Z'),
    behavior(brokenUri.split('/').at(-2)!, mice[1].subject_id, '2025-12-01T12:00:00Z'),
    // An older processing of the first session, at a location long gone: obsolete.
    behavior(`${first}_processed_2020-01-01_00-00-00`, mice[0].subject_id, '2020-01-01T00:00:00Z'),
    // Another modality: not selected by the filter.
    { ...behavior('ecephys_1_2025-01-01_00-00-00', mice[2].subject_id, '2025-01-01T00:00:00Z'), data_description: { modality: [{ abbreviation: 'ecephys' }] } },
  ];
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'jobs-it-'));
  options = { s3: { client, cacheDir: join(work, 'nwb-cache') } };
  const gen = join(work, 'gen');
  const dataset = { seed: 23, mice: 3, sessions: 3, trials: 100, format: 'mixed' as const, channels: ['G_1'], skipWeekends: false };
  const summary = await generateDataset(dataset, gen);
  mice = await Promise.all(summary.mice.map(async (m) => JSON.parse(await readFile(join(gen, m.folder, 'truth.json'), 'utf8')) as MouseTruth));
  // Same seed, fewer trials: mouse 0's first session again (same day, fewer finished trials).
  await generateDataset({ ...dataset, mice: 1, sessions: 1, trials: 60 }, join(work, 'gen60'));
  shortFinished = (JSON.parse(await readFile(join(work, 'gen60', mice[0].subject_id, 'truth.json'), 'utf8')) as MouseTruth).sessions[0].n_finished;

  const sidecar = join(work, 'data_description.json');
  await writeFile(sidecar, '{"modality": [{"abbreviation": "behavior"}]}\n');
  const uploads: Promise<string>[] = [];
  for (const m of mice) {
    for (const s of m.sessions) {
      uploads.push(uploadToS3(config, join(gen, m.subject_id, s.file), `${prefix}/${s.session_id}`, `nwb/${s.file}`));
      uploads.push(uploadToS3(config, sidecar, `${prefix}/${s.session_id}`, 'data_description.json'));
    }
  }
  dupAsset = mice[0].sessions[0].session_id.replace(/\d\d-\d\d-\d\d$/, '23-59-59');
  uploads.push(uploadToS3(config, join(work, 'gen60', mice[0].subject_id, mice[0].sessions[0].file), `${prefix}/${dupAsset}`, mice[0].sessions[0].file));
  const notes = join(work, 'notes.nwb');
  await writeFile(notes, 'not a session\n');
  uploads.push(uploadToS3(config, notes, `${prefix}/notes`, 'notes.nwb'));
  const broken = join(work, 'broken.nwb');
  await writeFile(broken, await readFile(join(gen, mice[1].subject_id, mice[1].sessions[0].file)));
  await truncate(broken, 5000);
  const brokenName = `behavior_${mice[1].subject_id}_2025-12-01_10-00-00`;
  uploads.push(uploadToS3(config, broken, `${prefix}/${brokenName}`, `${brokenName}.nwb`));
  await Promise.all(uploads);
  brokenUri = `${root}/${brokenName}/${brokenName}.nwb`;

  const mongo = await MongoClient.connect(metadata.uri, { serverSelectionTimeoutMS: 5_000 });
  try {
    await mongo.db(metadata.db).collection(metadata.collection).insertMany(records() as never[]);
  } finally {
    await mongo.close();
  }
  fromPrefix = await createJobs({ location: root }, options);
}, 300_000);

afterAll(async () => {
  const mongo = await MongoClient.connect(metadata.uri, { serverSelectionTimeoutMS: 5_000 });
  await mongo.db(metadata.db).collection(metadata.collection).drop().catch(() => undefined);
  await mongo.close();
  await rm(work, { recursive: true, force: true });
});

const withoutRecordFields = (jobs: CreatedJob[]) => jobs.map((j) => ({ fileName: j.fileName, job: { ...j.job, docdb_record_id: undefined, query: undefined } }));

describe('jobs create from an S3 prefix', () => {
  it('yields exactly one job per mouse with the right files (HDF5 and Zarr)', () => {
    expect(fromPrefix.jobs.map((j) => j.fileName)).toEqual(mice.map((m) => `job_${m.subject_id}.json`).sort());
    for (const m of mice) {
      const j = fromPrefix.jobs.find((x) => x.subjectId === m.subject_id)!;
      expect(j.job).toEqual({
        s3_location: m.sessions.map((_, i) => assetUri(m, i)),
        asset_name: m.sessions.map((s) => s.session_id),
        file_location: m.sessions.map((_, i) => fileUri(m, i)),
        group_metadata: { 'subject.subject_id': m.subject_id },
      });
      expect(j.sessions.map((s) => s.format)).toEqual(['hdf5', 'hdf5', 'zarr']);
    }
  });

  it('reports the corrupt file and the non-NWB file with their paths, and skips them', () => {
    expect(fromPrefix.skipped.map((s) => s.path)).toEqual([brokenUri, `${root}/notes/notes.nwb`]);
    expect(fromPrefix.skipped[0].reason).toMatch(/truncated file/);
    expect(fromPrefix.skipped[1].reason).toMatch(/no HDF5 signature/);
    expect(fromPrefix.ignored).toHaveLength(9); // the sidecar JSON files
  });

  it('leaves out the same-day duplicate with fewer finished trials', () => {
    expect(fromPrefix.excluded).toEqual([
      {
        path: `${root}/${dupAsset}/${mice[0].sessions[0].file}`,
        reason: `same-day duplicate of ${fileUri(mice[0], 0)}, which has more finished trials (${mice[0].sessions[0].n_finished} vs ${shortFinished})`,
      },
    ]);
  });

  it('finds sessions whatever their names, and the worker resolves each job file to that session', async () => {
    const m = mice[2];
    const named = `${prefix}-named`;
    await uploadToS3(config, join(work, 'gen', m.subject_id, m.sessions[0].file), `${named}/a`, 'session.h5');
    await uploadToS3(config, join(work, 'gen', m.subject_id, m.sessions[2].file), `${named}/b`, 'session.zarr');
    const r = await createJobs({ location: `s3://${bucket}/${named}` }, options);
    const files = [`s3://${bucket}/${named}/a/session.h5`, `s3://${bucket}/${named}/b/session.zarr`];
    expect(r.jobs.map((j) => j.job.file_location)).toEqual([files]);
    for (const f of files) expect((await resolveSessionFiles(f, { s3: client })).map((ref) => ref.uri)).toEqual([f]);
  });

  it('a second run writes byte-identical job files', async () => {
    const out = join(work, 'prefix-jobs');
    const first = await writeJobFiles(fromPrefix.jobs, out);
    const bytes = await Promise.all(first.files.map((f) => readFile(f)));
    const second = await writeJobFiles((await createJobs({ location: root }, options)).jobs, out);
    expect(second).toEqual({ files: first.files, changed: [], stale: [] });
    expect(await Promise.all(second.files.map((f) => readFile(f)))).toEqual(bytes);
  });
});

describe('jobs create from the metadata collection', () => {
  it('gives the same jobs from equivalent records, plus their record ids and the query', async () => {
    const r = await createJobs({ metadata }, options);
    expect(withoutRecordFields(r.jobs)).toEqual(withoutRecordFields(fromPrefix.jobs));
    for (const j of r.jobs) {
      expect(j.job.docdb_record_id).toEqual(j.job.asset_name!.map((n) => `rec-${n}`));
      expect(j.job.query).toBe(JSON.stringify(metadata.filter));
    }
    expect(r.skipped).toEqual(fromPrefix.skipped);
    expect(r.excluded).toEqual([
      ...fromPrefix.excluded,
      { path: `${root}/${mice[0].sessions[0].session_id}_processed_2020-01-01_00-00-00`, reason: `obsolete: ${mice[0].sessions[0].session_id} (created ${mice[0].sessions[0].date}T20:00:00.000Z) is newer` },
    ].sort((a, b) => (a.path < b.path ? -1 : 1)));

    // Same inputs, same dedup keys: dispatching either set starts the same runs.
    const keys = async (jobs: CreatedJob[], dir: string) =>
      (await planDispatch({ jobs: (await writeJobFiles(jobs, join(work, dir))).files, analysis: 'foraging-summary', codeVersion: 'v1.0.0' })).map((p) => [p.input.subjectId, p.input.dedupKey]);
    expect(await keys(r.jobs, 'metadata-jobs')).toEqual(await keys(fromPrefix.jobs, 'prefix-keys'));
  });

  it('without filterObsolete the obsolete record is listed and its missing location reported', async () => {
    const r = await createJobs({ metadata: { ...metadata, filterObsolete: false } }, options);
    expect(r.jobs.map((j) => j.text)).toEqual((await createJobs({ metadata }, options)).jobs.map((j) => j.text));
    expect(r.skipped).toContainEqual({ path: `${root}/${mice[0].sessions[0].session_id}_processed_2020-01-01_00-00-00`, reason: 'no objects under this S3 location' });
  });

  it('a subject list narrows the query itself, and a second run writes byte-identical job files', async () => {
    const subject = mice[2].subject_id;
    const r = await createJobs({ metadata }, { ...options, subjects: [subject] });
    expect(r.jobs.map((j) => j.subjectId)).toEqual([subject]);
    expect(r.skipped).toEqual([]); // the other mice's records (and their bad files) were never fetched
    const out = join(work, 'metadata-twice');
    const first = await writeJobFiles(r.jobs, out);
    const bytes = await Promise.all(first.files.map((f) => readFile(f)));
    const second = await writeJobFiles((await createJobs({ metadata }, { ...options, subjects: [subject] })).jobs, out);
    expect(second.changed).toEqual([]);
    expect(await Promise.all(second.files.map((f) => readFile(f)))).toEqual(bytes);
  });
});

describe('jobs create --dispatch', () => {
  const records = `records_${randomUUID().slice(0, 8)}`;
  const taskQueue = `jobs-it-${randomUUID()}`;
  const env = () => ({ ...process.env, TEMPORAL_TASK_QUEUE: taskQueue, MONGODB_DB: metadata.db, DOCDB_COLLECTION: records, GA_NWB_CACHE_DIR: join(work, 'nwb-cache') });
  const started: string[] = [];
  afterAll(async () => {
    // No worker polls this task queue: end the runs this test started.
    const temporal = await connectClient(loadConfig(env()).temporal);
    await Promise.all(started.map((id) => temporal.workflow.getHandle(id).terminate('jobs-create test cleanup')));
    await temporal.connection.close();
    const mongo = await MongoClient.connect(metadata.uri, { serverSelectionTimeoutMS: 5_000 });
    await mongo.db(metadata.db).collection(records).drop().catch(() => undefined);
    await mongo.close();
  });

  it('hands the written jobs to the dispatcher; a second run attaches to the same runs', async () => {
    const dispatch = async () => {
      const program = new Command().exitOverride();
      registerJobsCommand(program, env);
      const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
      try {
        await program.parseAsync(['jobs', 'create', root, '--out', join(work, 'dispatched'), '--dispatch', '--analysis', 'foraging-summary'], { from: 'user' });
        return log.mock.calls.map((c) => c.join(' ')).join('\n');
      } finally {
        log.mockRestore();
      }
    };
    const first = await dispatch();
    const rows = mice.map((m) => new RegExp(`job_${m.subject_id}\\.json +${m.subject_id} +foraging-summary +(\\S+) +(foraging-summary/${m.subject_id}/\\S+)`).exec(first));
    started.push(...rows.map((r) => r![2]));
    expect(rows.map((r) => r![1])).toEqual(['started', 'started', 'started']);
    const second = await dispatch();
    expect(second).toContain('(0 new or changed)');
    for (const id of started) expect(second).toMatch(new RegExp(`already-running +${id.replace(/[/.]/g, '\\$&')}`));
  });
});
