import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { describe, expect, it } from 'vitest';
import { toParquet, type ColumnTable } from '../../../src/tables/index.js';
import { bodyBytes, fileBuffer } from '../../support/outputs.js';

const table: ColumnTable = {
  columns: [
    { name: 'x', kind: 'float64', values: new Float64Array([1, NaN, -2.5]) },
    { name: 'n', kind: 'int32', values: new Int32Array([1, 2, 3]) },
    { name: 'big', kind: 'int64', values: new Float64Array([1, 2 ** 53 - 1, -3]) },
    { name: 'b', kind: 'bool', values: [true, false, true] },
    { name: 's', kind: 'string', values: ['a', null, 'é'] },
    { name: 'c', kind: 'category', values: ['lo', null, 'lo'] },
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

  it('rejects an int64 column holding a fraction', () => {
    expect(() => toParquet({ columns: [{ name: 'i', kind: 'int64', values: new Float64Array([0.5]) }] })).toThrow(
      /non-integer/,
    );
  });
});
