// Inputs of the suite: generated mice uploaded to the suite's S3 server, job folders in the
// lab's format, and deliberately broken NWB sessions built from generated ones.
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { generateDataset } from '../../../src/generator/generate.js';
import { writeHdf5Nwb } from '../../../src/generator/hdf5-writer.js';
import { buildNwbTree, type DatasetNode, type GroupNode } from '../../../src/generator/layout.js';
import { DEFAULT_OPTIONS, planMouse, type DatasetOptions } from '../../../src/generator/plan.js';
import { Rng } from '../../../src/generator/random.js';
import { simulateSession } from '../../../src/generator/session.js';
import { DEFAULT_SPEC_SOURCES, hdf5Specifications, zarrSpecifications } from '../../../src/generator/specifications.js';
import { writeZarrNwb } from '../../../src/generator/zarr-writer.js';
import { BUCKET, PORTS, S3_ACCESS_KEY, type SuiteInfo } from './env.js';

export function s3Client(awsSecret: string): S3Client {
  return new S3Client({
    region: 'us-east-1',
    endpoint: `http://127.0.0.1:${PORTS.GA_S3_PORT}`,
    forcePathStyle: true,
    credentials: { accessKeyId: S3_ACCESS_KEY, secretAccessKey: awsSecret },
  });
}

export async function createBucket(s3: S3Client, bucket: string): Promise<void> {
  await s3.send(new CreateBucketCommand({ Bucket: bucket })).catch((e: { name?: string }) => {
    if (e.name !== 'BucketAlreadyOwnedByYou' && e.name !== 'BucketAlreadyExists') throw e;
  });
}

/** Uploads a file or a folder (Zarr) to s3://bucket/key[/...], a few objects at a time. */
export async function upload(s3: S3Client, bucket: string, local: string, key: string): Promise<void> {
  const entries = await readdir(local, { recursive: true, withFileTypes: true }).catch(() => null);
  const files =
    entries === null
      ? [{ path: local, key }]
      : entries.filter((e) => e.isFile()).map((e) => ({ path: join(e.parentPath, e.name), key: `${key}/${relative(local, join(e.parentPath, e.name)).split(sep).join('/')}` }));
  let next = 0;
  const lane = async () => {
    while (next < files.length) {
      const f = files[next++];
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: f.key, Body: await readFile(f.path) }));
    }
  };
  await Promise.all(Array.from({ length: 16 }, lane));
}

const SESSION_FILE = /^behavior_.*\.nwb$/;

/** Generates the suite's mice once and uploads them under s3://BUCKET/inputs/<subject>/. */
export async function prepareDataset(stateDir: string, awsSecret: string, opts: { mice: number; sessions: number; trials: number }): Promise<SuiteInfo['dataset']> {
  const dir = join(stateDir, 'dataset');
  await generateDataset({ ...DEFAULT_OPTIONS, seed: 809, ...opts, format: 'mixed', channels: ['G_1', 'G_2'] }, dir);
  const s3 = s3Client(awsSecret);
  const mice: SuiteInfo['dataset']['mice'] = [];
  for (const subjectId of (await readdir(dir, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort()) {
    const sessions = (await readdir(join(dir, subjectId))).filter((f) => SESSION_FILE.test(f)).sort();
    const s3Prefix = `inputs/${subjectId}`;
    for (const s of sessions) await upload(s3, BUCKET, join(dir, subjectId, s), `${s3Prefix}/${s}`);
    mice.push({ subjectId, dir: join(dir, subjectId), sessions, s3Prefix });
  }
  s3.destroy();
  return { dir, mice };
}

export interface JobSpec {
  subjectId: string;
  /** One s3:// URI per session (the lab's one asset per session). */
  locations: string[];
}

export const jobOf = (m: SuiteInfo['dataset']['mice'][number]): JobSpec => ({
  subjectId: m.subjectId,
  locations: m.sessions.map((s) => `s3://${BUCKET}/${m.s3Prefix}/${s}`),
});

/** Writes `<dir>/job_dict/job_<subject>.json` and `<dir>/analysis_parameters.json`. */
export async function writeJobFolder(dir: string, jobs: JobSpec[], parameters: Record<string, unknown>): Promise<{ jobsDir: string; parametersFile: string }> {
  const jobsDir = join(dir, 'job_dict');
  await rm(dir, { recursive: true, force: true });
  await mkdir(jobsDir, { recursive: true });
  for (const j of jobs) {
    await writeFile(join(jobsDir, `job_${j.subjectId}.json`), JSON.stringify({ s3_location: j.locations, group_metadata: { 'subject.subject_id': j.subjectId } }, null, 2));
  }
  const parametersFile = join(dir, 'analysis_parameters.json');
  await writeFile(parametersFile, JSON.stringify({ analysis_parameter: parameters }, null, 2));
  return { jobsDir, parametersFile };
}

export const foragingParams = (tag: string) => ({ analysis_name: 'foraging-summary', analysis_tag: tag });
export const groupedParams = (tag: string) => ({
  analysis_name: 'grouped-analysis',
  analysis_tag: tag,
  channels: { G_1: 'NAc (synthetic)', G_2: 'DMS (synthetic)' },
  plot_types: ['avg_lastN_sess', 'all_sess'],
});

// ---- broken sessions -------------------------------------------------------------------------

export type BadKind = 'truncated-hdf5' | 'zarr-missing-chunks' | 'wrong-dtype' | 'zero-trials' | 'nan-timestamps';
export const BAD_KINDS: BadKind[] = ['truncated-hdf5', 'zarr-missing-chunks', 'wrong-dtype', 'zero-trials', 'nan-timestamps'];

function trials(tree: GroupNode): GroupNode {
  return (tree.children.intervals as GroupNode).children.trials as GroupNode;
}

function columns(t: GroupNode): [string, DatasetNode][] {
  return Object.entries(t.children).filter((e): e is [string, DatasetNode] => e[1].kind === 'dataset');
}

/** Every column (and the id column) cut to zero rows. */
function zeroTrials(tree: GroupNode): void {
  for (const [, d] of columns(trials(tree))) {
    const v = d.value;
    if (v.type === 'float64') d.value = { ...v, values: new Float64Array(0) };
    else if (v.type === 'int64') d.value = { ...v, values: new BigInt64Array(0) };
    else if (v.type === 'bool') d.value = { ...v, values: new Uint8Array(0) };
    else if (v.type === 'text') d.value = { ...v, values: [] };
  }
}

/**
 * A mouse of two sessions, the second broken as `kind`; written under `<dir>/<subject>/`.
 * Returns the subject and the broken session's file name.
 */
export async function writeBadMouse(dir: string, kind: BadKind, index: number, trialsPerSession = 150): Promise<{ subjectId: string; sessions: string[]; bad: string }> {
  const opts: DatasetOptions = { ...DEFAULT_OPTIONS, seed: 4242, mice: 10, sessions: 2, trials: trialsPerSession, format: 'hdf5', channels: ['G_1'] };
  const mouse = planMouse(opts, index);
  const out = join(dir, mouse.subjectId);
  await mkdir(out, { recursive: true });
  const format = kind === 'zarr-missing-chunks' ? 'zarr' : kind === 'truncated-hdf5' ? 'hdf5' : index % 2 === 0 ? 'hdf5' : 'zarr';
  const files: string[] = [];
  for (const plan of mouse.sessions) {
    const data = simulateSession(mouse, plan, trialsPerSession);
    const tree = buildNwbTree(data, Rng.stream(plan.seed, 'object-ids'));
    const broken = plan.index === 1;
    if (broken && kind === 'zero-trials') zeroTrials(tree);
    if (broken && kind === 'nan-timestamps') {
      for (const [name, d] of columns(trials(tree))) if (name.endsWith('_time') && d.value.type === 'float64') d.value = { ...d.value, values: new Float64Array(d.value.values.length).fill(Number.NaN) };
    }
    if (broken && kind === 'wrong-dtype') {
      // Choices stored as text, as a broken export would write them.
      const col = trials(tree).children.animal_response as DatasetNode;
      const n = col.value.type === 'float64' ? col.value.values.length : 0;
      col.value = { type: 'text', values: Array.from({ length: n }, (_, i) => (i % 2 ? 'left' : 'right')) };
    }
    const file = `${plan.sessionId}.nwb`;
    const path = join(out, file);
    if (format === 'hdf5') await writeHdf5Nwb(path, tree, await hdf5Specifications(DEFAULT_SPEC_SOURCES.hdf5), Date.parse(data.metadata.sessionStartTime));
    else await writeZarrNwb(path, tree, await zarrSpecifications(DEFAULT_SPEC_SOURCES.zarr));
    if (broken && kind === 'truncated-hdf5') {
      const bytes = await readFile(path);
      await writeFile(path, bytes.subarray(0, Math.floor(bytes.length / 2)));
    }
    if (broken && kind === 'zarr-missing-chunks') {
      // The chunks of the choice column are gone; its .zarray still says they exist.
      const colDir = join(path, 'intervals', 'trials', 'animal_response');
      for (const f of await readdir(colDir)) if (!f.startsWith('.')) await rm(join(colDir, f));
    }
    files.push(file);
  }
  return { subjectId: mouse.subjectId, sessions: files, bad: files[1] };
}
