/**
 * Columnar data types shared by the NWB readers and the per-session tables.
 *
 * Every numeric dtype is held in a Float64Array: NWB stores times and parameters as float64, and
 * its int64 columns (ids, flags) are small integers, exactly representable below 2^53 (readers
 * refuse larger ones). The original dtype is kept beside the values so the tables can report the
 * dtype pandas would.
 */

export type NumericDtype =
  | 'float64'
  | 'float32'
  | 'int8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'uint8'
  | 'uint16'
  | 'uint32'
  | 'uint64';

export interface NumberColumn {
  readonly kind: 'number';
  readonly dtype: NumericDtype;
  readonly values: Float64Array;
}

/** 0/1 per row; NWB booleans are HDF5 enums {FALSE, TRUE} or Zarr `|b1`. */
export interface BoolColumn {
  readonly kind: 'bool';
  readonly values: Uint8Array;
}

/** `null` marks a missing value (pandas NaN / None in an object column). */
export interface StringColumn {
  readonly kind: 'string';
  readonly values: readonly (string | null)[];
}

/** A fixed-width vector per row (a 2-D NWB column such as a confidence interval), row-major. */
export interface VectorColumn {
  readonly kind: 'vector';
  readonly dtype: NumericDtype;
  readonly width: number;
  readonly values: Float64Array;
}

/**
 * A column whose values are numbers or strings row by row: an NWB series whose `data` is a
 * reward type string in newer files and a number in older ones, after concatenation with numeric
 * rows (pandas object dtype). NaN marks a missing value.
 */
export interface MixedColumn {
  readonly kind: 'mixed';
  readonly values: readonly (number | string)[];
}

export type Column = NumberColumn | BoolColumn | StringColumn | VectorColumn | MixedColumn;

/** A column-oriented table: `columns` gives the order, `data` the values, all of `rowCount` rows. */
export interface Table {
  readonly columns: readonly string[];
  readonly rowCount: number;
  readonly data: Readonly<Record<string, Column>>;
}

/** Number of rows a column holds. */
export function columnLength(column: Column): number {
  return column.kind === 'vector' ? column.values.length / column.width : column.values.length;
}
