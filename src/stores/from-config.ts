// Builds the stores the configuration names: S3 or a local folder for objects, MongoDB or a
// local folder for records. The S3 SDK and the MongoDB driver are loaded only when configured
// (each costs memory in every worker that uses local folders).
import type { S3Client } from '@aws-sdk/client-s3';
import type { Config } from '../config.js';
import { LocalObjectStore } from './local.js';
import { LocalRecordStore } from './local-records.js';
import type { ObjectStore } from './object-store.js';
import type { RecordStore, StoredRecord } from './record-store.js';

/** Fields the result queries filter and sort on. */
const RECORD_INDEXES = ['subject_id', 'status', 'analysis.name', 'analysis.tag', 'updated_at'];

/** One S3 client for every S3 use in the process (results, inputs, NWB chunks). */
export async function s3ClientFor(config: Config): Promise<S3Client | undefined> {
  const o = config.objectStore;
  if (o.kind !== 's3') return undefined;
  const { S3Client } = await import('@aws-sdk/client-s3');
  return new S3Client({
    region: o.region,
    forcePathStyle: o.forcePathStyle,
    ...(o.endpoint ? { endpoint: o.endpoint } : {}),
    ...(o.credentials ? { credentials: o.credentials } : {}),
    // Fail an attempt fast when S3 is down; Temporal's retry policy does the waiting.
    maxAttempts: 3,
  });
}

export async function objectStoreFor(config: Config, s3?: S3Client): Promise<ObjectStore> {
  const o = config.objectStore;
  if (o.kind === 'local') return new LocalObjectStore(o.root);
  const { S3ObjectStore } = await import('./s3.js');
  return new S3ObjectStore(s3 ?? (await s3ClientFor(config))!, { bucket: o.bucket, prefix: o.prefix });
}

export async function recordStoreFor<R extends StoredRecord>(config: Config): Promise<RecordStore<R>> {
  const r = config.recordStore;
  if (r.kind === 'local') return new LocalRecordStore<R>(r.root);
  const { MongoRecordStore } = await import('./mongo.js');
  return await MongoRecordStore.connect<R>(r.uri, r.db, r.collection, RECORD_INDEXES);
}
