// Writes an NWB tree as an HDF5 file with h5wasm, in the layout pynwb gives the lab's files:
// contiguous datasets, scalar string datasets, vlen UTF-8 text, ASCII datetimes, int64 ids,
// enum bools (see hdf5-bool.ts), an object reference `.specloc` to `/specifications`.
//
// Byte stability: the HDF5 library stamps each object header with the current time (dataset
// "track times" is on and h5wasm does not expose the switch). The wasm module reads the clock
// through `Date.now`, so writing runs with `Date.now` pinned to a time derived from the session,
// synchronously (h5wasm calls do not yield, so no other code observes the pinned clock).

import fs from 'node:fs/promises';
import h5wasm, { type Dataset as H5Dataset, type Group as H5Group } from 'h5wasm/node';

import { patchBoolDataset, PLACEHOLDER_MEMBER } from './hdf5-bool.js';
import type { AttrValue, DatasetValue, GroupNode } from './layout.js';
import type { Hdf5Specifications } from './specifications.js';

function withPinnedClock<T>(ms: number, fn: () => T): T {
  const realNow = Date.now;
  Date.now = () => ms;
  try {
    return fn();
  } finally {
    Date.now = realNow;
  }
}

function writeAttr(target: H5Group | H5Dataset, name: string, a: AttrValue): void {
  switch (a.type) {
    case 'text':
      target.create_attribute(name, a.value);
      return;
    case 'textArray':
      target.create_attribute(name, [...a.value]);
      return;
    case 'float64':
      target.create_attribute(name, a.value, null, '<d');
      return;
    case 'int64':
      target.create_attribute(name, a.value, null, '<q');
      return;
  }
}

/** Object-header address of a dataset: h5wasm's object reference is that address (little endian). */
function headerAddress(ds: H5Dataset): number {
  const ref = ds.create_reference().ref_data;
  let address = 0;
  for (let i = 7; i >= 0; i--) address = address * 256 + ref[i];
  return address;
}

function writeDataset(g: H5Group, name: string, v: DatasetValue, boolHeaders: number[]) {
  switch (v.type) {
    case 'float64':
    case 'int64':
      return g.create_dataset({ name, data: v.values });
    case 'bool': {
      const ds = g.create_dataset({
        name,
        data: new Map([[PLACEHOLDER_MEMBER, Int8Array.from(v.values)]]),
        dtype: [[PLACEHOLDER_MEMBER, '<b']],
        shape: [v.values.length],
      });
      boolHeaders.push(headerAddress(ds));
      return ds;
    }
    case 'text':
      return g.create_dataset({ name, data: [...v.values], dtype: 'S', shape: [v.values.length] });
    case 'scalarText':
      return g.create_dataset({ name, data: v.value, dtype: 'S' });
    case 'scalarDatetime':
      return g.create_dataset({ name, data: v.value, dtype: 'A' });
    case 'datetimeArray':
      return g.create_dataset({ name, data: [...v.values], dtype: 'A', shape: [v.values.length] });
  }
}

function writeGroup(g: H5Group, node: GroupNode, boolHeaders: number[]): void {
  for (const [name, a] of Object.entries(node.attrs)) writeAttr(g, name, a);
  for (const [name, child] of Object.entries(node.children)) {
    if (child.kind === 'group') {
      writeGroup(g.create_group(name), child, boolHeaders);
    } else {
      const ds = writeDataset(g, name, child.value, boolHeaders);
      for (const [attrName, a] of Object.entries(child.attrs)) writeAttr(ds, attrName, a);
    }
  }
}

function writeSpecifications(root: H5Group, spec: Hdf5Specifications): H5Group {
  const top = root.create_group('specifications');
  for (const doc of spec.documents) {
    const parts = doc.path.split('/');
    let g = top;
    for (const part of parts.slice(0, -1)) {
      const existing = g.get(part);
      g = existing instanceof h5wasm.Group ? existing : g.create_group(part);
    }
    g.create_dataset({ name: parts[parts.length - 1], data: doc.text, dtype: 'S' });
  }
  return top;
}

/**
 * Writes `tree` to `file` (replacing it). `clockMs` is the time stamped into object headers
 * (pass a value derived from the session so that output is reproducible).
 */
export async function writeHdf5Nwb(file: string, tree: GroupNode, spec: Hdf5Specifications, clockMs: number): Promise<void> {
  await h5wasm.ready;
  await fs.rm(file, { force: true, recursive: true });
  const boolHeaders: number[] = [];
  withPinnedClock(clockMs, () => {
    // libver "earliest": version-1 object headers and symbol-table groups, as h5py writes by
    // default, and the header format hdf5-bool.ts patches.
    const f = new h5wasm.File(file, 'w', { libver: ['earliest', 'v110'] });
    try {
      writeGroup(f, tree, boolHeaders);
      const specs = writeSpecifications(f, spec);
      f.create_attribute('.specloc', specs.create_reference());
    } finally {
      f.close();
    }
  });
  if (boolHeaders.length > 0) {
    const bytes = new Uint8Array(await fs.readFile(file));
    for (const address of boolHeaders) patchBoolDataset(bytes, address);
    await fs.writeFile(file, bytes);
  }
}
