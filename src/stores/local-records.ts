import { link, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fieldValue, matchesQuery, type RecordQuery, type RecordStore, type StoredRecord } from './record-store.js';

/**
 * Records as one JSON file per key in a folder: the embedded default needs no database.
 * Atomic create-if-absent via link(); replace via rename(). Keys are hex hashes, safe as names.
 */
export class LocalRecordStore<R extends StoredRecord = StoredRecord> implements RecordStore<R> {
  readonly description: string;

  constructor(private readonly dir: string) {
    this.description = `local folder ${dir}`;
  }

  private file(id: string) {
    if (!/^[A-Za-z0-9_-]+$/.test(id)) throw new Error(`invalid record id ${JSON.stringify(id)}`);
    return join(this.dir, `${id}.json`);
  }

  private async writeTmp(record: R) {
    await mkdir(this.dir, { recursive: true });
    const tmp = join(this.dir, `.${record._id}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
    await writeFile(tmp, JSON.stringify(record, null, 2));
    return tmp;
  }

  async get(id: string): Promise<R | undefined> {
    try {
      return JSON.parse(await readFile(this.file(id), 'utf8')) as R;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  async getMany(ids: readonly string[]): Promise<R[]> {
    const found = await Promise.all(ids.map((id) => this.get(id)));
    return found.filter((r): r is Awaited<R> => r !== undefined);
  }

  async insertIfAbsent(record: R): Promise<'inserted' | 'exists'> {
    const tmp = await this.writeTmp(record);
    try {
      await link(tmp, this.file(record._id));
      return 'inserted';
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return 'exists';
      throw e;
    } finally {
      await rm(tmp, { force: true });
    }
  }

  async upsert(record: R): Promise<void> {
    await rename(await this.writeTmp(record), this.file(record._id));
  }

  async replaceIf(record: R, field: string, expected: string): Promise<boolean> {
    // Single-process embedded mode: read-compare-rename is sufficient here.
    const current = await this.get(record._id);
    if (!current || fieldValue(current, field) !== expected) return false;
    await this.upsert(record);
    return true;
  }

  async find(q: RecordQuery = {}): Promise<R[]> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const all: R[] = [];
    for (const n of names) {
      if (!n.endsWith('.json') || n.startsWith('.')) continue;
      const rec = await this.get(n.slice(0, -'.json'.length));
      if (rec && matchesQuery(rec, q)) all.push(rec);
    }
    if (q.sortBy) {
      const k = q.sortBy;
      const dir = q.descending ? -1 : 1;
      all.sort((a, b) => {
        const x = String(fieldValue(a, k) ?? '');
        const y = String(fieldValue(b, k) ?? '');
        return x < y ? -dir : x > y ? dir : a._id < b._id ? -1 : 1;
      });
    }
    return q.limit ? all.slice(0, q.limit) : all;
  }

  async count(q: RecordQuery = {}): Promise<number> {
    return (await this.find(q)).length;
  }

  async close(): Promise<void> {}
}
