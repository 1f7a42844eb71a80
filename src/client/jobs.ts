// Job creation: from a data location (an S3 prefix or a local folder) or the lab's metadata
// collection to job files, one per mouse, as the lab's job dispatcher makes them. Sessions are
// recognised by their content (the HDF5 signature, or a Zarr group whose root is an NWBFile), not
// by name, and are opened for their metadata only: subject, start time and session id; of the
// trials table only `animal_response`, and only to settle a same-day duplicate. Bad files are
// reported and skipped. Same data, same bytes: a nightly re-run writes and dispatches nothing new.
import { hash } from 'node:crypto';
import { mkdir, open, readdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { MongoClient, type Document } from 'mongodb';
import { NwbError } from '../nwb/errors.js';
import { HDF5_SIGNATURE, isHdf5Signature, openNwb, type RemoteResolver } from '../nwb/open.js';
import { limiter } from '../concurrency.js';
import { createS3Resolver } from '../nwb/s3.js';
import { missingField, type NwbFormat, type NwbSource } from '../nwb/source.js';
import { sessionIndex } from '../nwb/tables.js';
import { subjectFromAssetName, SUBJECT_ID_PATTERN, validateJob, type AnalysisDispatchJobInput } from '../schemas/job.js';
import { checkLocation, locationBasename } from '../schemas/locations.js';
import { InputNotFoundError, resolveSessionFiles } from '../stores/inputs.js';
import type { SessionRef } from '../workflows/analysis-types.js';

/** The group-by field every job has: one job analyses one mouse. */
export const SUBJECT_FIELD = 'subject.subject_id';

export type SameDayPolicy = 'keep-more-finished' | 'keep-all';

export interface MetadataSource {
  /** MongoDB-wire URI (MongoDB, DocumentDB, FerretDB). */
  uri: string;
  db: string;
  collection: string;
  /** A filter using only what MongoDB, DocumentDB and FerretDB share (see `checkPortableFilter`). */
  filter: Record<string, unknown>;
  /** Record fields whose values make one job; `subject.subject_id` is always one of them. */
  groupBy?: readonly string[];
  /** Keep only the newest record (by `created`) per asset name without its processing suffix. */
  filterObsolete?: boolean;
}

export type JobSource = { location: string } | { metadata: MetadataSource };

export interface CreateJobsOptions {
  /** For sessions on S3; HDF5 sessions are downloaded into `cacheDir` (h5wasm needs a file). */
  s3?: { client: S3Client; cacheDir: string };
  subjects?: readonly string[];
  excludeSubjects?: readonly string[];
  /** Inclusive bounds on the session's date (YYYY-MM-DD of its start time, as recorded). */
  from?: string;
  to?: string;
  /** Mice with fewer sessions (after the same-day rule) get no job. Default 1. */
  minSessions?: number;
  /** Default 'keep-more-finished', the analysis's own rule. */
  sameDay?: SameDayPolicy;
  /** One job per session instead of one per mouse. */
  splitFiles?: boolean;
  maxJobs?: number;
  /** Sessions opened at once. Default 8. */
  concurrency?: number;
}

export interface JobSession {
  /** As in the job's `file_location`: an s3:// URI or an absolute path. */
  location: string;
  format: NwbFormat;
  subjectId: string;
  sessionId: string;
  /** `/session_start_time` as stored (ISO 8601 with offset). */
  startTime: string;
  /** YYYY-MM-DD of the start time. */
  date: string;
  /** Read only where a same-day duplicate had to be settled. */
  finishedTrials?: number;
}

export interface CreatedJob {
  /** `job_<subject>.json`, with a suffix when a mouse has several jobs. */
  fileName: string;
  subjectId: string;
  job: AnalysisDispatchJobInput;
  /** The file's exact text. */
  text: string;
  /** In start-time order. */
  sessions: JobSession[];
}

export interface FileNote {
  path: string;
  reason: string;
}

export interface CreateJobsResult {
  /** Sorted by file name. */
  jobs: CreatedJob[];
  /** Files that look like sessions (or records / assets that should hold them) but cannot be used. */
  skipped: FileNote[];
  /** Usable sessions or records that an option or rule left out (subjects, dates, duplicates, ...). */
  excluded: FileNote[];
  /** Files that are neither HDF5 nor a Zarr folder (sidecar JSON, videos, ...). */
  ignored: string[];
}

/** A data asset: a top-level folder under the location, or one metadata record. */
interface Asset {
  location: string;
  name: string;
  recordId?: string;
  /** The job's `group_metadata` (subject from the record; from the file for locations). */
  group?: Record<string, unknown>;
}

interface Candidate {
  ref: SessionRef;
  asset: Asset;
}

interface Found extends JobSession {
  asset: Asset;
  group: Record<string, unknown>;
}

type Notes = Omit<CreateJobsResult, 'jobs'>;

// Operators MongoDB, DocumentDB and FerretDB all implement the same way.
const PORTABLE_OPERATORS = new Set(['$eq', '$ne', '$in', '$nin', '$gt', '$gte', '$lt', '$lte', '$exists', '$and', '$or']);

/** Throws naming the first operator outside the portable subset (a filter must run on all three servers). */
export function checkPortableFilter(filter: unknown, path = '$'): void {
  if (Array.isArray(filter)) filter.forEach((v, i) => checkPortableFilter(v, `${path}[${i}]`));
  else if (filter !== null && typeof filter === 'object' && !(filter instanceof Date)) {
    for (const [k, v] of Object.entries(filter)) {
      if (k.startsWith('$') && !PORTABLE_OPERATORS.has(k)) {
        throw new Error(`filter ${path}: operator ${k} is not supported; use ${[...PORTABLE_OPERATORS].join(', ')}`);
      }
      checkPortableFilter(v, `${path}.${k}`);
    }
  }
}

const DATE_TIME = /_\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}$/;

/**
 * The raw asset a derived asset was made from: `behavior_1_2025-02-10_13-16-09_processed_2025-02-11_07-14-26`
 * -> `behavior_1_2025-02-10_13-16-09` (the lab's `<input>_<process>_<date>_<time>` names, repeated).
 */
export function withoutProcessingSuffix(name: string): string {
  let out = name;
  for (;;) {
    const m = /_[A-Za-z0-9-]+_\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}$/.exec(out);
    if (!m || !DATE_TIME.test(out.slice(0, m.index))) return out;
    out = out.slice(0, m.index);
  }
}

/** Reads a dotted field (`subject.subject_id`) of a record. */
function fieldOf(record: Document, field: string): unknown {
  return field.split('.').reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), record);
}

const asSubject = (v: unknown) => (typeof v === 'string' && v ? v : typeof v === 'number' && Number.isSafeInteger(v) ? String(v) : undefined);

function createdOf(record: Document): string {
  const c = record.created;
  if (c instanceof Date) return c.toISOString();
  return typeof c === 'string' ? c : '';
}

/**
 * The metadata records' assets, as upstream's `query_data_assets` groups them: records lacking a
 * group field or a location are skipped; with `filterObsolete`, only the newest record (by
 * `created`, then `_id`) per asset name without processing suffix stays. Sorted by location.
 */
export function assetsFromRecords(records: readonly Document[], source: Pick<MetadataSource, 'collection' | 'groupBy' | 'filterObsolete'>, notes: Notes): Asset[] {
  const groupBy = [SUBJECT_FIELD, ...(source.groupBy ?? []).filter((f) => f !== SUBJECT_FIELD)];
  const usable: { asset: Asset; created: string }[] = [];
  for (const r of records) {
    const id = String(r._id);
    const label = `${source.collection} record ${id}`;
    const checked = typeof r.location === 'string' ? checkLocation(r.location) : undefined;
    if (!checked?.ok) {
      notes.skipped.push({ path: label, reason: checked ? `location: ${checked.message}` : 'no location' });
      continue;
    }
    const group: Record<string, unknown> = {};
    const missing = groupBy.find((f) => {
      const v = f === SUBJECT_FIELD ? asSubject(fieldOf(r, f)) : fieldOf(r, f);
      group[f] = v;
      return v === undefined || v === null;
    });
    if (missing) {
      notes.skipped.push({ path: label, reason: `no ${missing} (records are grouped by ${groupBy.join(', ')})` });
      continue;
    }
    const name = typeof r.name === 'string' && r.name ? r.name : locationBasename(checked.normalized);
    usable.push({ asset: { location: checked.normalized, name, recordId: id, group }, created: createdOf(r) });
  }
  let kept = usable;
  if (source.filterObsolete) {
    const newest = new Map<string, (typeof usable)[number]>();
    const order = (a: (typeof usable)[number], b: (typeof usable)[number]) =>
      a.created !== b.created ? (a.created > b.created ? -1 : 1) : a.asset.recordId! < b.asset.recordId! ? -1 : 1;
    for (const u of [...usable].sort(order)) {
      const key = withoutProcessingSuffix(u.asset.name);
      const first = newest.get(key);
      if (!first) newest.set(key, u);
      else notes.excluded.push({ path: u.asset.location, reason: `obsolete: ${first.asset.name} (created ${first.created}) is newer` });
    }
    kept = [...newest.values()];
  }
  return kept.map((k) => k.asset).sort((a, b) => (a.location < b.location ? -1 : a.location > b.location ? 1 : a.recordId! < b.recordId! ? -1 : 1));
}

async function queryRecords(m: MetadataSource, subjects: readonly string[] | undefined): Promise<Document[]> {
  checkPortableFilter(m.filter);
  const fields = ['name', 'location', 'created', SUBJECT_FIELD, ...(m.groupBy ?? [])];
  // Subject ids are strings in the lab's records, numbers in some older ones.
  const ids = subjects?.length ? subjects.flatMap((s) => (/^\d+$/.test(s) ? [s, Number(s)] : [s])) : undefined;
  const filter = ids ? { $and: [m.filter, { [SUBJECT_FIELD]: { $in: ids } }] } : m.filter;
  const client = new MongoClient(m.uri, { serverSelectionTimeoutMS: 5_000 });
  try {
    return await client
      .db(m.db)
      .collection(m.collection)
      .find(filter, { projection: Object.fromEntries(fields.map((f) => [f, 1])) })
      .toArray();
  } finally {
    await client.close();
  }
}

function groupInto<T>(items: Iterable<T>, key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    if (!out.has(k)) out.set(k, []);
    out.get(k)!.push(item);
  }
  return out;
}

const pathOf = (uri: string) => (uri.startsWith('file://') ? fileURLToPath(uri) : uri);

/** A location's sessions, each with its asset: the top-level entry under the location that holds it. */
async function listLocation(location: string, o: CreateJobsOptions): Promise<Candidate[]> {
  const checked = checkLocation(location);
  if (!checked.ok) throw new Error(`${location}: ${checked.message}; ${checked.fix}`);
  const root = checked.location.kind === 's3' ? checked.normalized : resolve(checked.location.path);
  const refs = await resolveSessionFiles(root, { s3: o.s3?.client, anyName: true });
  return refs.map((ref) => {
    const path = pathOf(ref.uri);
    if (path === root) return { ref, asset: { location: root, name: locationBasename(root) } };
    const name = path.slice(root.length + 1).split('/')[0];
    return { ref, asset: { location: `${root}/${name}`, name } };
  });
}

/** Each record's sessions; a location that cannot be listed is skipped with the reason. */
async function listRecords(assets: readonly Asset[], o: CreateJobsOptions, notes: Notes, limit: ReturnType<typeof limiter>): Promise<Candidate[]> {
  const listed = await Promise.all(
    assets.map((asset) =>
      limit(async () => {
        try {
          return (await resolveSessionFiles(asset.location, { s3: o.s3?.client, anyName: true })).map((ref) => ({ ref, asset }));
        } catch (e) {
          if (!(e instanceof InputNotFoundError)) throw e;
          notes.skipped.push({ path: asset.location, reason: e.message.slice(e.location.length + 2) });
          return [];
        }
      }),
    ),
  );
  const seen = new Map<string, Asset>();
  const out: Candidate[] = [];
  for (const c of listed.flat()) {
    const first = seen.get(c.ref.uri);
    if (first) notes.excluded.push({ path: pathOf(c.ref.uri), reason: `also listed by record ${first.recordId}` });
    else {
      seen.set(c.ref.uri, c.asset);
      out.push(c);
    }
  }
  return out;
}

/** The first bytes of a file, local or on S3. */
async function head(path: string, size: number, s3: S3Client | undefined): Promise<Uint8Array> {
  const n = HDF5_SIGNATURE.length;
  if (size < n) return new Uint8Array(0);
  if (!path.startsWith('s3://')) {
    const handle = await open(path, 'r');
    try {
      const buf = new Uint8Array(n);
      await handle.read(buf, 0, n, 0);
      return buf;
    } finally {
      await handle.close();
    }
  }
  const [, bucket, key] = /^s3:\/\/([^/]+)\/(.*)$/.exec(path)!;
  const out = await s3!.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=0-${n - 1}` }));
  return (await out.Body?.transformToByteArray()) ?? new Uint8Array(0);
}

async function withNwb<T>(path: string, remote: RemoteResolver | undefined, read: (s: NwbSource) => Promise<T>): Promise<T> {
  const source = await openNwb(path, { remote });
  try {
    return await read(source);
  } finally {
    await source.close();
  }
}

async function requiredScalar(source: NwbSource, path: string): Promise<string> {
  if ((await source.kind(path)) !== 'dataset') throw missingField(source.label, path);
  return String(await source.readScalar(path));
}

const ANIMAL_RESPONSE = '/intervals/trials/animal_response';

/** Finished trials as the analysis counts them: animal_response 0 (left) or 1 (right), not 2 (ignored). */
async function finishedTrials(source: NwbSource): Promise<number> {
  const { column } = await source.readDataset(ANIMAL_RESPONSE);
  if (column.kind !== 'number') {
    throw new NwbError('unsupported', `animal_response holds ${column.kind} values, not numbers`, {
      file: source.label,
      field: ANIMAL_RESPONSE,
      hint: 'The trials table does not follow the dynamic-foraging layout',
    });
  }
  let n = 0;
  for (const v of column.values) if (v === 0 || v === 1) n++;
  return n;
}

/** The NwbError's message without the file name that starts it (the note already names the file). */
const reasonOf = (e: NwbError) => (e.message.startsWith(e.file) ? e.message.slice(e.file.length).replace(/^:?\s*/, '') : e.message);

type Inspection = { kind: 'session'; session: Found } | { kind: 'skipped'; reason: string } | { kind: 'ignored' };

async function inspect(c: Candidate, o: CreateJobsOptions, remote: RemoteResolver | undefined): Promise<Inspection> {
  const path = pathOf(c.ref.uri);
  const isZarr = c.ref.fingerprint.startsWith('zarr=');
  if (!isZarr && !isHdf5Signature(await head(path, c.ref.size, o.s3?.client))) {
    // Only a file named like a session is worth a word; sidecar files are simply not sessions.
    return path.endsWith('.nwb') ? { kind: 'skipped', reason: 'not an NWB session: neither an HDF5 file (no HDF5 signature) nor a Zarr folder' } : { kind: 'ignored' };
  }
  let meta: { format: NwbFormat; subjectId: string; startTime: string; sessionId: string };
  try {
    meta = await withNwb(path, remote, async (s) => ({
      format: s.format,
      subjectId: await requiredScalar(s, '/general/subject/subject_id'),
      startTime: await requiredScalar(s, '/session_start_time'),
      sessionId: await requiredScalar(s, '/general/session_id'),
    }));
  } catch (e) {
    if (e instanceof NwbError) return { kind: 'skipped', reason: reasonOf(e) };
    throw e; // S3 or disk trouble: not the file's fault, so not a skip
  }
  const skip = (reason: string): Inspection => ({ kind: 'skipped', reason });
  if (!/^\d{4}-\d{2}-\d{2}/.test(meta.startTime)) return skip(`session_start_time "${meta.startTime}" is not an ISO 8601 date`);
  if (!SUBJECT_ID_PATTERN.test(meta.subjectId)) return skip(`subject id "${meta.subjectId}" is not a plain token (letters, digits, ".", "_", "-")`);
  const named = subjectFromAssetName(c.asset.name);
  if (named !== undefined && named !== meta.subjectId) return skip(`asset ${c.asset.name} is named for subject ${named} but the file's subject is ${meta.subjectId}`);
  const recorded = c.asset.group?.[SUBJECT_FIELD];
  if (recorded !== undefined && recorded !== meta.subjectId) return skip(`record ${c.asset.recordId} says subject ${String(recorded)} but the file's subject is ${meta.subjectId}`);
  return {
    kind: 'session',
    session: {
      ...meta,
      location: path,
      date: meta.startTime.slice(0, 10),
      asset: c.asset,
      group: c.asset.group ?? { [SUBJECT_FIELD]: meta.subjectId },
    },
  };
}

const byStart = (a: Found, b: Found) => Date.parse(a.startTime) - Date.parse(b.startTime) || (a.location < b.location ? -1 : a.location > b.location ? 1 : 0);

/**
 * One session per day (the analysis's `ses_idx`: subject and date from the session id): the one
 * with more finished trials, ties to the first location, as the analysis itself chooses.
 */
async function settleSameDay(sessions: Found[], notes: Notes, remote: RemoteResolver | undefined, limit: ReturnType<typeof limiter>): Promise<Found[]> {
  const byDay = groupInto([...sessions].sort((a, b) => (a.location < b.location ? -1 : 1)), (s) => sessionIndex(s.sessionId).sesIdx);
  const kept: Found[] = [];
  for (const same of byDay.values()) {
    if (same.length === 1) {
      kept.push(same[0]);
      continue;
    }
    const readable: Found[] = [];
    await Promise.all(
      same.map((s) =>
        limit(async () => {
          try {
            s.finishedTrials = await withNwb(s.location, remote, finishedTrials);
          } catch (e) {
            if (!(e instanceof NwbError)) throw e;
            notes.skipped.push({ path: s.location, reason: reasonOf(e) });
          }
        }),
      ),
    );
    for (const s of same) if (s.finishedTrials !== undefined) readable.push(s);
    const best = readable.reduce<Found | undefined>((b, s) => (b === undefined || s.finishedTrials! > b.finishedTrials! ? s : b), undefined);
    if (best) kept.push(best);
    for (const s of readable) {
      if (s === best) continue;
      const why = s.finishedTrials! < best!.finishedTrials! ? 'more finished trials' : 'as many finished trials and comes first';
      notes.excluded.push({ path: s.location, reason: `same-day duplicate of ${best!.location}, which has ${why} (${best!.finishedTrials} vs ${s.finishedTrials})` });
    }
  }
  return kept;
}

const safeName = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '-');

function buildJob(sessions: Found[], group: Record<string, unknown>, query: string | undefined): AnalysisDispatchJobInput {
  const assets = [...new Map(sessions.map((s) => [s.asset.location, s.asset])).values()];
  const recordIds = assets.map((a) => a.recordId);
  return {
    s3_location: assets.map((a) => a.location),
    asset_name: assets.map((a) => a.name),
    ...(recordIds.every((id) => id !== undefined) ? { docdb_record_id: recordIds as string[] } : {}),
    file_location: sessions.map((s) => s.location),
    group_metadata: group,
    ...(query !== undefined ? { query } : {}),
  };
}

/** Finds the sessions of `source`, applies the options, and returns one job per mouse (or per session). */
export async function createJobs(source: JobSource, o: CreateJobsOptions = {}): Promise<CreateJobsResult> {
  const notes: Notes = { skipped: [], excluded: [], ignored: [] };
  const limit = limiter(o.concurrency ?? 8);
  const remote = o.s3 ? createS3Resolver({ client: o.s3.client, cacheDir: o.s3.cacheDir }) : undefined;
  let candidates: Candidate[];
  let query: string | undefined;
  if ('location' in source) candidates = await listLocation(source.location, o);
  else {
    const assets = assetsFromRecords(await queryRecords(source.metadata, o.subjects), source.metadata, notes);
    candidates = await listRecords(assets, o, notes, limit);
    query = JSON.stringify(source.metadata.filter);
  }

  const inspected = await Promise.all(candidates.map((c) => limit(() => inspect(c, o, remote))));
  const found: Found[] = [];
  inspected.forEach((r, i) => {
    const path = pathOf(candidates[i].ref.uri);
    if (r.kind === 'ignored') notes.ignored.push(path);
    else if (r.kind === 'skipped') notes.skipped.push({ path, reason: r.reason });
    else {
      const s = r.session;
      const exclude = (reason: string) => notes.excluded.push({ path, reason });
      if (o.subjects?.length && !o.subjects.includes(s.subjectId)) exclude(`subject ${s.subjectId} is not among the subjects asked for`);
      else if (o.excludeSubjects?.includes(s.subjectId)) exclude(`subject ${s.subjectId} is excluded`);
      else if (o.from && s.date < o.from) exclude(`session date ${s.date} is before ${o.from}`);
      else if (o.to && s.date > o.to) exclude(`session date ${s.date} is after ${o.to}`);
      else found.push(s);
    }
  });

  const groups = groupInto(found, (s) => JSON.stringify(Object.entries(s.group).sort(([a], [b]) => (a < b ? -1 : 1))));
  const drafts: { base: string; subjectId: string; sessions: Found[]; group: Record<string, unknown> }[] = [];
  for (const members of groups.values()) {
    const kept = ((o.sameDay ?? 'keep-more-finished') === 'keep-all' ? members : await settleSameDay(members, notes, remote, limit)).sort(byStart);
    const min = o.minSessions ?? 1;
    const group = members[0].group;
    const subjectId = String(group[SUBJECT_FIELD]);
    if (kept.length < min) {
      for (const s of kept) notes.excluded.push({ path: s.location, reason: `subject ${subjectId} has ${kept.length} sessions, fewer than the minimum ${min}` });
      continue;
    }
    const extra = Object.entries(group).filter(([k]) => k !== SUBJECT_FIELD).map(([, v]) => (typeof v === 'string' ? v : JSON.stringify(v)));
    const base = ['job', subjectId, ...extra].map(safeName).join('_');
    if (o.splitFiles) for (const s of kept) drafts.push({ base: `${base}_${safeName(basename(s.location).replace(/\.nwb$/, ''))}`, subjectId, sessions: [s], group });
    else drafts.push({ base, subjectId, sessions: kept, group });
  }

  // Names shared by several jobs (e.g. two same-day files of one name kept by keep-all) get a
  // digest of their files, so every name is unique and stays the same for the same data.
  const count = new Map<string, number>();
  for (const d of drafts) count.set(d.base, (count.get(d.base) ?? 0) + 1);
  const named = drafts.map((d) => {
    const digest = hash('sha256', d.sessions.map((s) => s.location).join('\n')).slice(0, 8);
    return { ...d, fileName: `${count.get(d.base)! > 1 ? `${d.base}_${digest}` : d.base}.json` };
  });
  named.sort((a, b) => (a.fileName < b.fileName ? -1 : 1));

  const jobs: CreatedJob[] = [];
  for (const d of named) {
    if (o.maxJobs !== undefined && jobs.length >= o.maxJobs) {
      for (const s of d.sessions) notes.excluded.push({ path: s.location, reason: `${d.fileName} is beyond the first ${o.maxJobs} jobs` });
      continue;
    }
    const job = buildJob(d.sessions, d.group, query);
    validateJob(job, d.fileName); // a failure here is a bug in this module, not bad data
    jobs.push({
      fileName: d.fileName,
      subjectId: d.subjectId,
      job,
      text: `${JSON.stringify(job, null, 2)}\n`,
      sessions: d.sessions.map(({ asset: _asset, group: _group, ...s }) => s),
    });
  }
  const byPath = (a: FileNote, b: FileNote) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
  return { jobs, skipped: notes.skipped.sort(byPath), excluded: notes.excluded.sort(byPath), ignored: notes.ignored.sort() };
}

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
