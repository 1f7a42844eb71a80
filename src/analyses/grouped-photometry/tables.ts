// Output tables of the grouped photometry analysis, with the reference's column names: the
// per-session tables (NWB-reader columns converted to the writers' ColumnTable) and the
// per-mouse ones (sessions, rpe_slope).
import type { Column as NwbColumn, Table } from '../../nwb/types.js';
import { pythonFloatRepr, type Column, type ColumnTable } from '../../tables/index.js';

const INT_DTYPES = new Set(['int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64']);

/** A mixed (number | string) cell as pandas shows it after `astype(str)`; NaN stays missing unless `nanText`. */
function cellText(v: number | string | null, nanText: string | null): string | null {
  if (v === null) return null;
  if (typeof v === 'string') return v;
  return Number.isNaN(v) ? nanText : pythonFloatRepr(v);
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
      return [{ name, kind: 'string', values: column.values.map((v) => cellText(v, null)) }];
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

export function writerTable(table: Table): Column[] {
  return table.columns.flatMap((c) => writerColumns(c, table.data[c]));
}

/** df_events as the reference saves it: `data` cast to str (NaN -> "nan"), plus ses_idx. */
export function eventsTable(events: Table, sesIdx: string): ColumnTable {
  const columns = events.columns.flatMap((c): Column[] => {
    const col = events.data[c];
    if (c !== 'data') return writerColumns(c, col);
    const values: (string | null)[] = [];
    for (let i = 0; i < events.rowCount; i++) {
      const v = col.kind === 'number' || col.kind === 'bool' ? col.values[i] : col.kind === 'mixed' || col.kind === 'string' ? col.values[i] : null;
      values.push(cellText(v, 'nan'));
    }
    return [{ name: 'data', kind: 'string', values }];
  });
  columns.push({ name: 'ses_idx', kind: 'string', values: new Array<string>(events.rowCount).fill(sesIdx) });
  return { columns };
}

/**
 * Concatenates one-row df_session tables (sessions may differ in columns and kinds: older files
 * give numbers where newer ones give strings). A column whose cells are all numbers stays
 * numeric, all booleans stays bool, anything else becomes text; absent cells are missing.
 */
export function concatSessionRows(rows: readonly Table[]): Column[] {
  const names: string[] = [];
  for (const t of rows) for (const c of t.columns) if (!names.includes(c)) names.push(c);
  return names.map((name): Column => {
    const cells = rows.map((t) => t.data[name]);
    if (cells.every((c) => c?.kind === 'bool')) {
      return { name, kind: 'bool', values: Uint8Array.from(cells, (c) => (c as { values: Uint8Array }).values[0]) };
    }
    if (cells.every((c) => c === undefined || c.kind === 'number')) {
      const values = Float64Array.from(cells, (c) => (c === undefined ? NaN : (c.values[0] as number)));
      const ints = cells.every((c) => c !== undefined && INT_DTYPES.has(c.kind === 'number' ? c.dtype : ''));
      return ints && values.every(Number.isSafeInteger) ? { name, kind: 'int64', values } : { name, kind: 'float64', values };
    }
    return {
      name,
      kind: 'string',
      values: cells.map((c) => {
        if (c === undefined || c.kind === 'vector') return null;
        const v = c.values[0];
        return typeof v === 'number' ? cellText(v, null) : (v ?? null);
      }),
    };
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
