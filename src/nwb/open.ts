/**
 * Opens an NWB session from a path or URI, detecting HDF5 vs Zarr, and checks that it is NWB.
 */

import { promises as fs } from 'node:fs';
import path from 'node:path';

import { NwbError } from './errors.js';
import { openHdf5 } from './hdf5.js';
import type { NwbSource } from './source.js';
import { LocalZarrStore, parseLocation, type NwbLocation } from './storage.js';
import { openZarr, type ZarrStore } from './zarr.js';

/** The first 8 bytes of every HDF5 file (no user block: NWB files never have one). */
export const HDF5_SIGNATURE = Uint8Array.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

/** What a remote location resolves to: a local copy of an HDF5 file, or a chunk store. */
export type ResolvedRemote =
  | { readonly format: 'hdf5'; readonly path: string }
  | { readonly format: 'zarr'; readonly store: ZarrStore };

/** Resolves `s3://` locations; supplied by the caller that holds the S3 client and cache. */
export type RemoteResolver = (location: Extract<NwbLocation, { kind: 's3' }>) => Promise<ResolvedRemote>;

export interface OpenOptions {
  readonly remote?: RemoteResolver;
}

export function isHdf5Signature(head: Uint8Array): boolean {
  return head.length >= HDF5_SIGNATURE.length && HDF5_SIGNATURE.every((b, i) => head[i] === b);
}

/**
 * Opens `uri` (local path, `file://` or `s3://`). Throws NwbError when the target is missing,
 * is neither HDF5 nor Zarr, is damaged, or is not an NWB file.
 */
export async function openNwb(uri: string, options: OpenOptions = {}): Promise<NwbSource> {
  const location = parseLocation(uri);
  let source: NwbSource;
  if (location.kind === 's3') {
    if (options.remote === undefined) {
      throw new NwbError('unsupported', 'S3 locations need an S3 resolver', {
        file: location.label,
        hint: 'Open S3 sessions through the worker, which supplies S3 access and a download cache',
      });
    }
    const resolved = await options.remote(location);
    source =
      resolved.format === 'hdf5'
        ? await openHdf5File(resolved.path, location.label)
        : await openZarr(resolved.store, location.label);
  } else {
    source = await openLocal(location.path, location.label);
  }
  try {
    await assertNwbRoot(source);
  } catch (err) {
    await source.close();
    throw err;
  }
  return source;
}

async function openLocal(filePath: string, label: string): Promise<NwbSource> {
  let stat;
  try {
    stat = await fs.stat(filePath);
  } catch (err) {
    throw new NwbError('not-found', 'no such file or folder', {
      file: label,
      hint: 'Check the path; Zarr sessions are folders, HDF5 sessions are single .nwb files',
      cause: err,
    });
  }
  if (stat.isDirectory()) {
    const hasGroup = await fs
      .access(path.join(filePath, '.zgroup'))
      .then(() => true)
      .catch(() => false);
    if (!hasGroup) {
      throw new NwbError('not-nwb', 'folder is not a Zarr store (no .zgroup)', {
        file: label,
        hint: 'Point at the top folder of a Zarr NWB session (the one holding .zgroup and acquisition/)',
      });
    }
    return openZarr(new LocalZarrStore(filePath), label);
  }
  return openHdf5File(filePath, label);
}

/** Opens a local file that must be HDF5 (checked by its signature before h5wasm sees it). */
async function openHdf5File(filePath: string, label: string): Promise<NwbSource> {
  const head = new Uint8Array(HDF5_SIGNATURE.length);
  const handle = await fs.open(filePath, 'r');
  try {
    await handle.read(head, 0, head.length, 0);
  } finally {
    await handle.close();
  }
  if (!isHdf5Signature(head)) {
    throw new NwbError('not-nwb', 'not an HDF5 file (bad signature) and not a Zarr folder', {
      file: label,
      hint: 'Pass an NWB session: an HDF5 .nwb file or a Zarr .nwb folder',
    });
  }
  return openHdf5(filePath, label);
}

/** An NWB file's root group is tagged `neurodata_type: NWBFile` (pynwb and hdmf-zarr alike). */
async function assertNwbRoot(source: NwbSource): Promise<void> {
  const attrs = await source.readAttributes('/');
  if (attrs.neurodata_type !== 'NWBFile') {
    throw new NwbError('not-nwb', `${source.format.toUpperCase()} file is not NWB (root is not an NWBFile)`, {
      file: source.label,
      field: '/',
      hint: 'Pass an NWB session written by pynwb or hdmf-zarr, not another HDF5/Zarr file',
    });
  }
}
