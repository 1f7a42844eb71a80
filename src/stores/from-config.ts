// Builds the stores the configuration names: S3 or a local folder for objects, MongoDB or a
// local folder for records.
import { S3Client } from '@aws-sdk/client-s3';
import type { Config } from '../config.js';
import { LocalObjectStore } from './local.js';
import { LocalRecordStore } from './local-records.js';
import { MongoRecordStore } from './mongo.js';
import type { ObjectStore } from './object-store.js';
import type { RecordStore, StoredRecord } from './record-store.js';
import { S3ObjectStore } from './s3.js';

/** Fields the result queries filter and sort on. */
const RECORD_INDEXES = ['subject_id', 'status', 'analysis.name', 'analysis.tag', 'updated_at'];

/** One S3 client for every S3 use in the process (results, inputs, NWB chunks). */
export function s3ClientFor(config: Config): S3Client | undefined {
  const o = config.objectStore;
  if (o.kind !== 's3') return undefined;
  return new S3Client({
    region: o.region,
    forcePathStyle: o.forcePathStyle,
    ...(o.endpoint ? { endpoint: o.endpoint } : {}),
    ...(o.credentials ? { credentials: o.credentials } : {}),
    // Fail an attempt fast when S3 is down; Temporal's retry policy does the waiting.
    maxAttempts: 3,
  });
}

export function objectStoreFor(config: Config, s3?: S3Client): ObjectStore {
  const o = config.objectStore;
  if (o.kind === 'local') return new LocalObjectStore(o.root);
  return new S3ObjectStore(s3 ?? s3ClientFor(config)!, { bucket: o.bucket, prefix: o.prefix });
}

export async function recordStoreFor<R extends StoredRecord>(config: Config): Promise<RecordStore<R>> {
  const r = config.recordStore;
  if (r.kind === 'local') return new LocalRecordStore<R>(r.root);
  return await MongoRecordStore.connect<R>(r.uri, r.db, r.collection, RECORD_INDEXES);
}
