import { describe, expect, it } from 'vitest';
import { decodePartial, encodePartial } from '../../../src/analyses/codec.js';

describe('partial codec', () => {
  it('restores typed arrays, NaN and ±Infinity at any depth, in arrays of objects too', () => {
    const value = {
      f: Float64Array.of(1.5, NaN, Infinity, -Infinity, -0.25),
      rows: [{ i: Int32Array.of(-3, 7), u: Uint8Array.of(0, 255) }, [Float64Array.of(2)], 'text', null, 4],
      nested: { deeper: { x: -Infinity, y: NaN, list: [1, 2, 3] } },
    };
    const back = decodePartial<typeof value>(encodePartial(value));
    expect(back).toEqual(value);
    expect(back.f).toBeInstanceOf(Float64Array);
    expect((back.rows[0] as { i: Int32Array }).i).toBeInstanceOf(Int32Array);
    expect((back.rows[1] as Float64Array[])[0]).toBeInstanceOf(Float64Array);
    expect(Object.is(back.nested.deeper.y, NaN)).toBe(true);
  });
});
