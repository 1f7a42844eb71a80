import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import h5wasm, { type Dataset, type Group, type Reference } from 'h5wasm/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { patchBoolDataset } from '../../../src/generator/hdf5-bool.js';
import { writeHdf5Nwb } from '../../../src/generator/hdf5-writer.js';
import type { GroupNode } from '../../../src/generator/layout.js';
import { DEFAULT_SPEC_SOURCES, hdf5Specifications } from '../../../src/generator/specifications.js';

const tree: GroupNode = {
  kind: 'group',
  attrs: { nwb_version: { type: 'text', value: '2.6.0' } },
  children: {
    intervals: {
      kind: 'group',
      attrs: { colnames: { type: 'textArray', value: ['bait', 'x'] } },
      children: {
        bait: { kind: 'dataset', value: { type: 'bool', values: Uint8Array.of(0, 1, 1, 0, 1) }, attrs: { description: { type: 'text', value: 'b' } } },
        bait2: { kind: 'dataset', value: { type: 'bool', values: Uint8Array.of(1) }, attrs: {} },
        x: {
          kind: 'dataset',
          value: { type: 'float64', values: Float64Array.of(1.5, Number.NaN), zarrDtype: 'float' },
          attrs: { conversion: { type: 'float64', value: 1 }, interval: { type: 'int64', value: 1 } },
        },
        id: { kind: 'dataset', value: { type: 'int64', values: BigInt64Array.of(0n, 1n), zarrDtype: 'int64' }, attrs: {} },
        words: { kind: 'dataset', value: { type: 'text', values: ['earned', 'manual'] }, attrs: {} },
      },
    },
    identifier: { kind: 'dataset', value: { type: 'scalarText', value: 'abc' }, attrs: {} },
    session_start_time: { kind: 'dataset', value: { type: 'scalarDatetime', value: '2025-03-04T09:00:00-07:00' }, attrs: {} },
    file_create_date: { kind: 'dataset', value: { type: 'datetimeArray', values: ['2025-03-05T01:00:00.000500+00:00'] }, attrs: {} },
  },
};

let dir: string;
const clock = Date.UTC(2025, 2, 4, 16);

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ga-hdf5-writer-'));
  const spec = await hdf5Specifications(DEFAULT_SPEC_SOURCES.hdf5);
  await writeHdf5Nwb(path.join(dir, 'a.nwb'), tree, spec, clock);
  await writeHdf5Nwb(path.join(dir, 'b.nwb'), tree, spec, clock);
  await writeHdf5Nwb(path.join(dir, 'c.nwb'), tree, spec, clock + 86_400_000);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

function open(name: string) {
  return new h5wasm.File(path.join(dir, name), 'r');
}

describe('writeHdf5Nwb', () => {
  it('stores bools as the h5py enum {FALSE: 0, TRUE: 1} over int8, data intact', () => {
    const f = open('a.nwb');
    try {
      for (const [name, values] of [
        ['intervals/bait', [0, 1, 1, 0, 1]],
        ['intervals/bait2', [1]],
      ] as const) {
        const ds = f.get(name) as Dataset;
        expect(ds.metadata.type).toBe(8); // H5T_ENUM
        expect(ds.metadata.enum_type?.members).toEqual({ FALSE: 0, TRUE: 1 });
        expect(ds.metadata.size).toBe(1);
        expect(ds.metadata.signed).toBe(true);
        expect(Array.from(ds.value as ArrayLike<number>)).toEqual(values);
      }
      expect((f.get('intervals/bait') as Dataset).attrs.description.value).toBe('b');
    } finally {
      f.close();
    }
  });

  it('writes NWB dtypes: float64, int64, vlen UTF-8 text, ASCII datetimes, typed attributes', () => {
    const f = open('a.nwb');
    try {
      const x = f.get('intervals/x') as Dataset;
      expect(x.dtype).toBe('<d');
      expect(Array.from(x.value as Float64Array)).toEqual([1.5, Number.NaN]);
      expect(x.attrs.conversion.metadata).toMatchObject({ type: 1, size: 8 });
      expect(x.attrs.interval.metadata).toMatchObject({ type: 0, size: 8, signed: true });
      expect((f.get('intervals/id') as Dataset).dtype).toBe('<q');
      const words = f.get('intervals/words') as Dataset;
      expect(words.value).toEqual(['earned', 'manual']);
      expect(words.metadata).toMatchObject({ vlen: true, cset: 1 });
      const start = f.get('session_start_time') as Dataset;
      expect(start.shape).toEqual([]);
      expect(start.metadata.cset).toBe(0);
      expect(start.value).toBe('2025-03-04T09:00:00-07:00');
      const created = f.get('file_create_date') as Dataset;
      expect(created.shape).toEqual([1]);
      expect(created.metadata.cset).toBe(0);
      expect((f.get('identifier') as Dataset).value).toBe('abc');
      expect((f.get('intervals') as Group).attrs.colnames.value).toEqual(['bait', 'x']);
    } finally {
      f.close();
    }
  });

  it('copies /specifications from the real file and points .specloc at it', async () => {
    const f = open('a.nwb');
    try {
      const spec = await hdf5Specifications(DEFAULT_SPEC_SOURCES.hdf5);
      for (const doc of spec.documents) expect((f.get(`specifications/${doc.path}`) as Dataset).value).toBe(doc.text);
      const specloc = f.attrs['.specloc'];
      expect(specloc.metadata).toMatchObject({ type: 7, shape: [] }); // scalar object reference, as pynwb
      const target: unknown = f.dereference((specloc.value as Reference[])[0]);
      expect(target).toBeInstanceOf(h5wasm.Group);
      expect((target as Group).path).toBe('/specifications');
    } finally {
      f.close();
    }
  });

  it('is byte-stable: same tree and clock, same bytes; the pinned clock is what varies', async () => {
    const a = await readFile(path.join(dir, 'a.nwb'));
    expect((await readFile(path.join(dir, 'b.nwb'))).equals(a)).toBe(true);
    expect((await readFile(path.join(dir, 'c.nwb'))).equals(a)).toBe(false);
  });
});

describe('patchBoolDataset', () => {
  it('refuses headers that hold no placeholder', async () => {
    const bytes = new Uint8Array(await readFile(path.join(dir, 'a.nwb')));
    const f = open('a.nwb');
    const ref = (f.get('intervals/x') as Dataset).create_reference().ref_data;
    f.close();
    const address = Array.from(ref.slice(0, 8)).reduceRight((acc, b) => acc * 256 + b, 0);
    expect(() => patchBoolDataset(bytes, address)).toThrow(/no placeholder/);
    expect(() => patchBoolDataset(bytes, 0)).toThrow(/version/);
  });
});
