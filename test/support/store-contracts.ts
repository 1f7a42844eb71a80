// One behavioural contract for every backend: the local-folder stores run it in unit tests, the
// S3 and MongoDB-wire stores run it against the real servers.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { ObjectExistsError, ObjectNotFoundError, type ObjectStore } from '../../src/stores/object-store.js';
import type { RecordStore, StoredRecord } from '../../src/stores/record-store.js';

export function objectStoreContract(make: () => Promise<ObjectStore>) {
  it('puts, heads, gets and deletes with a recorded sha256', async () => {
    const store = await make();
    const key = `contract/${randomUUID()}/a.json`;
    const put = await store.put(key, '{"x":1}', { contentType: 'application/json' });
    expect(put.size).toBe(7);
    expect(put.sha256).toBe('5041bf1f713df204784353e82f6a4a535931cb64f1f4b4a5aeaffcb720918b22');
    const head = await store.head(key);
    expect(head?.size).toBe(7);
    expect(head?.sha256).toBe(put.sha256);
    expect(new TextDecoder().decode(await store.get(key))).toBe('{"x":1}');
    await store.delete(key);
    expect(await store.head(key)).toBeUndefined();
    await expect(store.get(key)).rejects.toBeInstanceOf(ObjectNotFoundError);
  });

  it('stores a body given in parts as their concatenation, with its size and sha256', async () => {
    const store = await make();
    const key = `contract/${randomUUID()}/parts.bin`;
    // Over 8 MiB in all, S3ObjectStore's part size: the parts are streamed into a multipart upload.
    const parts = [randomBytes(5 * 2 ** 20), new Uint8Array(0), randomBytes(4 * 2 ** 20 + 3), Uint8Array.of(7)];
    const whole = Buffer.concat(parts);
    const put = await store.put(key, parts, { contentType: 'application/octet-stream' });
    expect(put.size).toBe(whole.length);
    expect(put.sha256).toBe(createHash('sha256').update(whole).digest('hex'));
    expect((await store.head(key))?.sha256).toBe(put.sha256);
    expect(Buffer.from(await store.get(key)).equals(whole)).toBe(true);
    // One part (a small Parquet table) is stored as those bytes.
    const one = randomBytes(1000);
    const single = await store.put(`${key}.one`, [one]);
    expect(single.size).toBe(one.length);
    expect(single.sha256).toBe(createHash('sha256').update(one).digest('hex'));
    expect(Buffer.from(await store.get(`${key}.one`)).equals(one)).toBe(true);
  });

  it('copies within the store, keeping the content and its sha256; a missing source is ObjectNotFoundError', async () => {
    const store = await make();
    const dir = `contract/${randomUUID()}`;
    const body = Uint8Array.from({ length: 70_000 }, (_, i) => (i * 31) % 251);
    const put = await store.put(`${dir}/source file.bin`, body);
    await store.put(`${dir}/copy.bin`, 'to be replaced');
    await store.copy(`${dir}/source file.bin`, `${dir}/copy.bin`);
    expect(Buffer.from(await store.get(`${dir}/copy.bin`)).equals(Buffer.from(body))).toBe(true);
    const head = await store.head(`${dir}/copy.bin`);
    expect([head?.size, head?.sha256]).toEqual([body.length, put.sha256]);
    await expect(store.copy(`${dir}/absent.bin`, `${dir}/x.bin`)).rejects.toBeInstanceOf(ObjectNotFoundError);
    expect(await store.head(`${dir}/x.bin`)).toBeUndefined();
  });

  it('refuses to overwrite with ifAbsent and overwrites without it', async () => {
    const store = await make();
    const key = `contract/${randomUUID()}/once.txt`;
    await store.put(key, 'first', { ifAbsent: true });
    await expect(store.put(key, 'second', { ifAbsent: true })).rejects.toBeInstanceOf(ObjectExistsError);
    expect(new TextDecoder().decode(await store.get(key))).toBe('first');
    await store.put(key, 'third');
    expect(new TextDecoder().decode(await store.get(key))).toBe('third');
  });

  it('lists every key under a prefix in key order, across pages', async () => {
    const store = await make();
    const prefix = `contract/${randomUUID()}/`;
    const keys = Array.from({ length: 23 }, (_, i) => `${prefix}k${String(i).padStart(2, '0')}`);
    await Promise.all(keys.map((k) => store.put(k, k)));
    await store.put(`${prefix.slice(0, -1)}-sibling/x`, 'not under the prefix');
    const listed: string[] = [];
    for await (const o of store.list(prefix)) listed.push(o.key);
    expect(listed).toEqual(keys);
  });

  it('rejects keys that would escape the root', async () => {
    const store = await make();
    for (const bad of ['../x', 'a/../../x', '/abs', 'a/./b', '']) {
      await expect(store.put(bad, 'x')).rejects.toThrow(/invalid object key/);
    }
  });
}

interface TestRecord extends StoredRecord {
  status: string;
  subject_id: string;
  created: string;
  n: number;
}

export function recordStoreContract(make: () => Promise<RecordStore<TestRecord>>) {
  const rec = (id: string, over: Partial<TestRecord> = {}): TestRecord => ({
    _id: id,
    status: 'running',
    subject_id: '697062',
    created: '2026-01-01T00:00:00Z',
    n: 1,
    ...over,
  });

  it('inserts once: a second insert of the same key reports exists and keeps the first', async () => {
    const store = await make();
    const id = randomUUID().replace(/-/g, '');
    expect(await store.insertIfAbsent(rec(id))).toBe('inserted');
    expect(await store.insertIfAbsent(rec(id, { n: 2 }))).toBe('exists');
    expect((await store.get(id))?.n).toBe(1);
  });

  it('concurrent inserts of one key: exactly one wins', async () => {
    const store = await make();
    const id = randomUUID().replace(/-/g, '');
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => store.insertIfAbsent(rec(id, { n: i }))));
    expect(results.filter((r) => r === 'inserted')).toHaveLength(1);
  });

  it('upserts and replaces conditionally on a field', async () => {
    const store = await make();
    const id = randomUUID().replace(/-/g, '');
    await store.upsert(rec(id));
    await store.upsert(rec(id, { n: 5 }));
    expect((await store.get(id))?.n).toBe(5);
    expect(await store.replaceIf(rec(id, { status: 'completed' }), 'status', 'running')).toBe(true);
    expect(await store.replaceIf(rec(id, { status: 'failed' }), 'status', 'running')).toBe(false);
    expect((await store.get(id))?.status).toBe('completed');
    expect(await store.get('nonexistent0000')).toBeUndefined();
    expect((await store.getMany([id, 'nonexistent0000'])).map((r) => r._id)).toEqual([id]);
  });

  it('finds by equality and date range, sorted and limited', async () => {
    const store = await make();
    const subject = `s${randomUUID().slice(0, 8)}`;
    const days = ['2026-01-03', '2026-01-01', '2026-01-02', '2026-01-05'];
    for (const [i, d] of days.entries()) {
      await store.upsert(rec(`${subject}${i}`, { subject_id: subject, created: `${d}T00:00:00Z`, status: i === 3 ? 'failed' : 'completed' }));
    }
    const found = await store.find({
      equals: { subject_id: subject, status: 'completed' },
      range: { field: 'created', from: '2026-01-02T00:00:00Z', to: '2026-01-04T00:00:00Z' },
      sortBy: 'created',
    });
    expect(found.map((r) => r.created.slice(0, 10))).toEqual(['2026-01-02', '2026-01-03']);
    expect(await store.count({ equals: { subject_id: subject } })).toBe(4);
    const newest = await store.find({ equals: { subject_id: subject }, sortBy: 'created', descending: true, limit: 1 });
    expect(newest[0].created.startsWith('2026-01-05')).toBe(true);
  });
}
