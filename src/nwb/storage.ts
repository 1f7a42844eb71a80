/**
 * Where an NWB session lives, and the local-disk store behind Zarr sessions.
 *
 * This is the seam for remote storage: a location is parsed once here, and `open.ts` turns it
 * into a format-specific source (a local file path for h5wasm, a `ZarrStore` for zarrita). An
 * S3 location plugs in by supplying the same two things (a downloaded file, a chunk store).
 */

import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import type { AbsolutePath } from '@zarrita/storage';
import FileSystemStore from '@zarrita/storage/fs';

import { NwbError } from './errors.js';
import type { ZarrStore } from './zarr.js';

export type NwbLocation =
  | { readonly kind: 'local'; readonly path: string; readonly label: string }
  | { readonly kind: 's3'; readonly bucket: string; readonly key: string; readonly label: string };

/** Accepts a local path, a `file://` URI or an `s3://bucket/key` URI. */
export function parseLocation(uri: string): NwbLocation {
  if (uri.startsWith('s3://')) {
    const rest = uri.slice('s3://'.length);
    const slash = rest.indexOf('/');
    const bucket = slash < 0 ? rest : rest.slice(0, slash);
    const key = slash < 0 ? '' : rest.slice(slash + 1).replace(/\/+$/, '');
    if (bucket.length === 0 || key.length === 0) {
      throw new NwbError('not-found', 'an S3 location needs a bucket and a key', {
        file: uri,
        hint: 'Write it as s3://bucket/path/to/session.nwb',
      });
    }
    return { kind: 's3', bucket, key, label: uri };
  }
  if (uri.startsWith('file://')) return { kind: 'local', path: fileURLToPath(uri), label: uri };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(uri)) {
    throw new NwbError('unsupported', 'unsupported URI scheme', {
      file: uri,
      hint: 'Use a local path, a file:// URI or an s3:// URI',
    });
  }
  return { kind: 'local', path: path.resolve(uri), label: uri };
}

/** A Zarr store on local disk (zarrita's file-system store, plus folder listing). */
export class LocalZarrStore implements ZarrStore {
  private readonly files: FileSystemStore;

  constructor(private readonly root: string) {
    this.files = new FileSystemStore(root);
  }

  get(key: AbsolutePath): Promise<Uint8Array | undefined> {
    return this.files.get(key);
  }

  async listDir(prefix: AbsolutePath): Promise<string[]> {
    return fs.readdir(path.join(this.root, prefix.slice(1)));
  }
}
