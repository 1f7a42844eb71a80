// S3 sources against an in-memory S3 double that answers like S3 does (404 NoSuchKey/NotFound,
// paginated listings): Zarr read chunk by chunk with bounded concurrency, HDF5 through the
// download cache (reuse by ETag, LRU eviction), missing objects named by URI, and discovery of
// the sessions under a prefix.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';

import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { NwbError } from '../../../src/nwb/errors.js';
import { openNwb } from '../../../src/nwb/open.js';
import { createS3Resolver, type S3Sender } from '../../../src/nwb/s3.js';
import { readSession } from '../../../src/nwb/session.js';
import { createDfTrials } from '../../../src/nwb/tables.js';
import { HDF5_A, HDF5_B, tempDir, ZARR } from './fixtures.js';

class FakeS3 implements S3Sender {
  readonly objects = new Map<string, Buffer>();
  gets: string[] = [];
  /** Bytes a GET body loses at its end (a connection cut that ends the stream quietly). */
  cutBodies = 0;
  inFlight = 0;
  maxInFlight = 0;

  put(key: string, body: Buffer): void {
    this.objects.set(key, body);
  }

  putFolder(prefix: string, dir: string): void {
    for (const name of readdirSync(dir)) {
      const file = path.join(dir, name);
      if (statSync(file).isDirectory()) this.putFolder(`${prefix}/${name}`, file);
      else this.put(`${prefix}/${name}`, readFileSync(file));
    }
  }

  private notFound(name: string): Error {
    return Object.assign(new Error(name), { name, $metadata: { httpStatusCode: 404 } });
  }

  send = (async (command: unknown) => {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await new Promise((r) => setTimeout(r, 1)); // let requests overlap
      if (command instanceof GetObjectCommand) {
        const key = command.input.Key!;
        this.gets.push(key);
        const body = this.objects.get(key);
        if (body === undefined) throw this.notFound('NoSuchKey');
        const sent = body.subarray(0, body.length - this.cutBodies);
        const stream = Object.assign(Readable.from([sent]), {
          transformToByteArray: async () => new Uint8Array(sent),
        });
        return { Body: stream };
      }
      if (command instanceof HeadObjectCommand) {
        const body = this.objects.get(command.input.Key!);
        if (body === undefined) throw this.notFound('NotFound');
        return { ETag: `"${body.length}"`, ContentLength: body.length };
      }
      if (command instanceof ListObjectsV2Command) {
        const { Prefix = '', Delimiter, ContinuationToken } = command.input;
        const entries = new Set<string>();
        for (const key of [...this.objects.keys()].sort()) {
          if (!key.startsWith(Prefix)) continue;
          const cut = Delimiter === undefined ? -1 : key.indexOf(Delimiter, Prefix.length);
          entries.add(cut < 0 ? key : key.slice(0, cut + 1));
        }
        const all = [...entries];
        const start = ContinuationToken === undefined ? 0 : Number(ContinuationToken);
        const page = all.slice(start, start + 50);
        const more = start + 50 < all.length;
        return {
          Contents: page.filter((k) => !k.endsWith('/')).map((Key) => ({ Key })),
          CommonPrefixes: page.filter((k) => k.endsWith('/')).map((Prefix) => ({ Prefix })),
          IsTruncated: more,
          NextContinuationToken: more ? String(start + 50) : undefined,
        };
      }
      throw new Error(`unexpected command ${String(command)}`);
    } finally {
      this.inFlight--;
    }
  }) as S3Sender['send'];
}

describe('NWB sessions on S3', () => {
  let tmp: ReturnType<typeof tempDir>;
  let s3: FakeS3;
  beforeEach(() => {
    tmp = tempDir();
    s3 = new FakeS3();
    s3.put('raw/697062_2023-11-14_11-12-44.nwb', readFileSync(HDF5_A));
    s3.put('raw/697062_2023-11-15_10-02-05.nwb', readFileSync(HDF5_B));
    s3.putFolder('raw/behavior_717531_2024-08-07_09-01-02.nwb', ZARR);
  });
  afterEach(() => tmp.cleanup());

  it('reads a Zarr session chunk by chunk, never more than `concurrency` requests at once', async () => {
    const remote = createS3Resolver({ client: s3, cacheDir: tmp.dir, concurrency: 4 });
    const uri = 's3://lab/raw/behavior_717531_2024-08-07_09-01-02.nwb';
    const src = await openNwb(uri, { remote });
    expect(src.format).toBe('zarr');
    expect(src.label).toBe(uri);
    const remoteSession = await readSession(src);
    const local = await readSession(await openNwb(ZARR));
    expect(createDfTrials(remoteSession).table).toEqual(createDfTrials(local).table);
    expect(s3.maxInFlight).toBeLessThanOrEqual(4);
    expect(s3.gets.some((k) => k.includes('/acquisition/G_1/'))).toBe(false);
    expect(readdirSync(tmp.dir)).toEqual([]); // nothing downloaded for Zarr
  });

  it('downloads an HDF5 session once and reuses the cached copy', async () => {
    const remote = createS3Resolver({ client: s3, cacheDir: tmp.dir });
    const uri = 's3://lab/raw/697062_2023-11-14_11-12-44.nwb';
    for (let k = 0; k < 2; k++) {
      const src = await openNwb(uri, { remote });
      expect(src.format).toBe('hdf5');
      expect((await readSession(src)).trials.rowCount).toBe(342);
      await src.close();
    }
    expect(s3.gets.filter((k) => k === 'raw/697062_2023-11-14_11-12-44.nwb')).toHaveLength(1);
    expect(readdirSync(tmp.dir).filter((f) => f.endsWith('.nwb'))).toHaveLength(1);
  });

  it('evicts the least recently used download when the cache is over its cap', async () => {
    const remote = createS3Resolver({ client: s3, cacheDir: tmp.dir, maxCacheBytes: 4_000_000 });
    await (await openNwb('s3://lab/raw/697062_2023-11-14_11-12-44.nwb', { remote })).close();
    await (await openNwb('s3://lab/raw/697062_2023-11-15_10-02-05.nwb', { remote })).close();
    const kept = readdirSync(tmp.dir).filter((f) => f.endsWith('.nwb'));
    expect(kept).toHaveLength(1);
    expect(statSync(path.join(tmp.dir, kept[0])).size).toBe(readFileSync(HDF5_B).length);
  });

  it('a download that ends early is a retryable failure and leaves nothing in the cache', async () => {
    s3.cutBodies = 1000;
    const remote = createS3Resolver({ client: s3, cacheDir: tmp.dir });
    const err = await openNwb('s3://lab/raw/697062_2023-11-14_11-12-44.nwb', { remote }).catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(NwbError);
    expect((err as Error).message).toMatch(/stopped at \d+ of \d+ bytes/);
    expect(readdirSync(tmp.dir)).toEqual([]);
  });

  it('a missing object is not-found and names the URI', async () => {
    const remote = createS3Resolver({ client: s3, cacheDir: tmp.dir });
    const uri = 's3://lab/raw/nope.nwb';
    const err = await openNwb(uri, { remote }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NwbError);
    expect((err as NwbError).code).toBe('not-found');
    expect((err as NwbError).file).toBe(uri);
    expect((err as NwbError).message).toContain(uri);
  });

  it('an object that is not HDF5 is not-nwb', async () => {
    s3.put('raw/notes.nwb', Buffer.from('not an hdf5 file'));
    const remote = createS3Resolver({ client: s3, cacheDir: tmp.dir });
    const err = await openNwb('s3://lab/raw/notes.nwb', { remote }).catch((e: unknown) => e);
    expect((err as NwbError).code).toBe('not-nwb');
  });
});
