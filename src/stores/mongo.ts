import { MongoClient, MongoServerError, type Collection, type Filter } from 'mongodb';
import type { RecordQuery, RecordStore, StoredRecord } from './record-store.js';

const DUPLICATE_KEY = 11000;

/** Removes the password from a MongoDB URI so it can appear in messages and logs. */
export function redactMongoUri(uri: string): string {
  return uri.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}

function toFilter(q: RecordQuery = {}): Filter<StoredRecord> {
  const f: Record<string, unknown> = { ...(q.equals ?? {}) };
  if (q.range) {
    const r: Record<string, string> = {};
    if (q.range.from !== undefined) r.$gte = q.range.from;
    if (q.range.to !== undefined) r.$lte = q.range.to;
    f[q.range.field] = r;
  }
  return f as Filter<StoredRecord>;
}

export class MongoRecordStore<R extends StoredRecord = StoredRecord> implements RecordStore<R> {
  readonly description: string;

  private constructor(
    private readonly client: MongoClient,
    private readonly coll: Collection<StoredRecord>,
    uri: string,
  ) {
    this.description = `${redactMongoUri(uri)} ${coll.dbName}.${coll.collectionName}`;
  }

  static async connect<R extends StoredRecord>(
    uri: string,
    db: string,
    collection: string,
    indexedFields: string[] = [],
  ): Promise<MongoRecordStore<R>> {
    // Short server selection: an unreachable store should fail the activity fast and let
    // Temporal's retry policy (with backoff) decide, not hang inside one attempt.
    const client = new MongoClient(uri, { serverSelectionTimeoutMS: 5_000, retryWrites: false });
    await client.connect();
    const coll = client.db(db).collection<StoredRecord>(collection);
    for (const field of indexedFields) await coll.createIndex({ [field]: 1 });
    return new MongoRecordStore<R>(client, coll, uri);
  }

  async get(id: string): Promise<R | undefined> {
    return ((await this.coll.findOne({ _id: id })) as R | null) ?? undefined;
  }

  async getMany(ids: readonly string[], fields?: readonly string[]): Promise<R[]> {
    const out: R[] = [];
    const projection = fields ? Object.fromEntries(fields.map((f) => [f, 1])) : undefined;
    // 10,000 ids (~0.7 MB) per query stays far below the 16 MB BSON limit, and few queries matter:
    // FerretDB scans the collection once per query.
    for (let i = 0; i < ids.length; i += 10_000) {
      const cursor = this.coll.find({ _id: { $in: ids.slice(i, i + 10_000) as string[] } }, projection ? { projection } : {});
      out.push(...((await cursor.toArray()) as R[]));
    }
    return out;
  }

  async insertIfAbsent(record: R): Promise<'inserted' | 'exists'> {
    try {
      await this.coll.insertOne(record);
      return 'inserted';
    } catch (e) {
      if (e instanceof MongoServerError && e.code === DUPLICATE_KEY) return 'exists';
      throw e;
    }
  }

  async upsert(record: R): Promise<void> {
    await this.coll.replaceOne({ _id: record._id }, record, { upsert: true });
  }

  async replaceIf(record: R, field: string, expected: string): Promise<boolean> {
    const res = await this.coll.replaceOne({ _id: record._id, [field]: expected } as Filter<StoredRecord>, record);
    return res.matchedCount === 1;
  }

  async find(q: RecordQuery = {}): Promise<R[]> {
    let cursor = this.coll.find(toFilter(q));
    if (q.sortBy) cursor = cursor.sort({ [q.sortBy]: q.descending ? -1 : 1, _id: 1 });
    if (q.limit) cursor = cursor.limit(q.limit);
    return (await cursor.toArray()) as R[];
  }

  async count(q: RecordQuery = {}): Promise<number> {
    return await this.coll.countDocuments(toFilter(q));
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
