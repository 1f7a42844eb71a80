// Resolves a job's input locations to session files, as the lab's dispatcher does: an asset
// location (folder / S3 prefix) is listed for `*.nwb` (HDF5 files and Zarr folders); an explicit
// file location is taken as is. Each session gets a cheap content fingerprint (sizes + ETags or
// mtimes), used for the record's inputs and the per-session cache key. No file content is read:
// with `anyName`, every file and Zarr folder is listed and the caller judges the content.
import { hash } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SessionRef } from '../workflows/analysis-types.js';

export class InputNotFoundError extends Error {
  override name = 'InputNotFoundError';
  constructor(
    readonly location: string,
    detail: string,
  ) {
    super(`${location}: ${detail}`);
  }
}

export interface InputResolverOptions {
  s3?: S3Client;
  /** Local inputs must lie under one of these folders (no reading elsewhere on the worker). */
  localRoots?: string[];
  /** S3 inputs must be in one of these buckets (empty/undefined = any). */
  allowedBuckets?: string[];
  /** List every file and every Zarr root whatever its name, not only `*.nwb` (job creation). */
  anyName?: boolean;
}

const digest = (lines: string[]) => hash('sha256', lines.join('\n')).slice(0, 32);

export async function resolveSessionFiles(location: string, o: InputResolverOptions = {}): Promise<SessionRef[]> {
  if (location.startsWith('s3://')) return await resolveS3(location, o);
  return await resolveLocal(location.startsWith('file://') ? fileURLToPath(location) : location, location, o);
}

function checkLocalRoot(path: string, label: string, roots?: string[]) {
  if (!roots?.length) return;
  const abs = resolve(path);
  if (!roots.some((r) => abs === resolve(r) || abs.startsWith(resolve(r) + sep))) {
    throw new InputNotFoundError(label, `outside the allowed data folders (${roots.join(', ')}); set GA_DATA_ROOT to include it`);
  }
}

async function resolveLocal(path: string, label: string, o: InputResolverOptions): Promise<SessionRef[]> {
  checkLocalRoot(path, label, o.localRoots);
  const s = await stat(path).catch(() => undefined);
  if (!s) throw new InputNotFoundError(label, 'no such file or folder');
  if (s.isFile()) {
    const mtime = s.mtime.toISOString();
    return [{ uri: pathToFileURL(resolve(path)).href, size: s.size, mtime, fingerprint: `size=${s.size};mtime=${s.mtimeMs}` }];
  }
  if (await isZarrRoot(path)) return [localZarrRef(path)];
  const out: SessionRef[] = [];
  for (const entry of (await readdir(path, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const child = join(path, entry.name);
    if (entry.isFile() && (o.anyName || entry.name.endsWith('.nwb'))) out.push(...(await resolveLocal(child, child, o)));
    else if (entry.isDirectory()) out.push(...(await resolveLocal(child, child, o)));
  }
  return out;
}

async function isZarrRoot(dir: string) {
  return (await stat(join(dir, '.zgroup')).catch(() => undefined))?.isFile() ?? false;
}

function localZarrRef(location: string): SessionRef {
  // Thousands of chunk files per session, listed and stat'ed synchronously: through the thread
  // pool each directory and file was a round trip. The walk builds each file's path and its path
  // relative to the root as it goes, cheaper than Node's recursive listing then path.join per file.
  const dir = resolve(location);
  const files: { path: string; rel: string }[] = [];
  const walk = (folder: string, rel: string) => {
    for (const d of readdirSync(folder, { withFileTypes: true })) {
      if (d.isDirectory()) walk(`${folder}/${d.name}`, `${rel}${d.name}/`);
      else if (d.isFile()) files.push({ path: `${folder}/${d.name}`, rel: `${rel}${d.name}` });
    }
  };
  walk(dir, '');
  const lines: string[] = [];
  let size = 0;
  let newest = 0;
  for (const f of files) {
    const st = statSync(f.path);
    size += st.size;
    newest = Math.max(newest, st.mtimeMs);
    lines.push(`${f.rel}\t${st.size}\t${st.mtimeMs}`);
  }
  lines.sort();
  return { uri: pathToFileURL(dir).href, size, mtime: new Date(newest).toISOString(), fingerprint: `zarr=${digest(lines)}` };
}

function parseS3(uri: string) {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!m) throw new InputNotFoundError(uri, 'not an s3://bucket/key URI');
  // S3-compatible servers refuse (400) or resolve such keys; either way never retry or follow them.
  if (m[2].split('/').some((p) => p === '..' || p === '.')) throw new InputNotFoundError(uri, 'the key has a "." or ".." segment');
  return { bucket: m[1], key: m[2].replace(/\/+$/, '') };
}

async function resolveS3(uri: string, o: InputResolverOptions): Promise<SessionRef[]> {
  if (!o.s3) throw new InputNotFoundError(uri, 'S3 inputs need S3 configured (ANALYSIS_BUCKET / S3_ENDPOINT)');
  const { bucket, key } = parseS3(uri);
  if (o.allowedBuckets?.length && !o.allowedBuckets.includes(bucket)) {
    throw new InputNotFoundError(uri, `bucket ${bucket} is not an allowed input bucket (${o.allowedBuckets.join(', ')}); set GA_INPUT_BUCKETS`);
  }
  // Loaded here, not at start-up: a worker on local stores never pays for the SDK's memory.
  const { HeadObjectCommand, ListObjectsV2Command, S3ServiceException } = await import('@aws-sdk/client-s3');
  // An exact object is one HDF5 session; `*.nwb` keys are tried first, as they usually are one.
  const exact = async (): Promise<SessionRef[]> => {
    try {
      const h = await o.s3!.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return [{ uri: `s3://${bucket}/${key}`, size: h.ContentLength ?? 0, etag: h.ETag, fingerprint: `size=${h.ContentLength};etag=${h.ETag}` }];
    } catch (e) {
      if (!(e instanceof S3ServiceException && e.$metadata.httpStatusCode === 404)) throw e;
      return []; // not an object: maybe a Zarr folder or an asset prefix
    }
  };
  if (key.endsWith('.nwb')) {
    const refs = await exact();
    if (refs.length) return refs;
  }
  const prefix = key ? `${key}/` : '';
  const objects: { key: string; size: number; etag: string }[] = [];
  let ContinuationToken: string | undefined;
  do {
    const page = await o.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken }));
    for (const c of page.Contents ?? []) objects.push({ key: c.Key!, size: c.Size ?? 0, etag: c.ETag ?? '' });
    ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (ContinuationToken);
  if (objects.length === 0) {
    // An HDF5 session named otherwise than `*.nwb` (found by job creation's content check).
    const refs = key && !key.endsWith('.nwb') ? await exact() : [];
    if (refs.length) return refs;
    throw new InputNotFoundError(uri, 'no objects under this S3 location');
  }

  // Zarr roots are folders holding a `.zgroup`; the location itself may be one. Each object goes
  // to its topmost root in one pass (a path walk, not a scan of every root: buckets are large).
  const zarrRoots = new Set(
    objects.filter((x) => x.key.endsWith('/.zgroup')).map((x) => x.key.slice(0, -'/.zgroup'.length)).filter((r) => r === key || o.anyName || r.endsWith('.nwb')),
  );
  const topRoot = (k: string) => {
    for (let i = k.indexOf('/'); i > 0; i = k.indexOf('/', i + 1)) if (zarrRoots.has(k.slice(0, i))) return k.slice(0, i);
    return undefined;
  };
  const zarrObjects = new Map<string, typeof objects>();
  const refs: SessionRef[] = [];
  for (const x of objects) {
    const root = topRoot(x.key);
    if (root !== undefined) {
      if (!zarrObjects.has(root)) zarrObjects.set(root, []);
      zarrObjects.get(root)!.push(x);
    } else if (o.anyName || x.key.endsWith('.nwb')) {
      refs.push({ uri: `s3://${bucket}/${x.key}`, size: x.size, etag: x.etag, fingerprint: `size=${x.size};etag=${x.etag}` });
    }
  }
  for (const [root, inside] of zarrObjects) {
    const zarrDigest = digest(inside.map((x) => `${x.key.slice(root.length + 1)}\t${x.size}\t${x.etag}`).sort());
    refs.push({
      uri: `s3://${bucket}/${root}`,
      size: inside.reduce((a, x) => a + x.size, 0),
      etag: `zarr:${zarrDigest}`,
      fingerprint: `zarr=${zarrDigest}`,
    });
  }
  return refs.sort((a, b) => (a.uri < b.uri ? -1 : 1));
}

/** Files named as analysis resources are small (parameters, lookup tables); refuse huge ones. */
const MAX_RESOURCE_BYTES = 64 * 1024 * 1024;

/** Reads one small input file (local path, file:// or s3://) under the same containment rules. */
export async function readInputFile(location: string, o: InputResolverOptions = {}): Promise<Uint8Array> {
  if (location.startsWith('s3://')) {
    if (!o.s3) throw new InputNotFoundError(location, 'S3 inputs need S3 configured (ANALYSIS_BUCKET / S3_ENDPOINT)');
    const { bucket, key } = parseS3(location);
    if (o.allowedBuckets?.length && !o.allowedBuckets.includes(bucket)) {
      throw new InputNotFoundError(location, `bucket ${bucket} is not an allowed input bucket (${o.allowedBuckets.join(', ')}); set GA_INPUT_BUCKETS`);
    }
    const { GetObjectCommand, S3ServiceException } = await import('@aws-sdk/client-s3');
    try {
      const out = await o.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      if ((out.ContentLength ?? 0) > MAX_RESOURCE_BYTES) throw new InputNotFoundError(location, `larger than ${MAX_RESOURCE_BYTES} bytes`);
      return await out.Body!.transformToByteArray();
    } catch (e) {
      if (e instanceof S3ServiceException && e.$metadata.httpStatusCode === 404) throw new InputNotFoundError(location, 'no such S3 object');
      throw e;
    }
  }
  const path = location.startsWith('file://') ? fileURLToPath(location) : location;
  checkLocalRoot(path, location, o.localRoots);
  const s = await stat(path).catch(() => undefined);
  if (!s?.isFile()) throw new InputNotFoundError(location, 'no such file');
  if (s.size > MAX_RESOURCE_BYTES) throw new InputNotFoundError(location, `larger than ${MAX_RESOURCE_BYTES} bytes`);
  return new Uint8Array(await readFile(path));
}
