// Output tables of the grouped photometry analysis, with the reference's column names: the
// per-session tables (NWB-reader columns converted to the writers' ColumnTable) and the
// per-mouse ones (sessions, rpe_slope). A column has one declared type in every session whatever
// the file stored (older files hold numbers where newer ones hold text), so that pandas
// concatenates a mouse's tables without turning columns into `object`.
import type { Column as NwbColumn, Table } from '../../nwb/types.js';
import { binLabels } from '../../science/bins.js';
import { pythonFloatRepr, type CategoryColumn, type Column, type ColumnTable } from '../../tables/index.js';

const INT_DTYPES = new Set(['int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64']);

/** A mixed (number | string) cell as pandas shows it after `astype(str)`; NaN stays missing. */
function cellText(v: number | string | null): string | null {
  if (v === null) return null;
  if (typeof v === 'string') return v;
  return Number.isNaN(v) ? null : pythonFloatRepr(v);
}

/**
 * One NWB-reader column as writer columns. Integer dtypes stay int64 (pandas keeps them), a
 * 2-wide vector becomes `_low`/`_high` as the reference's save() splits confidence intervals.
 */
export function writerColumns(name: string, column: NwbColumn): Column[] {
  switch (column.kind) {
    case 'number':
      return [
        INT_DTYPES.has(column.dtype) && column.values.every((v) => Number.isSafeInteger(v))
          ? { name, kind: 'int64', values: column.values }
          : { name, kind: 'float64', values: column.values },
      ];
    case 'bool':
      return [{ name, kind: 'bool', values: column.values }];
    case 'string':
      return [{ name, kind: 'string', values: column.values }];
    case 'mixed':
      return [{ name, kind: 'string', values: column.values.map((v) => cellText(v)) }];
    case 'vector': {
      const w = column.width;
      const suffixes = w === 2 ? ['low', 'high'] : Array.from({ length: w }, (_, k) => String(k));
      return suffixes.map((s, k) => ({
        name: `${name}_${s}`,
        kind: 'float64' as const,
        values: Float64Array.from({ length: column.values.length / w }, (_, r) => column.values[r * w + k]),
      }));
    }
  }
}

/** A cell of any one-value-per-row column: a number (booleans 0/1), a string, or null (missing or NaN). */
function cellOf(column: NwbColumn, row: number): number | string | null {
  if (column.kind === 'vector') return null;
  const v = column.values[row];
  return typeof v === 'number' && Number.isNaN(v) ? null : v;
}

/** A cell as pandas prints it: integers without a fraction, floats as Python's repr, True/False; null when missing. */
function cellString(column: NwbColumn, row: number): string | null {
  const v = cellOf(column, row);
  if (column.kind === 'bool') return v ? 'True' : 'False';
  if (column.kind === 'number' && v !== null && INT_DTYPES.has(column.dtype)) return String(v);
  return cellText(v);
}

/**
 * Columns that are text in every session, as newer files store them, where older files store
 * numbers: the reward type of a trial's first delivery ('earned' / 'auto' / 'manual'; older files
 * 1.0 = delivered, written "1.0") and, in the sessions table, the file suffix (HHMMSS; an integer
 * in older files), rig and user name (0 without metadata) and `if_overriden_by_trainer` (NaN
 * when all missing).
 */
const TEXT_COLUMNS = new Set(['left_reward_type', 'right_reward_type', 'nwb_suffix', 'rig', 'user_name', 'if_overriden_by_trainer']);

export function writerTable(table: Table): Column[] {
  return table.columns.flatMap((c): Column[] => {
    const column = table.data[c];
    if (!TEXT_COLUMNS.has(c)) return writerColumns(c, column);
    return [{ name: c, kind: 'string', values: Array.from({ length: table.rowCount }, (_, i) => cellString(column, i)) }];
  });
}

/** A binned column (`RPE-binned3`, `Qch-binned3`): ordered, with every label as a category in bin-edge order. */
export function binColumn(name: string, codes: ArrayLike<number>, labels: readonly string[]): CategoryColumn {
  return { name, kind: 'category', ordered: true, categories: labels, values: binLabels(codes, labels) };
}

/**
 * df_events plus ses_idx. The reference casts `data` to str on saving (numbers and reward types
 * alike); here `data` is float64 (the series' value where it is a number, else NaN) and
 * `data_text` the value where it is text (the reward type of a delivery in newer files), so both
 * columns have one type in every session.
 */
export function eventsTable(events: Table, sesIdx: string): ColumnTable {
  const columns = events.columns.flatMap((c): Column[] => {
    const col = events.data[c];
    if (c !== 'data') return writerColumns(c, col);
    const numbers = new Float64Array(events.rowCount);
    const text: (string | null)[] = new Array<string | null>(events.rowCount).fill(null);
    for (let i = 0; i < events.rowCount; i++) {
      const v = cellOf(col, i);
      numbers[i] = typeof v === 'number' ? v : Number.NaN;
      if (typeof v === 'string') text[i] = v;
    }
    return [
      { name: 'data', kind: 'float64', values: numbers },
      { name: 'data_text', kind: 'string', values: text },
    ];
  });
  columns.push({ name: 'ses_idx', kind: 'string', values: new Array<string>(events.rowCount).fill(sesIdx) });
  return { columns };
}

/**
 * Concatenates one-row df_session tables (sessions may differ in columns and kinds: older files
 * give numbers where newer ones give strings). `session_date` is a date (a timestamp, as
 * rpe_slope.date), TEXT_COLUMNS are text; otherwise a column whose cells are all numbers stays
 * numeric, all booleans stays bool, anything else becomes text; absent cells are missing.
 */
export function concatSessionRows(rows: readonly Table[]): Column[] {
  const names: string[] = [];
  for (const t of rows) for (const c of t.columns) if (!names.includes(c)) names.push(c);
  return names.map((name): Column => {
    const cells = rows.map((t) => t.data[name]);
    if (name === 'session_date') {
      // a date, of the same type as rpe_slope.date (CSV: YYYY-MM-DD as before)
      return { name, kind: 'timestamp', values: Float64Array.from(cells, (c) => (c?.kind === 'string' && c.values[0] !== null ? dateMs(c.values[0]) : NaN)) };
    }
    const text = TEXT_COLUMNS.has(name);
    if (!text && cells.every((c) => c?.kind === 'bool')) {
      return { name, kind: 'bool', values: Uint8Array.from(cells, (c) => (c as { values: Uint8Array }).values[0]) };
    }
    if (!text && cells.every((c) => c === undefined || c.kind === 'number')) {
      const values = Float64Array.from(cells, (c) => (c === undefined ? NaN : (c.values[0] as number)));
      const ints = cells.every((c) => c !== undefined && INT_DTYPES.has(c.kind === 'number' ? c.dtype : ''));
      return ints && values.every(Number.isSafeInteger) ? { name, kind: 'int64', values } : { name, kind: 'float64', values };
    }
    return { name, kind: 'string', values: cells.map((c) => (c === undefined ? null : cellString(c, 0))) };
  });
}

/** Milliseconds since the epoch of a YYYY-MM-DD date (UTC midnight), as pandas Timestamp(date). */
export function dateMs(date: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  return m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : NaN;
}

export interface SlopeRow {
  subjectId: string;
  date: string;
  channel: string;
  pos: number;
  neg: number;
}

/** `rpe_slope` with the reference's columns; `date` a timestamp (CSV: YYYY-MM-DD). */
export function rpeSlopeTable(rows: readonly SlopeRow[]): ColumnTable {
  return {
    columns: [
      { name: 'subject_id', kind: 'string', values: rows.map((r) => r.subjectId) },
      { name: 'date', kind: 'timestamp', values: Float64Array.from(rows, (r) => dateMs(r.date)) },
      { name: 'channel', kind: 'string', values: rows.map((r) => r.channel) },
      { name: 'slope (RPE >= 0)', kind: 'float64', values: Float64Array.from(rows, (r) => r.pos) },
      { name: 'slope (RPE < 0)', kind: 'float64', values: Float64Array.from(rows, (r) => r.neg) },
    ],
  };
}
