// Local session files and their fingerprints: the per-session cache is keyed by them, so a
// changed session must get a new one and an unchanged session the same one, however it is named.
import { mkdir, mkdtemp, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { resolveSessionFiles } from '../../../src/stores/inputs.js';

/** A small Zarr session: a root group, an array with nested chunk folders, and its attributes. */
async function zarrSession(dir: string): Promise<void> {
  await mkdir(join(dir, 'acquisition/G_1/data/0'), { recursive: true });
  await writeFile(join(dir, '.zgroup'), '{"zarr_format": 2}');
  await writeFile(join(dir, '.zattrs'), '{}');
  await writeFile(join(dir, 'acquisition/G_1/data/.zarray'), '{"chunks": [2]}');
  await writeFile(join(dir, 'acquisition/G_1/data/0/0'), 'abcd');
  await writeFile(join(dir, 'acquisition/G_1/data/0/1'), 'efgh');
}

const only = async (location: string) => {
  const refs = await resolveSessionFiles(location);
  expect(refs).toHaveLength(1);
  return refs[0];
};

describe('resolveSessionFiles on local folders', () => {
  it('a Zarr session is one ref: all its files in the size, the newest mtime, one fingerprint whatever the spelling', async () => {
    const root = await mkdtemp(join(tmpdir(), 'ga-inputs-'));
    const session = join(root, 'a.nwb');
    await zarrSession(session);
    const older = new Date('2025-02-01T00:00:00Z');
    for (const f of ['.zgroup', '.zattrs', 'acquisition/G_1/data/.zarray', 'acquisition/G_1/data/0/0']) await utimes(join(session, f), older, older);
    const newest = new Date('2025-03-01T10:00:00Z');
    await utimes(join(session, 'acquisition/G_1/data/0/1'), newest, newest);
    const ref = await only(session);
    expect(ref.uri).toBe(pathToFileURL(session).href);
    expect(ref.size).toBe(18 + 2 + 15 + 4 + 4);
    expect(ref.mtime).toBe(newest.toISOString());
    expect(ref.fingerprint).toMatch(/^zarr=[0-9a-f]{32}$/);
    for (const spelling of [`${session}/`, pathToFileURL(session).href]) expect(await only(spelling)).toEqual(ref);
  });

  it("a Zarr session's fingerprint changes with a chunk's bytes (same size, new mtime), a new file or a removed one", async () => {
    const session = join(await mkdtemp(join(tmpdir(), 'ga-inputs-')), 'b.nwb');
    await zarrSession(session);
    const old = new Date('2025-01-01T00:00:00Z');
    await utimes(join(session, 'acquisition/G_1/data/0/1'), old, old);
    const seen = new Set([(await only(session)).fingerprint]);
    expect((await only(session)).fingerprint).toBe([...seen][0]); // stable while nothing changes

    await writeFile(join(session, 'acquisition/G_1/data/0/1'), 'EFGH'); // rewritten in place, now
    seen.add((await only(session)).fingerprint);
    await writeFile(join(session, 'acquisition/G_1/data/0/2'), 'ijkl');
    seen.add((await only(session)).fingerprint);
    await writeFile(join(session, 'acquisition/G_1/data/.zattrs'), '{"unit": "a.u."}');
    seen.add((await only(session)).fingerprint);
    expect(seen.size).toBe(4);
  });

  it('an asset folder lists its *.nwb files and Zarr folders in name order, each with its own fingerprint', async () => {
    const asset = await mkdtemp(join(tmpdir(), 'ga-inputs-'));
    await zarrSession(join(asset, 'b.nwb'));
    await writeFile(join(asset, 'a.nwb'), 'HDF5 bytes');
    await writeFile(join(asset, 'notes.txt'), 'not a session');
    const refs = await resolveSessionFiles(asset);
    expect(refs.map((r) => r.uri)).toEqual([pathToFileURL(join(asset, 'a.nwb')).href, pathToFileURL(join(asset, 'b.nwb')).href]);
    expect(refs[0].fingerprint).toMatch(/^size=10;mtime=/);
    expect(refs[1].fingerprint).toMatch(/^zarr=/);
  });
});
