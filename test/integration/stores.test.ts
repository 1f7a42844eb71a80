// The same store contracts as the unit tests, against the real SeaweedFS S3 server and the real
// FerretDB (MongoDB wire protocol) server, plus the raw-protocol features we rely on.
import { randomBytes, randomUUID, createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { MongoClient, MongoServerError } from 'mongodb';
import { afterAll, describe, expect, it } from 'vitest';
import { MongoRecordStore } from '../../src/stores/mongo.js';
import { loadConfig } from '../../src/config.js';
import { s3ClientFor } from '../../src/stores/from-config.js';
import { parseS3Uri, S3ObjectStore } from '../../src/stores/s3.js';
import { objectStoreContract, recordStoreContract } from '../support/store-contracts.js';
import { requiredEnv } from '../support/servers.js';

const bucket = () => parseS3Uri(requiredEnv('ANALYSIS_BUCKET')).bucket;

const client = (await s3ClientFor(loadConfig()))!;

describe('S3ObjectStore on the real S3 server', () => {
  // A small page size makes the 23-key listing span three ListObjectsV2 pages.
  objectStoreContract(async () => new S3ObjectStore(client, { bucket: bucket(), prefix: `it-${randomUUID()}` }, { listPageSize: 10 }));

  it('uploads a 20 MiB file in parts and reads it back intact', async () => {
    const store = new S3ObjectStore(client, { bucket: bucket(), prefix: `it-${randomUUID()}` });
    const bytes = randomBytes(20 * 1024 * 1024);
    const path = join(await mkdtemp(join(tmpdir(), 'ga-s3-')), 'big.bin');
    await writeFile(path, bytes);
    const put = await store.putFile('big.bin', path);
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket(), Key: store.location.prefix + '/big.bin' }));
    // A multipart ETag is "<md5 of part md5s>-<part count>": 20 MiB in 8 MiB parts = 3 parts.
    expect(head.ETag).toMatch(/-3"$/);
    expect(put.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    const back = await store.get('big.bin');
    expect(createHash('sha256').update(back).digest('hex')).toBe(put.sha256);
  });

  it('creates the bucket idempotently and pages ListObjectsV2 with continuation tokens', async () => {
    await expect(client.send(new CreateBucketCommand({ Bucket: bucket() }))).rejects.toMatchObject({
      name: expect.stringMatching(/BucketAlreadyOwnedByYou|BucketAlreadyExists/),
    });
    const store = new S3ObjectStore(client, { bucket: bucket(), prefix: `it-${randomUUID()}` });
    await Promise.all(Array.from({ length: 5 }, (_, i) => store.put(`p/${i}`, String(i))));
    const first = await client.send(new ListObjectsV2Command({ Bucket: bucket(), Prefix: `${store.location.prefix}/p/`, MaxKeys: 2 }));
    expect(first.IsTruncated).toBe(true);
    expect(first.NextContinuationToken).toBeTruthy();
  });
});

describe('MongoRecordStore on the real MongoDB-wire server', () => {
  const stores: MongoRecordStore[] = [];
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
  });
  const make = async () => {
    const s = await MongoRecordStore.connect<never>(requiredEnv('MONGODB_URI'), 'ga_it', `records_${randomUUID().slice(0, 8)}`, ['subject_id', 'created']);
    stores.push(s);
    return s;
  };
  recordStoreContract(make as never);

  it('reports duplicate keys with code 11000 from a unique secondary index, and upserts', async () => {
    const client = await MongoClient.connect(requiredEnv('MONGODB_URI'), { serverSelectionTimeoutMS: 5000 });
    try {
      const coll = client.db('ga_it').collection(`raw_${randomUUID().slice(0, 8)}`);
      await coll.createIndex({ dedup_key: 1 }, { unique: true });
      await coll.insertOne({ dedup_key: 'k1', n: 1 });
      const err = await coll.insertOne({ dedup_key: 'k1', n: 2 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MongoServerError);
      expect((err as MongoServerError).code).toBe(11000);
      const up = await coll.updateOne({ dedup_key: 'k2' }, { $set: { n: 3 } }, { upsert: true });
      expect(up.upsertedCount).toBe(1);
      expect(await coll.countDocuments({})).toBe(2);
    } finally {
      await client.close();
    }
  });
});

describe('the FerretDB server started by scripts/services.sh', () => {
  it('keeps its state file in the services state folder, not in the repository', () => {
    const root = join(import.meta.dirname, '..', '..');
    const state = process.env.GA_STATE_DIR ?? join(root, '.services');
    expect(existsSync(join(state, 'ferretdb', 'state.json'))).toBe(true);
    expect(existsSync(join(root, 'state.json'))).toBe(false);
  });
});
