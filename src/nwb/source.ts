/**
 * One read interface over NWB files on HDF5 and on Zarr.
 *
 * Paths are absolute inside the file (`/intervals/trials/goCue_start_time`). Nothing is read
 * until a method is called, and each call reads only the node it names, so a caller that never
 * asks for a photometry channel never pays for it.
 */

import { NwbError } from './errors.js';
import type { Column } from './types.js';

export type NwbFormat = 'hdf5' | 'zarr';
export type NodeKind = 'group' | 'dataset';
export type AttributeValue = string | number | boolean | readonly string[] | readonly number[];

/** A dataset's values, flattened row-major, with its shape (`[]` for an HDF5 scalar). */
export interface Dataset {
  readonly shape: readonly number[];
  readonly column: Column;
}

export interface NwbSource {
  readonly format: NwbFormat;
  /** The file, folder or URI the user named; used in every error message. */
  readonly label: string;
  /** Whether `path` is a group, a dataset, or absent. */
  kind(path: string): Promise<NodeKind | undefined>;
  /** Names of the children of a group, sorted; throws NwbError if `path` is not a group. */
  listGroup(path: string): Promise<string[]>;
  readAttributes(path: string): Promise<Record<string, AttributeValue>>;
  /** All values of a dataset; throws NwbError if absent. */
  readDataset(path: string): Promise<Dataset>;
  /** A single value (an HDF5 scalar, or a one-element Zarr array tagged as scalar). */
  readScalar(path: string): Promise<string | number | boolean>;
  close(): Promise<void>;
}

/** Shared by both formats: a scalar is a dataset holding exactly one value. */
export function scalarOf(label: string, path: string, dataset: Dataset): string | number | boolean {
  const { column, shape } = dataset;
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== 1) {
    throw new NwbError('unsupported', `expected a single value, found shape [${shape.join(', ')}]`, {
      file: label,
      field: path,
      hint: 'This field should hold one value; the file does not follow the NWB layout',
    });
  }
  switch (column.kind) {
    case 'number':
    case 'vector':
      return column.values[0];
    case 'bool':
      return column.values[0] === 1;
    case 'string':
    case 'mixed': {
      const value = column.values[0];
      return value ?? '';
    }
  }
}

/** Converts an int64 value to a JS number, refusing values that a double cannot hold exactly. */
export function int64ToNumber(value: bigint, label: string, path: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new NwbError('unsupported', `integer ${value} is too large to represent exactly`, {
      file: label,
      field: path,
      hint: 'Only integers below 2^53 are supported in NWB columns',
    });
  }
  return Number(value);
}

export function missingField(label: string, path: string, hint?: string): NwbError {
  return new NwbError('missing-field', 'required field is missing', {
    file: label,
    field: path,
    hint: hint ?? 'Check that the file is a complete dynamic-foraging NWB session (re-export it from the rig data)',
  });
}

/** Normalises a user path inside the file to `/a/b` form. */
export function normalizePath(path: string): string {
  const parts = path.split('/').filter((p) => p.length > 0);
  return `/${parts.join('/')}`;
}
