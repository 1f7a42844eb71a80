// Cell-by-cell comparison of our columns with the Python reference's at the tolerance
// (relative error ≤ 1e-9, absolute ≤ 1e-12 near zero, NaN in the same places), keeping the
// worst errors per column for the cross-checks' reports.
import { expect } from 'vitest';

export const REL = 1e-9;
export const ABS = 1e-12;

/** A reference or table cell as a number: null/undefined are NaN, "inf"/"-inf" (JSON) are ±Infinity. */
export function cellNumber(c: unknown): number {
  if (c === null || c === undefined) return NaN;
  if (c === 'inf') return Infinity;
  if (c === '-inf') return -Infinity;
  return Number(c);
}

export interface Worst {
  abs: number;
  rel: number;
  /** Cells compared, and cells left out (masked). */
  cells: number;
  masked: number;
}

export class CellComparison {
  readonly worst = new Map<string, Worst>();

  /** The first mismatch in column `name` as a message, or null; rows in `masked` are counted, not compared. */
  compare(name: string, actual: ArrayLike<unknown>, expected: ArrayLike<unknown>, masked: ReadonlySet<number> = new Set()): string | null {
    if (actual.length !== expected.length) return `${name}: ${actual.length} rows, reference ${expected.length}`;
    const w = this.worst.get(name) ?? { abs: 0, rel: 0, cells: 0, masked: 0 };
    this.worst.set(name, w);
    for (let i = 0; i < expected.length; i++) {
      if (masked.has(i)) {
        w.masked++;
        continue;
      }
      w.cells++;
      const a = cellNumber(actual[i]);
      const e = cellNumber(expected[i]);
      if (Number.isNaN(a) || Number.isNaN(e)) {
        if (Number.isNaN(a) !== Number.isNaN(e)) return `${name}[${i}]: ours ${a}, reference ${e} (NaN positions differ)`;
        continue;
      }
      const d = Math.abs(a - e);
      w.abs = Math.max(w.abs, d);
      if (e !== 0) w.rel = Math.max(w.rel, d / Math.abs(e));
      if (d > Math.max(ABS, REL * Math.abs(e))) return `${name}[${i}]: ours ${a}, reference ${e} (diff ${d})`;
    }
    return null;
  }

  /** compare, failing the test at the first mismatch. */
  check(name: string, actual: ArrayLike<unknown>, expected: ArrayLike<unknown>, masked?: ReadonlySet<number>): void {
    const failure = this.compare(name, actual, expected, masked);
    if (failure) expect.fail(failure);
  }
}
