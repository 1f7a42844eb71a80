/**
 * NWB sessions on S3: a Zarr session is read chunk by chunk straight from S3 (bounded
 * concurrency); an HDF5 session is downloaded once into a worker-local cache keyed by
 * bucket/key/ETag, with a size cap and least-recently-used eviction (h5wasm needs a file).
 */

import { hash, randomUUID } from 'node:crypto';
import { createWriteStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { AbsolutePath } from '@zarrita/storage';

import { limiter } from '../concurrency.js';
import { NwbError } from './errors.js';
import type { RemoteResolver, ResolvedRemote } from './open.js';
import type { ZarrStore } from './zarr.js';

/** The part of an S3 client used here (a real `S3Client`, or a test double). */
export type S3Sender = Pick<S3Client, 'send'>;

export interface S3ResolverOptions {
  readonly client: S3Sender;
  /** Worker-local folder for downloaded HDF5 sessions. */
  readonly cacheDir: string;
  /** Total size the cache may keep; least recently used files go first. Default 20 GiB. */
  readonly maxCacheBytes?: number;
  /** Parallel GETs per Zarr session. Default 16. */
  readonly concurrency?: number;
}

const GiB = 1024 ** 3;

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } } | undefined;
  return e?.$metadata?.httpStatusCode === 404 || e?.name === 'NoSuchKey' || e?.name === 'NotFound';
}

/** A Zarr store over the objects under `s3://bucket/prefix/`. Missing objects read as undefined. */
export class S3ZarrStore implements ZarrStore {
  constructor(
    private readonly client: S3Sender,
    private readonly bucket: string,
    private readonly prefix: string,
    private readonly limit: <T>(task: () => Promise<T>) => Promise<T>,
  ) {}

  get(key: AbsolutePath): Promise<Uint8Array | undefined> {
    return this.limit(async () => {
      try {
        const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: `${this.prefix}${key}` }));
        return await out.Body?.transformToByteArray();
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    });
  }

  async listDir(prefix: AbsolutePath): Promise<string[]> {
    const base = `${this.prefix}${prefix === '/' ? '/' : `${prefix}/`}`;
    const names: string[] = [];
    for await (const page of listPages(this.client, this.bucket, base, '/')) {
      for (const p of page.CommonPrefixes ?? []) names.push(p.Prefix!.slice(base.length, -1));
      for (const o of page.Contents ?? []) names.push(o.Key!.slice(base.length));
    }
    return names;
  }
}

async function* listPages(
  client: S3Sender,
  bucket: string,
  prefix: string,
  delimiter?: string,
): AsyncGenerator<ListObjectsV2CommandOutput> {
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, Delimiter: delimiter, ContinuationToken: token }),
    );
    yield page;
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
}

/** Resolves `s3://` NWB locations for `openNwb` (see `OpenOptions.remote`). */
export function createS3Resolver(options: S3ResolverOptions): RemoteResolver {
  const { client } = options;
  return async (location): Promise<ResolvedRemote> => {
    const { bucket, key, label } = location;
    const limit = limiter(options.concurrency ?? 16);
    const zarr = new S3ZarrStore(client, bucket, key, limit);
    if ((await zarr.get('/.zgroup')) !== undefined) return { format: 'zarr', store: zarr };
    let head;
    try {
      head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    } catch (err) {
      if (!isNotFound(err)) throw err;
      throw new NwbError('not-found', 'no such S3 object (nor a Zarr folder with .zgroup under it)', {
        file: label,
        hint: 'Check the bucket and key; an HDF5 session is one object, a Zarr session a prefix holding .zgroup',
        cause: err,
      });
    }
    const size = head.ContentLength ?? -1;
    return { format: 'hdf5', path: await cachedDownload(options, { bucket, key, etag: head.ETag ?? '', size }, label) };
  };
}

interface S3Object {
  readonly bucket: string;
  readonly key: string;
  readonly etag: string;
  /** Bytes per HEAD; -1 when the server did not say. */
  readonly size: number;
}

/** Downloads `s3://bucket/key` once per ETag; later calls reuse the file (and mark it used). */
async function cachedDownload(options: S3ResolverOptions, object: S3Object, label: string): Promise<string> {
  const { bucket, key, etag, size } = object;
  await fs.mkdir(options.cacheDir, { recursive: true });
  const id = hash('sha256', `${bucket}\0${key}\0${etag}`).slice(0, 32);
  const target = path.join(options.cacheDir, `${id}.nwb`);
  const now = new Date();
  try {
    await fs.utimes(target, now, now);
    return target;
  } catch {
    // Not cached yet.
  }
  // Each download writes its own part file and renames it into place, so concurrent workers
  // fetching the same session never see a half-written file.
  const part = `${target}.${randomUUID()}.part`;
  try {
    const out = await options.client.send(new GetObjectCommand({ Bucket: bucket, Key: key, IfMatch: etag || undefined }));
    if (out.Body === undefined) throw new Error(`empty body for ${label}`);
    const body = out.Body instanceof Readable ? out.Body : Readable.fromWeb(out.Body.transformToWebStream() as never);
    await pipeline(body, createWriteStream(part));
    // A connection cut mid-body can end the stream early without an error: a transfer problem,
    // so a plain (retryable) error, not an NwbError.
    const written = (await fs.stat(part)).size;
    if (size >= 0 && written !== size) throw new Error(`download of ${label} stopped at ${written} of ${size} bytes`);
    await fs.rename(part, target);
  } catch (err) {
    await fs.rm(part, { force: true });
    if (isNotFound(err)) {
      throw new NwbError('not-found', 'S3 object disappeared while downloading', {
        file: label,
        hint: 'The session was deleted or replaced; check the data asset',
        cause: err,
      });
    }
    throw err;
  }
  await evict(options.cacheDir, options.maxCacheBytes ?? 20 * GiB, target);
  return target;
}

/** Deletes least recently used cached sessions until the cache fits (never `keep`). */
async function evict(dir: string, maxBytes: number, keep: string): Promise<void> {
  const files = [];
  for (const name of await fs.readdir(dir)) {
    if (!name.endsWith('.nwb')) continue;
    const file = path.join(dir, name);
    const stat = await fs.stat(file).catch(() => undefined);
    if (stat !== undefined) files.push({ file, size: stat.size, used: stat.mtimeMs });
  }
  let total = files.reduce((a, f) => a + f.size, 0);
  files.sort((a, b) => a.used - b.used);
  for (const f of files) {
    if (total <= maxBytes) break;
    if (f.file === keep) continue;
    // An open HDF5 file stays readable after unlinking on POSIX systems.
    await fs.rm(f.file, { force: true });
    total -= f.size;
  }
}
