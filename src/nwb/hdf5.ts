/**
 * NWB on HDF5, read through h5wasm's Node build, which reads the file from disk on demand (a
 * dataset's bytes are read only when its value is asked for).
 */

import path from 'node:path';
import type { Dataset as H5Dataset, File as H5File, Group as H5Group } from 'h5wasm/node';

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

type Metadata = H5Dataset['metadata'];

// HDF5 datatype classes (H5T_class_t) that NWB uses.
const H5T_INTEGER = 0;
const H5T_FLOAT = 1;
const H5T_STRING = 3;
const H5T_ENUM = 8;

type H5 = (typeof import('h5wasm/node'))['default'];
let loading: Promise<H5> | undefined;

/**
 * Loads h5wasm once, on the first HDF5 file (compiling its wasm is slow, and Zarr-only runs
 * should not pay for it), and makes HDF5 library errors throw instead of printing.
 */
function loadH5(): Promise<H5> {
  loading ??= import('h5wasm/node').then(async ({ default: h5 }) => {
    const module = await h5.ready;
    module.activate_throwing_error_handler();
    return h5;
  });
  return loading;
}

/** The most specific line of an HDF5 error stack, e.g. "truncated file: eof = 1400000, ...". */
function hdf5Reason(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const lines = text.split('\n').filter((l) => /#\d+:/.test(l));
  const last = lines.at(-1);
  if (last === undefined) return text.split('\n')[0] ?? text;
  return last.replace(/^.*\(\): /, '').trim();
}

export async function openHdf5(filePath: string, label: string): Promise<NwbSource> {
  const h5 = await loadH5();
  let file: H5File;
  try {
    file = new h5.File(path.resolve(filePath), 'r');
  } catch (err) {
    const reason = hdf5Reason(err);
    const truncated = /truncated/i.test(reason);
    throw new NwbError(truncated ? 'truncated' : 'corrupt', `cannot open HDF5 file: ${reason}`, {
      file: label,
      hint: truncated
        ? 'The file is shorter than its header says; download or copy it again'
        : 'The file is damaged; download or copy it again from the original data asset',
      cause: err,
    });
  }
  return new Hdf5Source(h5, file, label);
}

class Hdf5Source implements NwbSource {
  readonly format = 'hdf5' as const;

  constructor(
    private readonly h5: H5,
    private readonly file: H5File,
    readonly label: string,
  ) {}

  /** Runs an h5wasm call, turning HDF5 library failures into NwbError naming the path. */
  private guard<T>(p: string, fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (err instanceof NwbError) throw err;
      throw new NwbError('corrupt', `cannot read: ${hdf5Reason(err)}`, {
        file: this.label,
        field: p,
        hint: 'The file is damaged or truncated; download or copy it again',
        cause: err,
      });
    }
  }

  private entity(p: string): H5Dataset | H5Group | undefined {
    return this.guard(p, () => {
      const e = this.file.get(p);
      return e instanceof this.h5.Dataset || e instanceof this.h5.Group ? e : undefined;
    });
  }

  async kind(p: string): Promise<NodeKind | undefined> {
    const e = this.entity(normalizePath(p));
    if (e === undefined) return undefined;
    return e instanceof this.h5.Group ? 'group' : 'dataset';
  }

  async listGroup(p: string): Promise<string[]> {
    const norm = normalizePath(p);
    const e = this.entity(norm);
    if (!(e instanceof this.h5.Group)) throw missingField(this.label, norm);
    return this.guard(norm, () => e.keys()).sort();
  }

  async readAttributes(p: string): Promise<Record<string, AttributeValue>> {
    const norm = normalizePath(p);
    const e = this.entity(norm);
    if (e === undefined) throw missingField(this.label, norm);
    return this.guard(norm, () => {
      const out: Record<string, AttributeValue> = {};
      for (const [name, attr] of Object.entries(e.attrs)) {
        const v = attr.value;
        if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[name] = v;
        else if (typeof v === 'bigint') out[name] = int64ToNumber(v, this.label, `${norm}@${name}`);
        else if (Array.isArray(v) && v.every((x) => typeof x === 'string')) out[name] = v as string[];
        else if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
          out[name] = Array.from(v as ArrayLike<number | bigint>, (x) =>
            typeof x === 'bigint' ? int64ToNumber(x, this.label, `${norm}@${name}`) : x,
          );
        }
        // Other attribute types (references, compounds) carry nothing the analysis reads.
      }
      return out;
    });
  }

  async readDataset(p: string): Promise<Dataset> {
    const norm = normalizePath(p);
    const e = this.entity(norm);
    if (!(e instanceof this.h5.Dataset)) throw missingField(this.label, norm);
    return this.guard(norm, () => {
      const meta = e.metadata;
      const shape = meta.shape ?? [];
      const value = e.value;
      return { shape, column: this.toColumn(norm, meta, shape, value) };
    });
  }

  async readScalar(p: string): Promise<string | number | boolean> {
    const norm = normalizePath(p);
    return scalarOf(this.label, norm, await this.readDataset(norm));
  }

  async close(): Promise<void> {
    this.file.close();
  }

  private toColumn(p: string, meta: Metadata, shape: readonly number[], value: unknown): Column {
    const unsupported = (what: string) =>
      new NwbError('unsupported', `unsupported HDF5 datatype (${what})`, {
        file: this.label,
        field: p,
        hint: 'This dataset is not part of what the dynamic-foraging analysis reads',
      });
    if (meta.type === H5T_STRING) {
      const values = Array.isArray(value) ? value.map(String) : [String(value)];
      return { kind: 'string', values };
    }
    if (meta.type === H5T_ENUM) {
      // hdmf writes booleans as the enum {FALSE: 0, TRUE: 1}; h5wasm returns the codes.
      const members = meta.enum_type?.members ?? {};
      if (members.FALSE !== 0 || members.TRUE !== 1 || Object.keys(members).length !== 2) {
        throw unsupported(`enum ${JSON.stringify(members)}`);
      }
      const codes = value as ArrayLike<number>;
      return { kind: 'bool', values: Uint8Array.from(typeof codes === 'number' ? [codes] : codes) };
    }
    if (meta.type === H5T_FLOAT || meta.type === H5T_INTEGER) {
      const dtype = numericDtype(meta);
      if (dtype === undefined) throw unsupported(`${meta.size}-byte number`);
      const values = toFloat64(value, (b) => int64ToNumber(b, this.label, p));
      if (shape.length === 2) return { kind: 'vector', dtype, width: shape[1], values };
      if (shape.length > 2) throw unsupported(`${shape.length}-D array`);
      return { kind: 'number', dtype, values };
    }
    throw unsupported(`class ${meta.type}`);
  }
}

function numericDtype(meta: Metadata): NumericDtype | undefined {
  if (meta.type === H5T_FLOAT) {
    return meta.size === 8 ? 'float64' : meta.size === 4 ? 'float32' : undefined;
  }
  const bits = meta.size * 8;
  if (![8, 16, 32, 64].includes(bits)) return undefined;
  return `${meta.signed ? 'int' : 'uint'}${bits}` as NumericDtype;
}

function toFloat64(value: unknown, fromBig: (b: bigint) => number): Float64Array {
  if (typeof value === 'number') return Float64Array.of(value);
  if (typeof value === 'bigint') return Float64Array.of(fromBig(value));
  if (value instanceof Float64Array) return value;
  if (value instanceof BigInt64Array || value instanceof BigUint64Array) {
    const out = new Float64Array(value.length);
    for (let i = 0; i < value.length; i++) out[i] = fromBig(value[i]);
    return out;
  }
  return Float64Array.from(value as ArrayLike<number>);
}
