import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { describe, expect, it } from 'vitest';
import { toParquet, type ColumnTable } from '../../../src/tables/index.js';
import { bodyBytes, fileBuffer } from '../../support/outputs.js';
import { dictionaryPages } from './parquet-dictionary.js';

const table: ColumnTable = {
  columns: [
    { name: 'x', kind: 'float64', values: new Float64Array([1, NaN, -2.5]) },
    { name: 'n', kind: 'int32', values: new Int32Array([1, 2, 3]) },
    { name: 'big', kind: 'int64', values: new Float64Array([1, 2 ** 53 - 1, -3]) },
    { name: 'b', kind: 'bool', values: [true, false, true] },
    { name: 's', kind: 'string', values: ['a', null, 'é'] },
    { name: 'c', kind: 'category', categories: ['lo', 'hi'], values: ['lo', null, 'lo'] },
    { name: 'l', kind: 'list<float64>', values: [[1, 2], null, new Float64Array([NaN])] },
    { name: 't', kind: 'timestamp', values: new Float64Array([Date.UTC(2024, 0, 2), NaN, 1.5]) },
  ],
};

describe('toParquet', () => {
  it('writes a Parquet file whose values read back', async () => {
    const bytes = bodyBytes(toParquet(table));
    const magic = new TextDecoder().decode(bytes.subarray(0, 4));
    expect(magic).toBe('PAR1');
    expect(new TextDecoder().decode(bytes.subarray(bytes.length - 4))).toBe('PAR1');
    const rows = await parquetReadObjects({ file: fileBuffer(bytes) });
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatchObject({ x: 1, n: 1, big: 1n, b: true, s: 'a', c: 'lo', l: [1, 2] });
    expect(Number.isNaN(rows[1].x)).toBe(true);
    expect(rows[1]).toMatchObject({ s: null, c: null, t: null });
    expect(rows[1].l ?? null).toBeNull(); // hyparquet reads a null list as undefined
    expect(rows[1].big).toBe(2n ** 53n - 1n);
    expect(Number.isNaN(rows[2].l[0])).toBe(true);
    expect((rows[0].t as Date).toISOString()).toBe('2024-01-02T00:00:00.000Z');
  });

  it('stores the Arrow schema that makes pyarrow restore categories', () => {
    const meta = parquetMetadata(fileBuffer(toParquet(table)));
    const entry = meta.key_value_metadata?.find((kv) => kv.key === 'ARROW:schema');
    expect(entry).toBeDefined();
    const message = Buffer.from(entry!.value!, 'base64');
    expect(message.readUInt32LE(0)).toBe(0xffffffff); // IPC continuation marker
    expect(message.readInt32LE(4)).toBe(message.length - 8);
    for (const name of ['x', 'n', 'big', 'b', 's', 'c', 'l', 'element', 't']) {
      expect(message.includes(Buffer.from(name))).toBe(true);
    }
  });

  it('hands a large table on in parts of about a megabyte that join into the whole file', async () => {
    const rows = 300_000;
    const x = Float64Array.from({ length: rows }, (_, i) => Math.sin(i) * 1e3);
    const parts = toParquet({ columns: [{ name: 'x', kind: 'float64', values: x }, { name: 'e', kind: 'string', values: new Array<string>(rows).fill('G_1') }] });
    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts.slice(0, -1)) expect(p.byteLength).toBeLessThan(3 << 20);
    const back = await parquetReadObjects({ file: fileBuffer(parts), columns: ['x'] });
    expect(back).toHaveLength(rows);
    expect(Float64Array.from(back, (r) => r.x as number)).toEqual(x);
  });

  it("writes a category column's declared categories as its dictionary: in order, unused ones included", async () => {
    const bins = ['-1.0', '-0.67', '-0.33', '-0.0', '0.33', '0.67'];
    const values = ['0.33', null, '-0.33', '0.33', '-1.0'];
    const body = toParquet({
      columns: [
        { name: 'x', kind: 'float64', values: new Float64Array(values.length) },
        { name: 'RPE-binned3', kind: 'category', categories: bins, ordered: true, values },
      ],
    });
    expect(dictionaryPages(body, 'RPE-binned3')).toEqual([bins]);
    const rows = await parquetReadObjects({ file: fileBuffer(body) });
    expect(rows.map((r) => r['RPE-binned3'])).toEqual(values);
    expect(rows.map((r) => r.x)).toEqual([0, 0, 0, 0, 0]);
  });

  it('gives every row group the same category dictionary, and a table of categories only', async () => {
    const rows = 2500;
    const labels = ['a', 'b', 'c', 'd'];
    const values = Array.from({ length: rows }, (_, i) => (i % 7 === 0 ? null : labels[3 - (Math.floor(i / 900) % 4)]));
    const table = {
      columns: [
        { name: 'i', kind: 'int32' as const, values: Int32Array.from({ length: rows }, (_, i) => i) },
        { name: 'c', kind: 'category' as const, categories: labels, values },
        { name: 'e', kind: 'category' as const, categories: ['only'], values: new Array<string | null>(rows).fill(null) },
      ],
    };
    const body = toParquet(table);
    expect(dictionaryPages(body, 'c')).toEqual([labels, labels]); // rows 0-999, 1000-2499
    expect(dictionaryPages(body, 'e')).toEqual([['only'], ['only']]);
    const back = await parquetReadObjects({ file: fileBuffer(body) });
    expect(back.map((r) => r.c)).toEqual(values);
    expect(back.map((r) => r.i)).toEqual(Array.from({ length: rows }, (_, i) => i));
    expect(back.every((r) => r.e === null)).toBe(true);

    const alone = toParquet({ columns: [{ name: 'c', kind: 'category', categories: labels, values: ['d', 'a'] }] });
    expect(dictionaryPages(alone, 'c')).toEqual([labels]);
    expect((await parquetReadObjects({ file: fileBuffer(alone) })).map((r) => r.c)).toEqual(['d', 'a']);
  });

  it('rejects a category value outside its categories, and repeated categories', () => {
    expect(() => toParquet({ columns: [{ name: 'c', kind: 'category', categories: ['lo'], values: ['hi'] }] })).toThrow(
      /"hi" is not one of its categories/,
    );
    expect(() => toParquet({ columns: [{ name: 'c', kind: 'category', categories: ['lo', 'lo'], values: [] }] })).toThrow(
      /repeats the category "lo"/,
    );
  });

  it('rejects an int64 column holding a fraction', () => {
    expect(() => toParquet({ columns: [{ name: 'i', kind: 'int64', values: new Float64Array([0.5]) }] })).toThrow(
      /non-integer/,
    );
  });
});
