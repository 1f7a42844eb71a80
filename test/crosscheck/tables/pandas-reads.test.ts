// pandas (pyarrow engine, in the reference venv) reads our Parquet back with the same values,
// dtypes and missing cells, and its own `to_csv` of that frame is byte-equal to our `toCsv`.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toCsv, toParquet, type ColumnTable } from '../../../src/tables/index.js';
import { runReferencePython } from '../../support/reference.js';

// Missing cells (NaN, None, NaT) become null; ints become strings (no 2^53 limit); timestamps ISO.
const READ_BACK = `
import sys, json, math
import numpy as np, pandas as pd
df = pd.read_parquet(sys.argv[1])
def cell(v):
    if isinstance(v, np.ndarray):
        return [cell(x) for x in v.tolist()]
    if v is None or v is pd.NaT or (isinstance(v, float) and math.isnan(v)):
        return None
    if isinstance(v, bool):
        return v
    if isinstance(v, int):
        return str(v)
    if isinstance(v, pd.Timestamp):
        return v.isoformat()
    return v
out = {
    'columns': list(df.columns),
    'dtypes': {c: str(t) for c, t in df.dtypes.items()},
    'values': {c: [cell(v) for v in df[c].tolist()] for c in df.columns},
    'categories': {c: {'values': list(df[c].cat.categories), 'ordered': bool(df[c].cat.ordered)}
                   for c in df.columns if str(df[c].dtype) == 'category'},
}
lists = [c for c in df.columns if str(df[c].dtype) == 'object']
for c in lists:
    df[c] = df[c].map(lambda a: None if a is None else a.tolist())
out['csv'] = df.to_csv()
print(json.dumps(out))
`;

// Doubles whose shortest repr takes every branch of Python's float formatting.
const trickyFloats = [1e16, 1.5e16, 1e15 + 0.5, 1e-4, 1e-5, 5e-324, 1.7976931348623157e308, 0.1 + 0.2, -0, 1 / 3, 2 / 3e-7];
const seeded = Array.from({ length: 200 }, (_, i) => Math.sin(i * 12.9898) * 43758.5453 * 10 ** ((i % 40) - 20));
const floats = new Float64Array([...trickyFloats, ...seeded]);
const n = floats.length;
const t0 = Date.UTC(2023, 10, 14, 11, 12, 44);

const table: ColumnTable = {
  columns: [
    { name: 'RPE_earned', kind: 'float64', values: floats.map((v, i) => (i % 17 === 5 ? NaN : v)) },
    { name: 'trial', kind: 'int32', values: Int32Array.from({ length: n }, (_, i) => i - 3) },
    { name: 'ses_idx', kind: 'int64', values: BigInt64Array.from({ length: n }, (_, i) => BigInt(i) * 2n ** 40n) },
    { name: 'rewarded_prev', kind: 'bool', values: Uint8Array.from({ length: n }, (_, i) => i % 3 === 0 ? 1 : 0) },
    {
      name: 'channel',
      kind: 'string',
      values: Array.from({ length: n }, (_, i) => (i % 7 === 0 ? null : ['G_1_dff-bright', 'R_2, "iso"', 'é\nü'][i % 3])),
    },
    {
      name: 'RPE-binned3',
      kind: 'category',
      // declared order, not the order of appearance; 'none' never occurs
      categories: ['low', 'mid', 'high', 'none'],
      ordered: true,
      values: Array.from({ length: n }, (_, i) => (i % 11 === 0 ? null : ['low', 'mid', 'high'][i % 3])),
    },
    {
      name: 'data_z_norm',
      kind: 'list<float64>',
      values: Array.from({ length: n }, (_, i) => (i % 13 === 0 ? null : Array.from({ length: i % 4 }, (_, k) => (k === 2 ? NaN : i + k / 8)))),
    },
    { name: 'date', kind: 'timestamp', values: Float64Array.from({ length: n }, (_, i) => (i % 9 === 0 ? NaN : Date.UTC(2024, 0, 1 + i))) },
    { name: 'choice_time', kind: 'timestamp', values: Float64Array.from({ length: n }, (_, i) => t0 + i * 1000.5) },
    { name: 'utc', kind: 'timestamp', timezone: 'UTC', values: Float64Array.from({ length: n }, (_, i) => t0 + i * 2) },
  ],
};

describe('pandas.read_parquet of toParquet output (reference venv)', () => {
  let dir: string;
  let result: {
    columns: string[];
    dtypes: Record<string, string>;
    values: Record<string, unknown[]>;
    categories: Record<string, { values: string[]; ordered: boolean }>;
    csv: string;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ga-pandas-reads-'));
    const file = join(dir, 'table.parquet');
    await writeFile(file, toParquet(table));
    result = JSON.parse((await runReferencePython(['-c', READ_BACK, file])).stdout);
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('keeps column names and gives pandas dtypes', () => {
    expect(result.columns).toEqual(table.columns.map((c) => c.name));
    expect(result.dtypes).toEqual({
      RPE_earned: 'float64',
      trial: 'int32',
      ses_idx: 'int64',
      rewarded_prev: 'bool',
      channel: 'str',
      'RPE-binned3': 'category',
      data_z_norm: 'object',
      date: 'datetime64[us]',
      choice_time: 'datetime64[us]',
      utc: 'datetime64[us, UTC]',
    });
    expect(result.categories['RPE-binned3']).toEqual({ values: ['low', 'mid', 'high', 'none'], ordered: true });
  });

  it('reads back every value and missing cell', () => {
    const expected: Record<string, unknown[]> = {};
    for (const c of table.columns) {
      switch (c.kind) {
        case 'float64':
          expected[c.name] = Array.from(c.values, (v) => (Number.isNaN(v) ? null : v));
          break;
        case 'int32':
        case 'int64':
          expected[c.name] = Array.from(c.values as ArrayLike<number | bigint>, String);
          break;
        case 'bool':
          expected[c.name] = Array.from(c.values as ArrayLike<number>, (v) => v === 1);
          break;
        case 'string':
        case 'category':
          expected[c.name] = [...c.values];
          break;
        case 'list<float64>':
          expected[c.name] = c.values.map((row) => (row === null ? null : Array.from(row, (v) => (Number.isNaN(v) ? null : v))));
          break;
        case 'timestamp': {
          const suffix = c.timezone === 'UTC' ? '+00:00' : '';
          expected[c.name] = Array.from(c.values, (ms) => {
            if (Number.isNaN(ms)) return null;
            const iso = new Date(Math.floor(ms)).toISOString().slice(0, 19);
            const us = Math.round((ms - Math.floor(ms / 1000) * 1000) * 1000);
            return `${iso}${us === 0 ? '' : `.${String(us).padStart(6, '0')}`}${suffix}`;
          });
          break;
        }
      }
    }
    // -0.0 survives as -0 (JSON.parse keeps the sign)
    expect(Object.is(result.values.RPE_earned[8], -0)).toBe(true);
    expect(result.values).toEqual(expected);
  });

  it('writes the same CSV as pandas to_csv', () => {
    expect(toCsv(table, { index: true })).toBe(result.csv);
  });
});
