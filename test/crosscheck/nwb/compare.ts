// Comparison of our columnar tables with the reference's JSON dump (`{"columns", "dtypes",
// "index", "data"}`, NaN -> null, inf -> "inf"/"-inf"): columns, rows, dtypes, then cell by cell
// (test/support/compare-cells.ts) to 1e-12 relative error.
import type { Column, Table } from '../../../src/nwb/types.js';
import { cellsAgree, type Tolerance } from '../../support/compare-cells.js';
import type { ReferenceTable } from '../../support/reference.js';

const TOLERANCE: Tolerance = { rel: 1e-12, abs: 0 };

/** One of our cells in the reference's JSON vocabulary. */
function jsonCell(column: Column, i: number): unknown {
  const fromNumber = (v: number) =>
    Number.isNaN(v) ? null : v === Infinity ? 'inf' : v === -Infinity ? '-inf' : v;
  switch (column.kind) {
    case 'number':
      return fromNumber(column.values[i]);
    case 'bool':
      return column.values[i] === 1;
    case 'string':
      return column.values[i];
    case 'mixed': {
      const v = column.values[i];
      return typeof v === 'number' ? fromNumber(v) : v;
    }
    case 'vector':
      return Array.from(column.values.subarray(i * column.width, (i + 1) * column.width), fromNumber);
  }
}

/** Whether our column type is what pandas reports (`float64`, `int64`, `bool`, `str`/`object`, ...). */
function dtypeMatches(column: Column, refDtype: string): boolean {
  switch (column.kind) {
    case 'number':
      return refDtype === column.dtype;
    case 'bool':
      return refDtype === 'bool';
    case 'string':
      // Timestamps are kept as their ISO text; pandas holds them as datetime64.
      return refDtype === 'str' || refDtype === 'object' || refDtype.startsWith('datetime64');
    case 'mixed':
    case 'vector':
      return refDtype === 'object';
  }
}

const cellsEqual = (ours: unknown, ref: unknown) => cellsAgree(ours, ref, TOLERANCE);

export interface Mismatch {
  column: string;
  row: number;
  ours: unknown;
  ref: unknown;
}

/**
 * Differences between `ours` and `ref` (at most `limit`). With `tieKey`, rows whose `tieKey`
 * value is equal form a group compared as a multiset: the reference sorts with an unstable
 * quicksort, so the order inside such groups is arbitrary.
 */
export function compareTables(ours: Table, ref: ReferenceTable, options: { tieKey?: string; limit?: number } = {}): {
  columns: string[] | null;
  rows: [number, number] | null;
  mismatches: Mismatch[];
} {
  const limit = options.limit ?? 20;
  const sameColumns = JSON.stringify(ours.columns) === JSON.stringify(ref.columns);
  const refRows = ref.index.length;
  if (!sameColumns || ours.rowCount !== refRows) {
    return {
      columns: sameColumns ? null : [...ours.columns],
      rows: ours.rowCount === refRows ? null : [ours.rowCount, refRows],
      mismatches: [],
    };
  }
  const mismatches: Mismatch[] = [];
  const cols = ref.columns;
  for (const c of cols) {
    if (!dtypeMatches(ours.data[c], ref.dtypes[c]) && mismatches.length < limit) {
      mismatches.push({ column: c, row: -1, ours: ours.data[c].kind, ref: ref.dtypes[c] });
    }
  }
  const rowOurs = (i: number) => cols.map((c) => jsonCell(ours.data[c], i));
  const rowRef = (i: number) => cols.map((c) => ref.data[c][i]);
  const rowsEqual = (a: unknown[], b: unknown[]) => a.every((v, k) => cellsEqual(v, b[k]));
  const tieKey = options.tieKey;
  let i = 0;
  while (i < refRows && mismatches.length < limit) {
    let end = i + 1;
    if (tieKey !== undefined) {
      while (end < refRows && ref.data[tieKey][end] === ref.data[tieKey][i]) end++;
    }
    if (end - i === 1) {
      const a = rowOurs(i);
      const b = rowRef(i);
      cols.forEach((c, k) => {
        if (!cellsEqual(a[k], b[k]) && mismatches.length < limit) mismatches.push({ column: c, row: i, ours: a[k], ref: b[k] });
      });
    } else {
      // Match each reference row of the tie group with a distinct equal row of ours.
      const pool = Array.from({ length: end - i }, (_, k) => rowOurs(i + k));
      for (let r = i; r < end; r++) {
        const b = rowRef(r);
        const hit = pool.findIndex((a) => rowsEqual(a, b));
        if (hit < 0) {
          mismatches.push({ column: '(tie group row)', row: r, ours: pool, ref: b });
          break;
        }
        pool.splice(hit, 1);
      }
    }
    i = end;
  }
  return { columns: null, rows: null, mismatches };
}
