import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DamagedPartialError, decodePartial, encodePartial } from '../../../src/analyses/codec.js';

describe('partial codec', () => {
  it('restores typed arrays, NaN and ±Infinity at any depth, in arrays of objects too', () => {
    const value = {
      f: Float64Array.of(1.5, NaN, Infinity, -Infinity, -0.25),
      rows: [{ i: Int32Array.of(-3, 7), u: Uint8Array.of(0, 255) }, [Float64Array.of(2)], 'text', null, 4],
      nested: { deeper: { x: -Infinity, y: NaN, list: [1, 2, 3] } },
      // A view into a larger buffer: only its own elements are stored.
      view: new Float64Array(Float64Array.of(9, 8, 7, 6).buffer, 8, 2),
      odd: Uint8Array.of(1, 2, 3), // 3 bytes: the next array must still start 8-byte aligned
      after: Float64Array.of(-1e300, 5e-324),
    };
    const back = decodePartial<typeof value>(encodePartial(value));
    expect(back).toEqual(value);
    expect(back.f).toBeInstanceOf(Float64Array);
    expect((back.rows[0] as { i: Int32Array }).i).toBeInstanceOf(Int32Array);
    expect((back.rows[1] as Float64Array[])[0]).toBeInstanceOf(Float64Array);
    expect(Object.is(back.nested.deeper.y, NaN)).toBe(true);
    expect([...back.view]).toEqual([8, 7]);
  });

  it('round-trips any mix of float columns and plain values, byte for byte', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ name: fc.string(), x: fc.float64Array({ maxLength: 50 }), n: fc.oneof(fc.double(), fc.integer(), fc.constant(null)) }), { maxLength: 8 }),
        (rows) => {
          const bytes = encodePartial({ rows });
          const back = decodePartial<{ rows: typeof rows }>(bytes);
          expect(back.rows.map((r) => [...r.x])).toEqual(rows.map((r) => [...r.x]));
          expect(back.rows.map((r) => r.n)).toEqual(rows.map((r) => (Object.is(r.n, -0) ? 0 : r.n)));
          expect(encodePartial(back)).toEqual(bytes);
        },
      ),
    );
  });

  it('refuses bytes that are not a partial, or a truncated or damaged one, naming it', () => {
    const bytes = encodePartial({ a: Float64Array.of(1, 2) });
    expect(() => decodePartial(new TextEncoder().encode('{"a":1}'), 's3://b/_cache/x.partial')).toThrow(
      new DamagedPartialError('s3://b/_cache/x.partial is not a session partial (no GAP1 header)'),
    );
    expect(() => decodePartial(bytes.subarray(0, 10), 'p')).toThrow(/p is truncated/);
    // Of its own class: the group step recomputes such a partial instead of failing.
    expect(() => decodePartial(bytes.subarray(0, 10), 'p')).toThrow(DamagedPartialError);
    expect(() => decodePartial(bytes.subarray(0, bytes.length - 8), 'p')).toThrow(/p is truncated/);
    const damaged = bytes.slice();
    damaged[8] = 0x7e; // the skeleton's first character
    expect(() => decodePartial(damaged, 'p')).toThrow(/p is damaged \(its header is not valid JSON\)/);
  });

  it('refuses typed arrays it cannot restore', () => {
    expect(() => encodePartial({ big: BigInt64Array.of(1n) })).toThrow(/BigInt64Array is not supported/);
  });
});
