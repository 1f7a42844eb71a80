/**
 * NWB on Zarr v2 (as written by hdmf-zarr), read through zarrita from any `ZarrStore`.
 *
 * Structure and attributes come from the consolidated `.zmetadata` when the store has one (one
 * request for the whole tree), else from the per-node `.zgroup`/`.zarray`/`.zattrs` keys and the
 * store's folder listing. Chunks are fetched only for the datasets that are read.
 */

import type { AbsolutePath, AsyncReadable } from '@zarrita/storage';
import * as zarr from 'zarrita';

import { NwbError } from './errors.js';
import {
  int64ToNumber,
  missingField,
  normalizePath,
  scalarOf,
  type AttributeValue,
  type Dataset,
  type NodeKind,
  type NwbSource,
} from './source.js';
import type { Column, NumericDtype } from './types.js';

/** A Zarr key-value store that can also list a folder (used when there is no `.zmetadata`). */
export interface ZarrStore extends AsyncReadable {
  /** Names directly under `prefix` (`/` or `/a/b`), files and folders alike. */
  listDir(prefix: AbsolutePath): Promise<string[]>;
}

interface ZarrayMeta {
  readonly shape: number[];
  readonly dtype: string;
  readonly filters?: { id: string }[] | null;
  readonly compressor?: { id: string } | null;
}

const METADATA_FILES = new Set(['.zarray', '.zgroup', '.zattrs', '.zmetadata']);

/**
 * hdmf-zarr stores datetimes (session_start_time, ...) as variable-length bytes; the byte layout
 * is numcodecs' VLenBytes (item count, then length-prefixed items), which zarrita lacks. The
 * values are ISO-8601 text, so they are decoded as UTF-8 strings.
 */
class VLenBytes {
  readonly kind = 'array_to_bytes';
  readonly #shape: number[];

  constructor(shape: number[]) {
    this.#shape = shape;
  }

  static fromConfig(_config: unknown, meta: { shape: number[] }): VLenBytes {
    return new VLenBytes(meta.shape);
  }

  encode(): never {
    throw new Error('vlen-bytes encoding is not supported');
  }

  decode(bytes: Uint8Array): { data: string[]; shape: number[]; stride: number[] } {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const decoder = new TextDecoder();
    const data = new Array<string>(view.getUint32(0, true));
    let pos = 4;
    for (let i = 0; i < data.length; i++) {
      const n = view.getUint32(pos, true);
      pos += 4;
      data[i] = decoder.decode(bytes.subarray(pos, pos + n));
      pos += n;
    }
    return { data, shape: this.#shape, stride: strides(this.#shape) };
  }
}

function strides(shape: number[]): number[] {
  const out = new Array<number>(shape.length);
  let step = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    out[i] = step;
    step *= shape[i];
  }
  return out;
}

(zarr.registry as Map<string, unknown>).set('numcodecs.vlen-bytes', () => VLenBytes);

/** Opens the Zarr NWB held by `store`; `label` names it in errors. */
export async function openZarr(store: ZarrStore, label: string): Promise<NwbSource> {
  const consolidated = await readJson(store, label, '/.zmetadata');
  const meta = new Map<string, unknown>();
  if (consolidated !== undefined) {
    const entries = (consolidated as { metadata?: Record<string, unknown> }).metadata;
    if (entries === undefined || typeof entries !== 'object') {
      throw new NwbError('corrupt', 'invalid consolidated metadata (.zmetadata)', {
        file: label,
        field: '.zmetadata',
        hint: 'Re-consolidate the store (zarr.consolidate_metadata) or remove the broken .zmetadata',
      });
    }
    for (const [key, value] of Object.entries(entries)) meta.set(`/${key}`, value);
  }
  const root = await (consolidated !== undefined ? meta.get('/.zgroup') : readJson(store, label, '/.zgroup'));
  if (root === undefined) {
    throw new NwbError('not-nwb', 'not a Zarr group (no .zgroup at the top)', {
      file: label,
      hint: 'Point at the top folder of a Zarr NWB session (the one holding .zgroup and acquisition/)',
    });
  }
  return new ZarrSource(store, label, consolidated !== undefined ? meta : undefined);
}

/** Sentinel strings standing for the bare NaN/Infinity tokens while JSON.parse runs. */
const NON_FINITE: Record<string, number> = {
  '\u0000NaN': Number.NaN,
  '\u0000Infinity': Number.POSITIVE_INFINITY,
  '\u0000-Infinity': Number.NEGATIVE_INFINITY,
};

/**
 * JSON.parse that also accepts the bare `NaN`, `Infinity` and `-Infinity` tokens zarr-python
 * and hdmf-zarr write for non-finite attribute values (Python's json module reads them).
 */
function parseZarrJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // Fall through to the token-aware pass (far slower, so only when needed).
  }
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      // Copy a string literal verbatim, escapes included.
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    const token = ['NaN', 'Infinity', '-Infinity'].find((t) => text.startsWith(t, i));
    if (token !== undefined) {
      out += JSON.stringify(`\u0000${token}`);
      i += token.length;
      continue;
    }
    out += c;
    i++;
  }
  return JSON.parse(out, (_key, value: unknown) =>
    typeof value === 'string' && value in NON_FINITE ? NON_FINITE[value] : value,
  );
}

async function readJson(store: AsyncReadable, label: string, key: AbsolutePath): Promise<unknown> {
  const bytes = await store.get(key);
  if (bytes === undefined) return undefined;
  try {
    return parseZarrJson(new TextDecoder().decode(bytes));
  } catch (err) {
    throw new NwbError('corrupt', 'metadata is not valid JSON', {
      file: label,
      field: key,
      hint: 'The Zarr store is damaged; copy or download it again',
      cause: err,
    });
  }
}

/** hdmf-zarr links: `zarr_link` (hdmf-zarr < 0.14) or `_LINKS` on the group holding them. */
interface ZarrLink {
  readonly name: string;
  readonly source: string;
  readonly path: string;
}

function linksOf(attrs: unknown): ZarrLink[] {
  const a = (attrs ?? {}) as { zarr_link?: ZarrLink[]; _LINKS?: ZarrLink[] };
  return [...(a.zarr_link ?? []), ...(a._LINKS ?? [])];
}

class ZarrSource implements NwbSource {
  readonly format = 'zarr' as const;
  /** Metadata documents fetched so far (only used without consolidated metadata). */
  private readonly fetched = new Map<string, Promise<unknown>>();

  constructor(
    private readonly store: ZarrStore,
    readonly label: string,
    /** Consolidated metadata keyed `/path/.zarray`; undefined when the store has none. */
    private readonly consolidated: Map<string, unknown> | undefined,
  ) {}

  /**
   * The store zarrita sees while reading one array: metadata from memory, and chunks checked,
   * because zarrita and numcodecs stay silent on damage (a missing chunk becomes fill values, a
   * cut blosc chunk decodes to zeros).
   */
  private checkedStore(zarray: ZarrayMeta, io: { error?: unknown }): AsyncReadable {
    const truncated = (key: string, what: string) =>
      new NwbError('truncated', what, {
        file: this.label,
        field: key,
        hint: 'The Zarr store is incomplete; copy or download the whole folder again',
      });
    return {
      get: async (key: AbsolutePath) => {
        const name = key.slice(key.lastIndexOf('/') + 1);
        const read = async <T>(f: () => Promise<T>): Promise<T> => {
          try {
            return await f();
          } catch (err) {
            io.error ??= err;
            throw err;
          }
        };
        if (METADATA_FILES.has(name)) {
          const known = await read(() => this.meta(key));
          return known === undefined ? undefined : new TextEncoder().encode(JSON.stringify(known));
        }
        const bytes = await read(() => this.store.get(key));
        // hdmf-zarr writes every chunk, even all-fill ones, so an absent chunk is a cut copy.
        if (bytes === undefined) throw truncated(key, 'chunk is missing');
        // A blosc chunk's header records its compressed size (bytes 12-15).
        if (zarray.compressor?.id === 'blosc') {
          const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
          if (bytes.byteLength < 16 || view.getUint32(12, true) !== bytes.byteLength) {
            throw truncated(key, `chunk is cut short (${bytes.byteLength} bytes)`);
          }
        }
        return bytes;
      },
    };
  }

  private async meta(key: string): Promise<unknown> {
    if (this.consolidated !== undefined) return this.consolidated.get(key);
    let doc = this.fetched.get(key);
    if (doc === undefined) {
      doc = readJson(this.store, this.label, key as AbsolutePath);
      this.fetched.set(key, doc);
    }
    return doc;
  }

  private key(p: string, file: string): string {
    return p === '/' ? `/${file}` : `${p}/${file}`;
  }

  /** Where `p` really lives: itself, or the target of an hdmf-zarr link (pynwb follows them). */
  private async resolve(p: string, depth = 0): Promise<{ path: string; kind: NodeKind } | undefined> {
    const norm = normalizePath(p);
    if ((await this.meta(this.key(norm, '.zarray'))) !== undefined) return { path: norm, kind: 'dataset' };
    if ((await this.meta(this.key(norm, '.zgroup'))) !== undefined) return { path: norm, kind: 'group' };
    if (norm === '/' || depth > 8) return undefined;
    const cut = norm.lastIndexOf('/');
    const parent = await this.resolve(norm.slice(0, cut) || '/', depth + 1);
    if (parent === undefined) return undefined;
    const link = linksOf(await this.meta(this.key(parent.path, '.zattrs'))).find((l) => l.name === norm.slice(cut + 1));
    if (link === undefined) return undefined;
    if (link.source !== '.') {
      throw new NwbError('unsupported', `link to another file (${link.source})`, {
        file: this.label,
        field: norm,
        hint: 'Sessions must be self-contained; export the NWB file with link_data=False',
      });
    }
    return this.resolve(link.path, depth + 1);
  }

  async kind(p: string): Promise<NodeKind | undefined> {
    return (await this.resolve(p))?.kind;
  }

  async listGroup(p: string): Promise<string[]> {
    const resolved = await this.resolve(p);
    if (resolved?.kind !== 'group') throw missingField(this.label, normalizePath(p));
    const norm = resolved.path;
    const links = linksOf(await this.meta(this.key(norm, '.zattrs'))).map((l) => l.name);
    if (this.consolidated === undefined) {
      const names = await this.store.listDir(norm as AbsolutePath);
      return [...new Set([...names.filter((n) => !n.startsWith('.')), ...links])].sort();
    }
    const prefix = norm === '/' ? '/' : `${norm}/`;
    const children = new Set<string>(links);
    for (const key of this.consolidated.keys()) {
      if (!key.startsWith(prefix)) continue;
      const rest = key.slice(prefix.length).split('/');
      if (rest.length === 2 && (rest[1] === '.zgroup' || rest[1] === '.zarray')) children.add(rest[0]);
    }
    return [...children].sort();
  }

  async readAttributes(p: string): Promise<Record<string, AttributeValue>> {
    const resolved = await this.resolve(p);
    if (resolved === undefined) throw missingField(this.label, normalizePath(p));
    const attrs = await this.meta(this.key(resolved.path, '.zattrs'));
    return (attrs ?? {}) as Record<string, AttributeValue>;
  }

  async readDataset(p: string): Promise<Dataset> {
    const resolved = await this.resolve(p);
    if (resolved?.kind !== 'dataset') throw missingField(this.label, normalizePath(p));
    const norm = resolved.path;
    const zarray = (await this.meta(this.key(norm, '.zarray'))) as ZarrayMeta;
    const unsupported = (what: string) =>
      new NwbError('unsupported', `unsupported Zarr data (${what})`, {
        file: this.label,
        field: norm,
        hint: 'This dataset is not part of what the dynamic-foraging analysis reads',
      });
    const filters = (zarray.filters ?? []).map((f) => f.id);
    if (zarray.dtype === '|O' && !(filters.length === 1 && (filters[0] === 'vlen-utf8' || filters[0] === 'vlen-bytes'))) {
      throw unsupported(`object dtype with filters [${filters.join(', ')}]`);
    }
    let data: unknown;
    // zarrita cannot read a zero-length array ("empty iterator"); hdmf-zarr writes them, e.g. the
    // lick times of a session without right licks. Nothing to read: an empty column.
    if (zarray.shape.includes(0)) {
      data = zarray.dtype === '|O' ? [] : zarray.dtype === '|b1' ? new zarr.BoolArray(0) : new Float64Array(0);
    } else {
      // A failed read of the store (S3 down, network) is transient: rethrown as it is, so the
      // activity retries; zarrita would let it pass for a decoding error of a damaged file.
      const io: { error?: unknown } = {};
      try {
        const location = zarr.root(this.checkedStore(zarray, io)).resolve(norm.slice(1));
        const arr = await zarr.open.v2(location, { kind: 'array', attrs: false });
        data = (await zarr.get(arr)).data;
      } catch (err) {
        if (err instanceof NwbError) throw err;
        if (io.error !== undefined) throw io.error;
        throw new NwbError('corrupt', `cannot decode: ${err instanceof Error ? err.message : String(err)}`, {
          file: this.label,
          field: norm,
          hint: 'The Zarr store is damaged; copy or download it again',
          cause: err,
        });
      }
    }
    const shape = zarray.shape;
    return { shape, column: this.toColumn(norm, zarray.dtype, shape, data, unsupported) };
  }

  async readScalar(p: string): Promise<string | number | boolean> {
    const norm = normalizePath(p);
    return scalarOf(this.label, norm, await this.readDataset(norm));
  }

  async close(): Promise<void> {
    // Nothing is held open: every read is a separate store request.
  }

  private toColumn(
    p: string,
    dtype: string,
    shape: readonly number[],
    data: unknown,
    unsupported: (what: string) => NwbError,
  ): Column {
    if (Array.isArray(data)) return { kind: 'string', values: data.map(String) };
    if (data instanceof zarr.BoolArray) {
      return { kind: 'bool', values: new Uint8Array(data.buffer, data.byteOffset, data.length).slice() };
    }
    const numeric = ZARR_NUMERIC[dtype.slice(1)];
    if (numeric === undefined) throw unsupported(`dtype ${dtype}`);
    let values: Float64Array;
    if (data instanceof Float64Array) values = data;
    else if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
      values = new Float64Array(data.length);
      for (let i = 0; i < data.length; i++) values[i] = int64ToNumber(data[i], this.label, p);
    } else values = Float64Array.from(data as ArrayLike<number>);
    if (shape.length === 2) return { kind: 'vector', dtype: numeric, width: shape[1], values };
    if (shape.length > 2) throw unsupported(`${shape.length}-D array`);
    return { kind: 'number', dtype: numeric, values };
  }
}

const ZARR_NUMERIC: Record<string, NumericDtype> = {
  f8: 'float64',
  f4: 'float32',
  i1: 'int8',
  i2: 'int16',
  i4: 'int32',
  i8: 'int64',
  u1: 'uint8',
  u2: 'uint16',
  u4: 'uint32',
  u8: 'uint64',
};
