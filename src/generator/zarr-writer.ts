// Writes an NWB tree as a Zarr v2 store the way hdmf-zarr lays out the lab's files: one
// directory per group (`.zgroup`, `.zattrs`), arrays with `.zarray` / `.zattrs` (incl.
// `zarr_dtype`), zarr-python's default chunking, blosc/lz4 chunks (shuffle on), vlen-utf8 text,
// vlen-bytes datetimes, scalars as one-element arrays, the root's `.specloc`, and the
// consolidated `.zmetadata`. Keys go through zarrita's FileSystemStore. Metadata JSON is
// formatted as Python writes it, so identical trees give identical bytes.

import fs from 'node:fs/promises';
import FileSystemStore from '@zarrita/storage/fs';
import Blosc from 'numcodecs/blosc';

import type { AttrValue, DatasetValue, GroupNode } from './layout.js';
import { PyFloat, pyJsonDumps, type PyJson } from './pyjson.js';
import type { ZarrSpecifications } from './specifications.js';

const COMPRESSOR = { blocksize: 0, clevel: 5, cname: 'lz4', id: 'blosc', shuffle: 1 } as const;
const codec = Blosc.fromConfig(COMPRESSOR);

const utf8 = new TextEncoder();

/** zarr-python 2's `guess_chunks` for one dimension (target 256 KiB scaled by size, 128 KiB..64 MiB). */
export function guessChunks(length: number, itemSize: number): number {
  const CHUNK_BASE = 256 * 1024;
  const CHUNK_MIN = 128 * 1024;
  const CHUNK_MAX = 64 * 1024 * 1024;
  let chunk = Math.max(length, 1);
  const datasetSize = chunk * itemSize;
  let target = CHUNK_BASE * 2 ** Math.log10(datasetSize / (1024 * 1024));
  target = Math.min(CHUNK_MAX, Math.max(CHUNK_MIN, target));
  for (;;) {
    const bytes = chunk * itemSize;
    if ((bytes < target || Math.abs(bytes - target) / target < 0.5) && bytes < CHUNK_MAX) break;
    if (chunk === 1) break;
    chunk = Math.ceil(chunk / 2);
  }
  return chunk;
}

/** numcodecs VLenUTF8 / VLenBytes: item count, then (length, bytes) per item; padding items are empty. */
function encodeVlen(items: readonly string[], chunkLength: number): Uint8Array {
  const encoded = items.map((s) => utf8.encode(s));
  const total = 4 + 4 * chunkLength + encoded.reduce((n, e) => n + e.length, 0);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  view.setUint32(0, chunkLength, true);
  let p = 4;
  for (let i = 0; i < chunkLength; i++) {
    const e = encoded[i] ?? new Uint8Array(0);
    view.setUint32(p, e.length, true);
    out.set(e, p + 4);
    p += 4 + e.length;
  }
  return out;
}

interface ArrayEncoding {
  dtype: string;
  fillValue: PyJson;
  filters: PyJson;
  itemSize: number;
  length: number;
  zarrDtype: string;
  /** Raw (uncompressed) bytes of the chunk covering [start, start + chunkLength). */
  chunk(start: number, chunkLength: number): Uint8Array;
}

function fixedWidth<T extends Float64Array | BigInt64Array | Uint8Array>(values: T, make: (n: number) => T) {
  return (start: number, chunkLength: number): Uint8Array => {
    const chunk = make(chunkLength); // zero-filled: zarr v2 stores edge chunks full-size, fill 0
    chunk.set(values.subarray(start, Math.min(values.length, start + chunkLength)) as never);
    return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  };
}

function vlenText(items: readonly string[], zarrDtype: string, filter: 'vlen-utf8' | 'vlen-bytes'): ArrayEncoding {
  return {
    dtype: '|O',
    fillValue: 0,
    filters: [{ id: filter }],
    itemSize: 8,
    length: items.length,
    zarrDtype,
    chunk: (start, chunkLength) => encodeVlen(items.slice(start, start + chunkLength), chunkLength),
  };
}

function encodingOf(v: DatasetValue): ArrayEncoding {
  switch (v.type) {
    case 'float64':
      return {
        dtype: '<f8',
        fillValue: new PyFloat(0),
        filters: null,
        itemSize: 8,
        length: v.values.length,
        zarrDtype: v.zarrDtype,
        chunk: fixedWidth(v.values, (n) => new Float64Array(n)),
      };
    case 'int64':
      return {
        dtype: '<i8',
        fillValue: 0,
        filters: null,
        itemSize: 8,
        length: v.values.length,
        zarrDtype: v.zarrDtype,
        chunk: fixedWidth(v.values, (n) => new BigInt64Array(n)),
      };
    case 'bool':
      return {
        dtype: '|b1',
        fillValue: false,
        filters: null,
        itemSize: 1,
        length: v.values.length,
        zarrDtype: 'bool',
        chunk: fixedWidth(v.values, (n) => new Uint8Array(n)),
      };
    case 'text':
      return vlenText(v.values, 'str', 'vlen-utf8');
    case 'scalarText':
      return vlenText([v.value], 'scalar', 'vlen-utf8');
    case 'scalarDatetime':
      return vlenText([v.value], 'scalar', 'vlen-bytes');
    case 'datetimeArray':
      return vlenText(v.values, 'bytes', 'vlen-bytes');
  }
}

function attrJson(a: AttrValue): PyJson {
  switch (a.type) {
    case 'text':
      return a.value;
    case 'textArray':
      return [...a.value];
    case 'float64':
      return new PyFloat(a.value);
    case 'int64':
      return a.value;
  }
}

const attrsJson = (attrs: Record<string, AttrValue>): Record<string, PyJson> =>
  Object.fromEntries(Object.entries(attrs).map(([k, a]) => [k, attrJson(a)]));

/** Writes `tree` as the Zarr store `dir` (replacing it), with `spec` as its `specifications/`. */
export async function writeZarrNwb(dir: string, tree: GroupNode, spec: ZarrSpecifications): Promise<void> {
  await fs.rm(dir, { recursive: true, force: true });
  const store = new FileSystemStore(dir);
  const put = (key: string, bytes: Uint8Array) => store.set(`/${key}`, bytes);
  const consolidated: Record<string, PyJson> = {};
  const putJson = async (key: string, value: PyJson) => {
    consolidated[key] = value;
    await put(key, utf8.encode(pyJsonDumps(value)));
  };
  const prefix = (path: string) => (path === '' ? '' : `${path}/`);

  const writeArray = async (path: string, value: DatasetValue, attrs: Record<string, AttrValue>) => {
    const enc = encodingOf(value);
    const chunkLength = guessChunks(enc.length, enc.itemSize);
    await putJson(`${path}/.zarray`, {
      chunks: [chunkLength],
      compressor: { ...COMPRESSOR },
      dtype: enc.dtype,
      fill_value: enc.fillValue,
      filters: enc.filters,
      order: 'C',
      shape: [enc.length],
      zarr_format: 2,
    });
    await putJson(`${path}/.zattrs`, { ...attrsJson(attrs), zarr_dtype: enc.zarrDtype });
    for (let k = 0; k * chunkLength < enc.length; k++) {
      await put(`${path}/${k}`, await codec.encode(enc.chunk(k * chunkLength, chunkLength)));
    }
  };

  const writeGroup = async (path: string, node: GroupNode, extraAttrs: Record<string, PyJson>) => {
    await putJson(`${prefix(path)}.zgroup`, { zarr_format: 2 });
    const attrs = { ...attrsJson(node.attrs), ...extraAttrs };
    if (Object.keys(attrs).length > 0) await putJson(`${prefix(path)}.zattrs`, attrs);
    for (const [name, child] of Object.entries(node.children)) {
      const childPath = `${prefix(path)}${name}`;
      if (child.kind === 'group') await writeGroup(childPath, child, {});
      else await writeArray(childPath, child.value, child.attrs);
    }
  };

  await writeGroup('', tree, { '.specloc': 'specifications' });
  for (const file of spec.files) await put(file.key, file.bytes);
  Object.assign(consolidated, spec.metadata as Record<string, PyJson>);
  await put('.zmetadata', utf8.encode(pyJsonDumps({ metadata: consolidated, zarr_consolidated_format: 1 })));
}
