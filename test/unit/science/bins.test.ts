import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  binLabels,
  QCH_BIN_LABELS,
  qchBinned3,
  RPE_BIN_EDGES,
  RPE_BIN_LABELS,
  rpeBinned3,
} from '../../../src/science/bins.js';

const rpeLabel = (x: number): string | null => binLabels(rpeBinned3([x]), RPE_BIN_LABELS)[0];

describe('RPE-binned3', () => {
  it('edges are numpy arange(-1, 1.01, 1/3) (start + i * delta fill) with the last set to 1.001', () => {
    const start = -1;
    const second = start + 1 / 3;
    const delta = second - start;
    const expected = [start, second, ...[2, 3, 4, 5].map((i) => start + i * delta), 1.001];
    expect([...RPE_BIN_EDGES]).toEqual(expected);
    // the values the spec lists
    expect([...RPE_BIN_EDGES]).toEqual([
      -1, -0.6666666666666667, -0.3333333333333335, -2.220446049250313e-16, 0.33333333333333304,
      0.6666666666666663, 1.001,
    ]);
  });
  it('labels are the rounded left edges', () => {
    expect([...RPE_BIN_LABELS]).toEqual(['-1.0', '-0.67', '-0.33', '-0.0', '0.33', '0.67']);
  });
  it('is right-closed: RPE = 0 in "-0.0", RPE = 1 in "0.67", RPE = -1 excluded', () => {
    expect(rpeLabel(0)).toBe('-0.0');
    expect(rpeLabel(1)).toBe('0.67');
    expect(rpeLabel(1.001)).toBe('0.67');
    expect(rpeLabel(-1)).toBeNull();
    expect(rpeLabel(1.0011)).toBeNull();
    expect(rpeLabel(NaN)).toBeNull();
    expect(rpeLabel(-0.5)).toBe('-0.67');
    // on an edge: belongs to the bin it closes
    expect(rpeLabel(-0.6666666666666667)).toBe('-1.0');
    expect(rpeLabel(-2.220446049250313e-16)).toBe('-0.33');
    // 1/3 = 0.3333333333333333 lies just above the 0.33333333333333304 edge
    expect(rpeLabel(1 / 3)).toBe('0.33');
  });
  it('every value in (-1, 1.001] gets the bin whose (left, right] holds it', () => {
    fc.assert(
      fc.property(fc.double({ min: -1, max: 1.001, noNaN: true }), (x) => {
        const [code] = rpeBinned3([x]);
        if (x === -1) return code === -1;
        return RPE_BIN_EDGES[code] < x && x <= RPE_BIN_EDGES[code + 1];
      }),
    );
  });
});

describe('Qch-binned3', () => {
  const label = (q: number, earned: boolean): string | null =>
    binLabels(qchBinned3([q], [earned]), QCH_BIN_LABELS)[0];

  it('includes the lowest edge, is right-closed and labels by reward', () => {
    expect(label(0, false)).toBe('R- (Qch 0)');
    expect(label(0, true)).toBe('R+ (Qch 0)');
    expect(label(1 / 3, true)).toBe('R+ (Qch 0)');
    expect(label(0.5, false)).toBe('R- (Qch 0.33)');
    expect(label(2 / 3, false)).toBe('R- (Qch 0.33)');
    expect(label(1, true)).toBe('R+ (Qch 0.66)');
    expect(label(1.01, true)).toBe('R+ (Qch 0.66)');
  });
  it('is missing for NaN or out-of-range values', () => {
    expect(label(NaN, true)).toBeNull();
    expect(label(-0.01, true)).toBeNull();
    expect(label(1.02, false)).toBeNull();
  });
  it('orders categories R- before R+, each by value', () => {
    expect([...QCH_BIN_LABELS]).toEqual([
      'R- (Qch 0)',
      'R- (Qch 0.33)',
      'R- (Qch 0.66)',
      'R+ (Qch 0)',
      'R+ (Qch 0.33)',
      'R+ (Qch 0.66)',
    ]);
  });
  it('rejects ragged input', () => {
    expect(() => qchBinned3([0.1, 0.2], [true])).toThrow(RangeError);
  });
});
