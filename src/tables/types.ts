// A column-oriented table, the one shape every writer in this folder takes. Columns keep the
// pandas semantics the reference's tables have: a missing float is NaN, a missing string is null,
// booleans are never missing (pandas would make such a column `object`).

interface Named {
  name: string;
}

/** float64; NaN is "missing", as in pandas. */
export interface Float64Column extends Named {
  kind: 'float64';
  values: Float64Array;
}

export interface Int32Column extends Named {
  kind: 'int32';
  values: Int32Array;
}

/** int64; a Float64Array must hold safe integers only (no NaN: use a float64 column then). */
export interface Int64Column extends Named {
  kind: 'int64';
  values: BigInt64Array | Float64Array | Int32Array;
}

/** bool; a Uint8Array holds 0/1. */
export interface BoolColumn extends Named {
  kind: 'bool';
  values: Uint8Array | readonly boolean[];
}

export interface StringColumn extends Named {
  kind: 'string';
  values: readonly (string | null)[];
}

/**
 * pandas `category` with a declared list of categories: every file written with the same list
 * reads back with the same categories in that order (unused ones included), so a mouse's sessions
 * concatenate into one category column and an ordered column sorts by it. Each value is one of
 * the categories or null (missing).
 */
export interface CategoryColumn extends Named {
  kind: 'category';
  values: readonly (string | null)[];
  categories: readonly string[];
  ordered?: boolean;
}

/** One array of float64 per row (e.g. a trial's samples); null is a missing row. */
export interface Float64ListColumn extends Named {
  kind: 'list<float64>';
  values: readonly (Float64Array | readonly number[] | null)[];
}

/**
 * Timestamps as milliseconds since the Unix epoch (NaN = NaT), stored with microsecond
 * resolution. Naive (no time zone) unless `timezone: 'UTC'`.
 */
export interface TimestampColumn extends Named {
  kind: 'timestamp';
  values: Float64Array;
  timezone?: 'UTC';
}

export type Column =
  | Float64Column
  | Int32Column
  | Int64Column
  | BoolColumn
  | StringColumn
  | CategoryColumn
  | Float64ListColumn
  | TimestampColumn;

export type ColumnKind = Column['kind'];

export interface ColumnTable {
  columns: readonly Column[];
}

/** Row count, after checking that every column has it and that names are unique. */
export function checkTable(table: ColumnTable): number {
  const names = new Set<string>();
  let rows = -1;
  for (const column of table.columns) {
    if (names.has(column.name)) throw new Error(`table: duplicate column name "${column.name}"`);
    names.add(column.name);
    const n = column.values.length;
    if (rows === -1) rows = n;
    else if (n !== rows) {
      throw new Error(`table: column "${column.name}" has ${n} rows, expected ${rows}`);
    }
    if (column.kind === 'category') checkCategories(column);
    if (column.kind === 'int64' && column.values instanceof Float64Array) {
      for (const v of column.values) {
        if (!Number.isSafeInteger(v)) {
          throw new Error(`table: int64 column "${column.name}" holds a non-integer value ${v}`);
        }
      }
    }
  }
  return Math.max(rows, 0);
}

function checkCategories(column: CategoryColumn): void {
  const known = new Set<string>();
  for (const c of column.categories) {
    if (known.has(c)) throw new Error(`table: category column "${column.name}" repeats the category "${c}"`);
    known.add(c);
  }
  for (const v of column.values) {
    if (v !== null && !known.has(v)) {
      throw new Error(`table: category column "${column.name}": "${v}" is not one of its categories (${column.categories.join(', ')})`);
    }
  }
}
