// Sessions found by content, not name: the files under a location or a record's asset are listed,
// each is recognised as HDF5 (its signature) or Zarr and opened for its subject, start time and
// session id only; of the trials table only `animal_response`, to settle a same-day duplicate.
// Files that cannot be used are reported with the reason and skipped.
import { open } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { limiter } from '../../concurrency.js';
import { NwbError } from '../../nwb/errors.js';
import { HDF5_SIGNATURE, isHdf5Signature, openNwb, type RemoteResolver } from '../../nwb/open.js';
import { missingField, type NwbFormat, type NwbSource } from '../../nwb/source.js';
import { sessionIndex } from '../../nwb/tables.js';
import { subjectFromAssetName, SUBJECT_ID_PATTERN } from '../../schemas/job.js';
import { checkLocation, locationBasename } from '../../schemas/locations.js';
import { InputNotFoundError, resolveSessionFiles } from '../../stores/inputs.js';
import type { SessionRef } from '../../workflows/analysis-types.js';
import { SUBJECT_FIELD, type Asset, type CreateJobsOptions, type JobSession, type Notes } from './model.js';

export interface Candidate {
  ref: SessionRef;
  asset: Asset;
}

export interface Found extends JobSession {
  asset: Asset;
  group: Record<string, unknown>;
}

export function groupInto<T>(items: Iterable<T>, key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    if (!out.has(k)) out.set(k, []);
    out.get(k)!.push(item);
  }
  return out;
}

export const pathOf = (uri: string) => (uri.startsWith('file://') ? fileURLToPath(uri) : uri);

/** A location's sessions, each with its asset: the top-level entry under the location that holds it. */
export async function listLocation(location: string, o: CreateJobsOptions): Promise<Candidate[]> {
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
export async function listRecords(assets: readonly Asset[], o: CreateJobsOptions, notes: Notes, limit: ReturnType<typeof limiter>): Promise<Candidate[]> {
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

export async function inspect(c: Candidate, o: CreateJobsOptions, remote: RemoteResolver | undefined): Promise<Inspection> {
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

export const byStart = (a: Found, b: Found) => Date.parse(a.startTime) - Date.parse(b.startTime) || (a.location < b.location ? -1 : a.location > b.location ? 1 : 0);

/**
 * One session per day (the analysis's `ses_idx`: subject and date from the session id): the one
 * with more finished trials, ties to the first location, as the analysis itself chooses.
 */
export async function settleSameDay(sessions: Found[], notes: Notes, remote: RemoteResolver | undefined, limit: ReturnType<typeof limiter>): Promise<Found[]> {
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
