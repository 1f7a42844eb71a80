import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import FileSystemStore from '@zarrita/storage/fs';
import Blosc from 'numcodecs/blosc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as zarr from 'zarrita';

import type { GroupNode } from '../../../src/generator/layout.js';
import { PyFloat, pyJsonDumps } from '../../../src/generator/pyjson.js';
import { DEFAULT_SPEC_SOURCES, zarrSpecifications } from '../../../src/generator/specifications.js';
import { guessChunks, writeZarrNwb } from '../../../src/generator/zarr-writer.js';

const REAL = fileURLToPath(new URL('../../fixtures/real-nwb/behavior_717531_2024-08-07_09-01-02.nwb/', import.meta.url));
const realText = (key: string) => readFile(path.join(REAL, key), 'utf8');

zarr.registry.set('blosc', async () => Blosc as never);

describe('pyJsonDumps', () => {
  it("formats like zarr-python's metadata files (Python json, indent 4, sorted keys)", async () => {
    const zarray = {
      chunks: [27257],
      compressor: { blocksize: 0, clevel: 5, cname: 'lz4', id: 'blosc', shuffle: 1 },
      dtype: '<f8',
      fill_value: new PyFloat(0),
      filters: null,
      order: 'C',
      shape: [109027],
      zarr_format: 2,
    };
    expect(pyJsonDumps(zarray)).toBe(await realText('acquisition/G_1/data/.zarray'));
    const attrs = { zarr_dtype: 'float64', unit: 's', resolution: new PyFloat(-1), offset: new PyFloat(0), conversion: new PyFloat(1) };
    expect(pyJsonDumps(attrs)).toBe(await realText('acquisition/G_1/data/.zattrs'));
    const trials = await realText('intervals/trials/.zattrs');
    expect(pyJsonDumps(JSON.parse(trials))).toBe(trials);
    const textArray = await realText('intervals/trials/auto_train_stage/.zarray');
    expect(pyJsonDumps(JSON.parse(textArray))).toBe(textArray);
  });

  it("prints floats as Python's repr and escapes non-ASCII", () => {
    expect(pyJsonDumps([new PyFloat(0.1), new PyFloat(1e-5), new PyFloat(2.5e20), new PyFloat(-0), new PyFloat(1e16)])).toBe(
      '[\n    0.1,\n    1e-05,\n    2.5e+20,\n    -0.0,\n    1e+16\n]',
    );
    expect(pyJsonDumps({ a: 'µ"\n', b: {}, c: [] })).toBe('{\n    "a": "\\u00b5\\"\\n",\n    "b": {},\n    "c": []\n}');
    expect(() => pyJsonDumps(0.5)).toThrow(/PyFloat/);
  });
});

describe('guessChunks', () => {
  it("matches zarr-python's chunking of every array in the real Zarr NWB", async () => {
    const meta = JSON.parse(await realText('.zmetadata')).metadata as Record<string, { shape: number[]; chunks: number[]; dtype: string }>;
    const itemSize: Record<string, number> = { '<f8': 8, '<i8': 8, '|b1': 1, '|O': 8 };
    const arrays = Object.entries(meta).filter(([k]) => k.endsWith('/.zarray'));
    expect(arrays.length).toBeGreaterThan(100);
    for (const [key, a] of arrays) {
      expect(guessChunks(a.shape[0], itemSize[a.dtype]), key).toBe(a.chunks[0]);
    }
  });
});

describe('writeZarrNwb', () => {
  let dir: string;
  const tree: GroupNode = {
    kind: 'group',
    attrs: { namespace: { type: 'text', value: 'core' }, neurodata_type: { type: 'text', value: 'NWBFile' } },
    children: {
      big: { kind: 'dataset', value: { type: 'float64', values: Float64Array.from({ length: 100_000 }, (_, i) => i / 7), zarrDtype: 'float64' }, attrs: {} },
      group: {
        kind: 'group',
        attrs: { colnames: { type: 'textArray', value: ['a', 'b'] } },
        children: {
          flags: { kind: 'dataset', value: { type: 'bool', values: Uint8Array.of(1, 0, 1) }, attrs: { description: { type: 'text', value: 'd' } } },
          ids: { kind: 'dataset', value: { type: 'int64', values: BigInt64Array.of(0n, 1n, 2n), zarrDtype: 'int64' }, attrs: { interval: { type: 'int64', value: 1 } } },
          words: { kind: 'dataset', value: { type: 'text', values: ['earned', 'auto', 'é'] }, attrs: { scale: { type: 'float64', value: 1 } } },
          empty: { kind: 'dataset', value: { type: 'float64', values: new Float64Array(0), zarrDtype: 'float' }, attrs: {} },
        },
      },
      name: { kind: 'dataset', value: { type: 'scalarText', value: 'x' }, attrs: {} },
      when: { kind: 'dataset', value: { type: 'scalarDatetime', value: '2025-03-04T09:00:00-07:00' }, attrs: {} },
    },
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'ga-zarr-writer-'));
    await writeZarrNwb(path.join(dir, 'a.nwb'), tree, await zarrSpecifications(DEFAULT_SPEC_SOURCES.zarr));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('reads back through zarrita: numbers, bools, text, chunked arrays', async () => {
    const root = zarr.root(new FileSystemStore(path.join(dir, 'a.nwb')));
    const get = async (p: string) => (await zarr.get(await zarr.open.v2(root.resolve(p), { kind: 'array' }))).data;
    const big = (await get('big')) as Float64Array;
    expect(big.length).toBe(100_000);
    expect(big[99_999]).toBe(99_999 / 7);
    const flags = (await get('group/flags')) as unknown as { get(i: number): boolean; length: number };
    expect([flags.get(0), flags.get(1), flags.get(2)]).toEqual([true, false, true]);
    expect(Array.from((await get('group/ids')) as BigInt64Array)).toEqual([0n, 1n, 2n]);
    expect(Array.from((await get('group/words')) as unknown as string[])).toEqual(['earned', 'auto', 'é']);
    expect(Array.from((await get('name')) as unknown as string[])).toEqual(['x']);
    // zarrita cannot `get` a zero-length array; hdmf-zarr writes no chunk for one either
    expect(JSON.parse(await readFile(path.join(dir, 'a.nwb/group/empty/.zarray'), 'utf8')).shape).toEqual([0]);
    await expect(readFile(path.join(dir, 'a.nwb/group/empty/0'))).rejects.toThrow(/ENOENT/);
    const big0 = JSON.parse(await readFile(path.join(dir, 'a.nwb/big/.zarray'), 'utf8'));
    expect(big0.chunks).toEqual([guessChunks(100_000, 8)]);
  });

  it('writes the hdmf-zarr attributes, vlen-bytes datetimes and consolidated metadata', async () => {
    const read = async (key: string) => JSON.parse(await readFile(path.join(dir, 'a.nwb', key), 'utf8'));
    expect(await read('.zattrs')).toEqual({ '.specloc': 'specifications', namespace: 'core', neurodata_type: 'NWBFile' });
    expect(await read('group/words/.zattrs')).toEqual({ scale: 1, zarr_dtype: 'str' });
    expect(await readFile(path.join(dir, 'a.nwb/group/words/.zattrs'), 'utf8')).toContain('"scale": 1.0');
    expect((await read('when/.zarray')).filters).toEqual([{ id: 'vlen-bytes' }]);
    expect((await read('when/.zattrs')).zarr_dtype).toBe('scalar');
    const raw = await readFile(path.join(dir, 'a.nwb/when/0'));
    const decoded = await Blosc.fromConfig({ id: 'blosc' } as never).decode(new Uint8Array(raw));
    const len = new DataView(decoded.buffer, decoded.byteOffset).getUint32(4, true);
    expect(Buffer.from(decoded.subarray(8, 8 + len)).toString()).toBe('2025-03-04T09:00:00-07:00');
    const consolidated = (await read('.zmetadata')).metadata as Record<string, unknown>;
    for (const key of ['.zgroup', '.zattrs', 'group/.zattrs', 'group/flags/.zarray', 'specifications/core/.zgroup']) {
      expect(consolidated[key], key).toEqual(await read(key));
    }
    expect(await readFile(path.join(dir, 'a.nwb/specifications/hdmf-common/1.8.0/table/0'))).toEqual(
      await readFile(path.join(REAL, 'specifications/hdmf-common/1.8.0/table/0')),
    );
  });

  it('writes the same bytes every time', async () => {
    await writeZarrNwb(path.join(dir, 'b.nwb'), tree, await zarrSpecifications(DEFAULT_SPEC_SOURCES.zarr));
    for (const key of ['.zmetadata', 'big/0', 'big/1', 'group/words/0', 'when/0']) {
      expect(await readFile(path.join(dir, 'b.nwb', key)), key).toEqual(await readFile(path.join(dir, 'a.nwb', key)));
    }
  });
});
