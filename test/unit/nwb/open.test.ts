import { readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import h5wasm from 'h5wasm/node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { NwbError } from '../../../src/nwb/errors.js';
import { openNwb } from '../../../src/nwb/open.js';
import { readSession } from '../../../src/nwb/session.js';
import { copyFixture, HDF5_A, tempDir, ZARR } from './fixtures.js';

/** Runs `fn` and returns the NwbError it throws (fails the test if it throws anything else). */
async function nwbError(fn: () => Promise<unknown>): Promise<NwbError> {
  try {
    await fn();
  } catch (err) {
    expect(err).toBeInstanceOf(NwbError);
    return err as NwbError;
  }
  throw new Error('expected an NwbError, nothing was thrown');
}

/** Edits a Zarr copy's consolidated metadata (and drops the named arrays from disk too). */
function dropZarrNodes(root: string, nodes: string[], colnamesEdit?: (c: string[]) => string[]): void {
  const file = path.join(root, '.zmetadata');
  const meta = JSON.parse(readFileSync(file, 'utf8')) as { metadata: Record<string, unknown> };
  for (const key of Object.keys(meta.metadata)) {
    if (nodes.some((n) => key.startsWith(`${n}/`))) delete meta.metadata[key];
  }
  if (colnamesEdit) {
    const attrs = meta.metadata['intervals/trials/.zattrs'] as { colnames: string[] };
    attrs.colnames = colnamesEdit(attrs.colnames);
    writeFileSync(path.join(root, 'intervals/trials/.zattrs'), JSON.stringify(attrs));
  }
  writeFileSync(file, JSON.stringify(meta));
  for (const n of nodes) rmSync(path.join(root, n), { recursive: true, force: true });
}

describe('openNwb: format detection', () => {
  it('opens the HDF5 fixture as hdf5, from a path and from a file:// URI', async () => {
    for (const uri of [HDF5_A, pathToFileURL(HDF5_A).href]) {
      const src = await openNwb(uri);
      expect(src.format).toBe('hdf5');
      expect(src.label).toBe(uri);
      expect(await src.readScalar('/general/session_id')).toBe('697062_2023-11-14_11-12-44.json');
      await src.close();
    }
  });

  it('opens the Zarr fixture folder as zarr', async () => {
    const src = await openNwb(ZARR);
    expect(src.format).toBe('zarr');
    expect(await src.readScalar('/general/session_id')).toBe('behavior_717531_2024-08-07_09-01-02');
    // Stored with hdmf-zarr's vlen-bytes codec.
    expect(await src.readScalar('/session_start_time')).toBe('2024-08-07T09:01:02-07:00');
    expect(await src.listGroup('/scratch')).toEqual(['metadata']);
    await src.close();
  });
});

describe('openNwb: typed errors', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir();
  });
  afterEach(() => tmp.cleanup());

  it('a missing path is not-found and names the path', async () => {
    const missing = path.join(tmp.dir, 'nope.nwb');
    const err = await nwbError(() => openNwb(missing));
    expect(err.code).toBe('not-found');
    expect(err.file).toBe(missing);
    expect(err.message).toContain(missing);
    expect(err.retryable).toBe(false);
    expect(err.hint.length).toBeGreaterThan(0);
  });

  it('a text file is not-nwb', async () => {
    const file = path.join(tmp.dir, 'notes.nwb');
    writeFileSync(file, 'just some text, no HDF5 here\n');
    const err = await nwbError(() => openNwb(file));
    expect(err.code).toBe('not-nwb');
    expect(err.message).toMatch(/bad signature/);
  });

  it('a folder without .zgroup is not-nwb', async () => {
    const err = await nwbError(() => openNwb(tmp.dir));
    expect(err.code).toBe('not-nwb');
    expect(err.message).toContain('.zgroup');
  });

  it('a truncated HDF5 copy is truncated, with the HDF5 reason', async () => {
    const copy = copyFixture(HDF5_A, tmp.dir);
    truncateSync(copy, 1_400_000);
    const err = await nwbError(() => openNwb(copy));
    expect(err.code).toBe('truncated');
    expect(err.file).toBe(copy);
    expect(err.message).toMatch(/truncated file/);
  });

  it('an HDF5 signature followed by garbage is corrupt', async () => {
    const copy = copyFixture(HDF5_A, tmp.dir);
    const bytes = readFileSync(copy);
    for (let i = 8; i < 4096; i++) bytes[i] = (i * 7919) & 0xff;
    writeFileSync(copy, bytes);
    const err = await nwbError(() => openNwb(copy));
    expect(['corrupt', 'truncated']).toContain(err.code);
    expect(err.file).toBe(copy);
  });

  it('an HDF5 file that is not NWB is not-nwb', async () => {
    await h5wasm.ready;
    const file = path.join(tmp.dir, 'plain.h5');
    const f = new h5wasm.File(file, 'w');
    f.create_dataset({ name: 'x', data: new Float64Array([1, 2, 3]) });
    f.close();
    const err = await nwbError(() => openNwb(file));
    expect(err.code).toBe('not-nwb');
    expect(err.field).toBe('/');
  });

  it('a Zarr copy with a missing chunk fails as truncated when that column is read', async () => {
    const copy = copyFixture(ZARR, tmp.dir, { photometry: false });
    rmSync(path.join(copy, 'intervals/trials/animal_response/0'));
    const src = await openNwb(copy);
    const err = await nwbError(() => readSession(src));
    expect(err.code).toBe('truncated');
    expect(err.field).toBe('/intervals/trials/animal_response/0');
  });

  it('a Zarr copy with a cut chunk file is truncated', async () => {
    const copy = copyFixture(ZARR, tmp.dir, { photometry: false });
    const chunk = path.join(copy, 'acquisition/left_lick_time/timestamps/0');
    truncateSync(chunk, 40);
    const src = await openNwb(copy);
    const err = await nwbError(() => src.readDataset('/acquisition/left_lick_time/timestamps'));
    expect(err.code).toBe('truncated');
    expect(err.field).toBe('/acquisition/left_lick_time/timestamps/0');
    expect(err.message).toMatch(/cut short \(40 bytes\)/);
  });

  it('a Zarr copy without consolidated metadata is read through folder listing', async () => {
    const copy = copyFixture(ZARR, tmp.dir, { photometry: false });
    rmSync(path.join(copy, '.zmetadata'));
    const src = await openNwb(copy);
    const session = await readSession(src);
    expect(session.trials.rowCount).toBe(725);
    expect(session.available.events).toContain('left_lick_time');
  });

  it('a trials table without a required column is missing-field, naming the column', async () => {
    const copy = copyFixture(ZARR, tmp.dir, { photometry: false });
    dropZarrNodes(copy, ['intervals/trials/response_duration'], (c) => c.filter((n) => n !== 'response_duration'));
    const err = await nwbError(async () => readSession(await openNwb(copy)));
    expect(err.code).toBe('missing-field');
    expect(err.field).toBe('/intervals/trials/response_duration');
    expect(err.message).toContain(copy);
  });

  it('a column listed in colnames but absent is missing-field', async () => {
    const copy = copyFixture(ZARR, tmp.dir, { photometry: false });
    dropZarrNodes(copy, ['intervals/trials/bait_left']);
    const err = await nwbError(async () => readSession(await openNwb(copy)));
    expect(err.code).toBe('missing-field');
    expect(err.field).toBe('/intervals/trials/bait_left');
  });

  it('a session without the lick series is missing-field', async () => {
    const copy = copyFixture(ZARR, tmp.dir, { photometry: false });
    dropZarrNodes(copy, ['acquisition/left_lick_time']);
    const err = await nwbError(async () => readSession(await openNwb(copy)));
    expect(err.code).toBe('missing-field');
    expect(err.field).toBe('/acquisition/left_lick_time');
  });

  it('a trials table of another task is wrong-task', async () => {
    const copy = copyFixture(ZARR, tmp.dir, { photometry: false });
    const signature = ['animal_response', 'rewarded_historyL', 'rewarded_historyR'];
    dropZarrNodes(
      copy,
      signature.map((c) => `intervals/trials/${c}`),
      (c) => c.filter((n) => !signature.includes(n)),
    );
    const err = await nwbError(async () => readSession(await openNwb(copy)));
    expect(err.code).toBe('wrong-task');
    expect(err.hint).toMatch(/another task/);
  });

  it('an NWB file without a trials table is wrong-task', async () => {
    const copy = copyFixture(ZARR, tmp.dir, { photometry: false });
    dropZarrNodes(copy, ['intervals/trials']);
    const err = await nwbError(async () => readSession(await openNwb(copy)));
    expect(err.code).toBe('wrong-task');
    expect(err.field).toBe('/intervals/trials');
  });

  it('s3:// needs a resolver, and unknown schemes are refused', async () => {
    const s3 = await nwbError(() => openNwb('s3://bucket/session.nwb'));
    expect(s3.code).toBe('unsupported');
    expect(s3.file).toBe('s3://bucket/session.nwb');
    const http = await nwbError(() => openNwb('https://example.org/session.nwb'));
    expect(http.code).toBe('unsupported');
  });
});

describe('hdmf-zarr conventions', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir();
  });
  afterEach(() => tmp.cleanup());

  /** Applies `edit` to one node's attributes, in .zattrs and in the consolidated metadata. */
  function editAttrs(root: string, node: string, edit: (attrs: Record<string, unknown>) => string): void {
    const file = path.join(root, '.zmetadata');
    const text = readFileSync(file, 'utf8');
    const meta = JSON.parse(text) as { metadata: Record<string, Record<string, unknown>> };
    const json = edit(meta.metadata[`${node}/.zattrs`]);
    writeFileSync(path.join(root, node, '.zattrs'), json);
    // Splice the raw text in, so bare tokens such as NaN survive.
    const entries = Object.entries(meta.metadata).map(([k, v]) => `${JSON.stringify(k)}: ${k === `${node}/.zattrs` ? json : JSON.stringify(v)}`);
    writeFileSync(file, `{"metadata": {${entries.join(', ')}}, "zarr_consolidated_format": 1}`);
  }

  it('follows links stored as zarr_link attributes (pynwb does)', async () => {
    const copy = copyFixture(ZARR, tmp.dir, { photometry: false });
    rmSync(path.join(copy, 'acquisition/FIP_rising_time/timestamps'), { recursive: true });
    const file = path.join(copy, '.zmetadata');
    const meta = JSON.parse(readFileSync(file, 'utf8')) as { metadata: Record<string, unknown> };
    for (const k of Object.keys(meta.metadata)) if (k.startsWith('acquisition/FIP_rising_time/timestamps/')) delete meta.metadata[k];
    writeFileSync(file, JSON.stringify(meta));
    editAttrs(copy, 'acquisition/FIP_rising_time', (a) =>
      JSON.stringify({ ...a, zarr_link: [{ name: 'timestamps', source: '.', path: '/acquisition/FIP_falling_time/timestamps' }] }),
    );
    const src = await openNwb(copy);
    expect(await src.listGroup('/acquisition/FIP_rising_time')).toEqual(['data', 'timestamps']);
    expect(await src.kind('/acquisition/FIP_rising_time/timestamps')).toBe('dataset');
    const linked = await src.readDataset('/acquisition/FIP_rising_time/timestamps');
    const target = await src.readDataset('/acquisition/FIP_falling_time/timestamps');
    expect(linked.column.values).toEqual(target.column.values);
  });

  it('reads attributes holding the bare NaN / Infinity tokens zarr-python writes', async () => {
    const copy = copyFixture(ZARR, tmp.dir, { photometry: false });
    editAttrs(copy, 'acquisition/left_lick_time', (a) => `${JSON.stringify(a).slice(0, -1)}, "offset_s": NaN, "limits": [-Infinity, Infinity], "note": "NaN stays text"}`);
    const src = await openNwb(copy);
    const attrs = await src.readAttributes('/acquisition/left_lick_time');
    expect(attrs.offset_s).toBeNaN();
    expect(attrs.limits).toEqual([-Infinity, Infinity]);
    expect(attrs.note).toBe('NaN stays text');
    expect((await readSession(src)).trials.rowCount).toBe(725);
  });
});
