import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sortedOrder, take } from '../../../src/science/arrays.js';

// Values with NaN, ties and signed zeros, as series timestamps come.
const series = fc.array(fc.oneof(fc.constantFrom(NaN, 0, -0, 1, 1.5), fc.double({ noNaN: true, min: -1e3, max: 1e3 })), { maxLength: 60 });

describe('sortedOrder', () => {
  it('lists the non-NaN indexes by value, ties in index order, sorted input or not', () => {
    fc.assert(
      fc.property(series, fc.boolean(), (raw, presort) => {
        const values = presort ? [...raw].sort((a, b) => (a !== a ? 1 : b !== b ? -1 : a - b)) : raw;
        const expected = values.flatMap((v, i) => (Number.isNaN(v) ? [] : [i])).sort((a, b) => values[a] - values[b] || a - b);
        expect(Array.from(sortedOrder(values))).toEqual(expected);
      }),
    );
  });

  it('keeps an already sorted series in place (equal times stay in recorded order)', () => {
    expect(Array.from(sortedOrder(new Float64Array([0, 1, 1, NaN, 2])))).toEqual([0, 1, 2, 4]);
    expect(Array.from(sortedOrder(new Float64Array([2, NaN, 1, 1, 0])))).toEqual([4, 2, 3, 0]);
  });
});

describe('take', () => {
  it('gathers values at the indexes, shifted', () => {
    expect(Array.from(take(new Float64Array([10, 20, 30]), new Uint32Array([2, 0, 2])))).toEqual([30, 10, 30]);
    expect(Array.from(take([10, 20, 30], [1], 5))).toEqual([15]);
    expect(take([1], []).length).toBe(0);
  });
});
