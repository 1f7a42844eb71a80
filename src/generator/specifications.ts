// The cached NWB schema (`/specifications`) that pynwb and hdmf-zarr read back when opening a
// file. It is copied, at generation time, from a real file of the same format (the fixtures),
// so generated files declare exactly the namespaces the lab's files do; nothing is committed.

import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import h5wasm, { type Group as H5Group } from 'h5wasm/node';

const FIXTURES = fileURLToPath(new URL('../../test/fixtures/real-nwb/', import.meta.url));

export const DEFAULT_SPEC_SOURCES = {
  hdf5: path.join(FIXTURES, '697062_2023-11-14_11-12-44.nwb'),
  zarr: path.join(FIXTURES, 'behavior_717531_2024-08-07_09-01-02.nwb'),
};

export interface SpecSources {
  hdf5: string;
  zarr: string;
}

/** `/specifications/<namespace>/<version>/<document>` → JSON text, from an HDF5 NWB file. */
export interface Hdf5Specifications {
  documents: { path: string; text: string }[];
}

/** Every file under a Zarr NWB's `specifications/` (bytes as stored) and its metadata entries. */
export interface ZarrSpecifications {
  files: { key: string; bytes: Uint8Array }[];
  /** `.zgroup` / `.zattrs` / `.zarray` contents by key, for `.zmetadata`. */
  metadata: Record<string, unknown>;
}

const hdf5Cache = new Map<string, Promise<Hdf5Specifications>>();
const zarrCache = new Map<string, Promise<ZarrSpecifications>>();

async function readHdf5Specifications(file: string): Promise<Hdf5Specifications> {
  await h5wasm.ready;
  const f = new h5wasm.File(file, 'r');
  try {
    const root = f.get('specifications');
    if (!(root instanceof h5wasm.Group)) throw new Error(`${file}: no /specifications group`);
    const documents: { path: string; text: string }[] = [];
    const walk = (g: H5Group, prefix: string) => {
      for (const name of g.keys()) {
        const child = g.get(name);
        const p = prefix ? `${prefix}/${name}` : name;
        if (child instanceof h5wasm.Group) walk(child, p);
        else if (child instanceof h5wasm.Dataset && typeof child.value === 'string') documents.push({ path: p, text: child.value });
        else throw new Error(`${file}: /specifications/${p} is not a group or a text dataset`);
      }
    };
    walk(root, '');
    if (documents.length === 0) throw new Error(`${file}: /specifications is empty`);
    return { documents };
  } finally {
    f.close();
  }
}

async function readZarrSpecifications(store: string): Promise<ZarrSpecifications> {
  const base = path.join(store, 'specifications');
  const entries = await fs.readdir(base, { recursive: true, withFileTypes: true });
  const files: { key: string; bytes: Uint8Array }[] = [];
  const metadata: Record<string, unknown> = {};
  for (const e of entries) {
    if (!e.isFile()) continue;
    const full = path.join(e.parentPath, e.name);
    const key = path.relative(store, full).split(path.sep).join('/');
    const bytes = new Uint8Array(await fs.readFile(full));
    files.push({ key, bytes });
    if (e.name === '.zgroup' || e.name === '.zattrs' || e.name === '.zarray') {
      metadata[key] = JSON.parse(Buffer.from(bytes).toString('utf8'));
    }
  }
  if (files.length === 0) throw new Error(`${store}: no specifications/ to copy`);
  files.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { files, metadata };
}

export function hdf5Specifications(file: string): Promise<Hdf5Specifications> {
  let p = hdf5Cache.get(file);
  if (!p) hdf5Cache.set(file, (p = readHdf5Specifications(file)));
  return p;
}

export function zarrSpecifications(store: string): Promise<ZarrSpecifications> {
  let p = zarrCache.get(store);
  if (!p) zarrCache.set(store, (p = readZarrSpecifications(store)));
  return p;
}
