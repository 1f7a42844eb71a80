// Where the file system refuses hard links (EPERM on some network mounts, EXDEV, EMLINK), the
// local store's copy falls back to copying the bytes.
import { statSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  return {
    ...fs,
    linkSync: () => {
      throw Object.assign(new Error('EPERM: operation not permitted, link'), { code: 'EPERM' });
    },
  };
});

const { LocalObjectStore } = await import('../../../src/stores/local.js');

describe('LocalObjectStore on a file system without hard links', () => {
  it('copies the bytes: another file, same content and sha256, the source left as it was', async () => {
    const store = new LocalObjectStore(await mkdtemp(join(tmpdir(), 'ga-store-')));
    const put = await store.put('cache/x.parquet', 'some content');
    await store.copy('cache/x.parquet', 'run/x.parquet');
    const [source, copy] = [statSync(join(store.root, 'cache/x.parquet')), statSync(join(store.root, 'run/x.parquet'))];
    expect(copy.ino).not.toBe(source.ino);
    expect(source.nlink).toBe(1);
    expect(new TextDecoder().decode(await store.get('run/x.parquet'))).toBe('some content');
    expect((await store.head('run/x.parquet'))?.sha256).toBe(put.sha256);
    await expect(store.copy('cache/missing', 'run/missing')).rejects.toThrow(/not found|no such/i);
  });
});
