import { createHash } from 'node:crypto';
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
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
    await store.copy('a/x.txt', 'a/y.txt');
    await sleep(50); // past the file system's timestamp granularity, as any later edit is
    for (const key of ['a/x.txt', 'a/y.txt']) {
      await writeFile(join(store.root, key), 'other content'); // same size, same inode
      const sha = createHash('sha256').update('other content').digest('hex');
      expect((await store.head(key))?.sha256).toBe(sha);
    }
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
