import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { mkdtemp, readdir, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalObjectStore } from '../../../src/stores/local.js';
import { LocalRecordStore } from '../../../src/stores/local-records.js';
import { objectStoreContract, recordStoreContract } from '../../support/store-contracts.js';

const tmp = () => mkdtemp(join(tmpdir(), 'ga-store-'));

describe('LocalObjectStore', () => {
  objectStoreContract(async () => new LocalObjectStore(await tmp()));

  it('head reports the sha256 of the content now, after the file was rewritten in place', async () => {
    const store = new LocalObjectStore(await tmp());
    await store.put('a/x.txt', 'first content');
    await store.head('a/x.txt'); // the first content's sha256 is now remembered
    const file = join(store.root, 'a/x.txt');
    const before = await stat(file);
    await writeFile(file, 'other content'); // same size, same inode
    // A later edit's mtime, set rather than waited for (the file system's timestamps are coarse).
    await utimes(file, before.atime, new Date(before.mtimeMs + 1_000));
    const sha = createHash('sha256').update('other content').digest('hex');
    expect((await store.head('a/x.txt'))?.sha256).toBe(sha);
  });

  it('a copy is a read-only hard link of its source, and replacing either leaves the other as it was', async () => {
    const store = new LocalObjectStore(await tmp());
    const first = await store.put('cache/x.parquet', 'first content');
    await store.copy('cache/x.parquet', 'run/x.parquet');
    const [source, copy] = [statSync(join(store.root, 'cache/x.parquet')), statSync(join(store.root, 'run/x.parquet'))];
    expect(copy.ino).toBe(source.ino); // stored once
    expect(copy.nlink).toBe(2);
    for (const s of [source, copy]) expect(s.mode & 0o222).toBe(0); // nobody may rewrite it in place
    expect((await store.head('run/x.parquet'))?.sha256).toBe(first.sha256);
    await store.put('run/x.parquet', 'a new version');
    expect(new TextDecoder().decode(await store.get('cache/x.parquet'))).toBe('first content');
    expect(statSync(join(store.root, 'cache/x.parquet')).nlink).toBe(1);
  });

  it('leaves no temporary file behind when a put is refused', async () => {
    const store = new LocalObjectStore(await tmp());
    await store.put('a/x.txt', 'first');
    await expect(store.put('a/x.txt', 'second', { ifAbsent: true })).rejects.toThrow(/already exists/);
    // A part that is not bytes is refused before anything is written.
    await expect(store.put('a/z.txt', [new Uint8Array(3), 42 as unknown as Uint8Array])).rejects.toThrow();
    expect(await readdir(join(store.root, 'a'))).toEqual(['x.txt']);
    expect(new TextDecoder().decode(await store.get('a/x.txt'))).toBe('first');
  });
});
describe('LocalRecordStore', () => recordStoreContract(async () => new LocalRecordStore(await tmp())));
