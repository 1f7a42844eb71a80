import { describe, expect, it } from 'vitest';
import { pythonFloatRepr, toCsv } from '../../../src/tables/index.js';

describe('pythonFloatRepr', () => {
  it.each([
    [1, '1.0'],
    [0.1 + 0.2, '0.30000000000000004'],
    [-0, '-0.0'],
    [0, '0.0'],
    [1e16, '1e+16'],
    [1.5e16, '1.5e+16'],
    [1e15 + 0.5, '1000000000000000.5'],
    [1e-4, '0.0001'],
    [1e-5, '1e-05'],
    [1.25e-7, '1.25e-07'],
    [5e-324, '5e-324'],
    [1.7976931348623157e308, '1.7976931348623157e+308'],
    [123456789.123, '123456789.123'],
    [-2.5, '-2.5'],
    [NaN, 'nan'],
    [Infinity, 'inf'],
    [-Infinity, '-inf'],
  ])('%s -> %s', (x, text) => {
    expect(pythonFloatRepr(x)).toBe(text);
  });

  it('round-trips random doubles', () => {
    const view = new DataView(new ArrayBuffer(8));
    let seed = 12345;
    for (let i = 0; i < 2000; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      view.setUint32(0, seed);
      seed = (seed * 1103515245 + 12345) >>> 0;
      view.setUint32(4, seed);
      const x = view.getFloat64(0);
      if (!Number.isFinite(x)) continue;
      expect(Number(pythonFloatRepr(x))).toBe(x);
    }
  });
});

describe('toCsv', () => {
  it('writes every kind like pandas to_csv', () => {
    const csv = toCsv(
      {
        columns: [
          { name: 'x', kind: 'float64', values: new Float64Array([1, NaN, 2.5]) },
          { name: 'n', kind: 'int32', values: new Int32Array([1, -2, 3]) },
          { name: 'big', kind: 'int64', values: new BigInt64Array([1n, 2n ** 60n, -3n]) },
          { name: 'b', kind: 'bool', values: new Uint8Array([1, 0, 1]) },
          { name: 's', kind: 'string', values: ['a,b', null, 'say "hi"'] },
          { name: 'c', kind: 'category', categories: ['low', 'high'], values: ['low', 'high', null] },
          { name: 'l', kind: 'list<float64>', values: [new Float64Array([1, NaN]), [], null] },
          { name: 'date', kind: 'timestamp', values: new Float64Array([Date.UTC(2024, 0, 2), NaN, Date.UTC(2024, 11, 31)]) },
        ],
      },
      { index: true },
    );
    expect(csv).toBe(
      [
        ',x,n,big,b,s,c,l,date',
        '0,1.0,1,1,True,"a,b",low,"[1.0, nan]",2024-01-02',
        '1,,-2,1152921504606846976,False,,high,[],',
        '2,2.5,3,-3,True,"say ""hi""",,,2024-12-31',
        '',
      ].join('\n'),
    );
  });

  it('prints times with the finest sub-second unit of the column, and the offset for UTC', () => {
    const t0 = Date.UTC(2024, 0, 2);
    const csv = toCsv({
      columns: [
        { name: 'ms', kind: 'timestamp', values: new Float64Array([t0 + 2, t0 + 1000]) },
        { name: 'us', kind: 'timestamp', values: new Float64Array([t0 + 1.5, t0 + 1000]) },
        { name: 'utc', kind: 'timestamp', timezone: 'UTC', values: new Float64Array([t0, NaN]) },
      ],
    });
    expect(csv).toBe(
      'ms,us,utc\n' +
        '2024-01-02 00:00:00.002,2024-01-02 00:00:00.001500,2024-01-02 00:00:00+00:00\n' +
        '2024-01-02 00:00:01.000,2024-01-02 00:00:01.000000,\n',
    );
  });

  it('quotes a lone empty field, as Python csv does', () => {
    expect(toCsv({ columns: [{ name: 's', kind: 'string', values: ['a', null] }] })).toBe('s\na\n""\n');
  });

  it('rejects columns of different lengths and duplicate names', () => {
    const a = { name: 'a', kind: 'float64', values: new Float64Array(2) } as const;
    expect(() => toCsv({ columns: [a, { name: 'b', kind: 'int32', values: new Int32Array(3) }] })).toThrow(/3 rows/);
    expect(() => toCsv({ columns: [a, a] })).toThrow(/duplicate/);
  });
});
