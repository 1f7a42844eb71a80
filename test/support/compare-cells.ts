// The cross-checks' one cell comparator: ours against the Python reference, cell by cell, within
// a tolerance (by default the issue's: relative error ≤ 1e-9, absolute ≤ 1e-12 near zero), NaN in
// the same places, keeping the worst errors per column for the cross-checks' reports.
import { expect } from 'vitest';

/** A cell agrees when |ours - reference| ≤ max(abs, rel · |reference|). */
export interface Tolerance {
  rel: number;
  abs: number;
}

export const ISSUE_TOLERANCE: Tolerance = { rel: 1e-9, abs: 1e-12 };

/** A reference or table cell as a number: null/undefined are NaN, "inf"/"-inf" (JSON) are ±Infinity. */
export function cellNumber(c: unknown): number {
  if (c === null || c === undefined) return NaN;
  if (c === 'inf') return Infinity;
  if (c === '-inf') return -Infinity;
  return Number(c);
}

/** Both NaN, or equal (infinities included), or within `tol`. */
export function numbersAgree(a: number, e: number, tol: Tolerance): boolean {
  if (Number.isNaN(a) || Number.isNaN(e)) return Number.isNaN(a) && Number.isNaN(e);
  return a === e || Math.abs(a - e) <= Math.max(tol.abs, tol.rel * Math.abs(e));
}

const isNumberCell = (c: unknown) => typeof c === 'number' || c === null || c === 'inf' || c === '-inf';

/**
 * Cells in the reference's JSON vocabulary (null for NaN/None, "inf"/"-inf"): numbers as
 * numbersAgree says, arrays cell by cell, anything else (strings, booleans) when strictly equal.
 */
export function cellsAgree(ours: unknown, ref: unknown, tol: Tolerance): boolean {
  if (Array.isArray(ours) && Array.isArray(ref)) return ours.length === ref.length && ours.every((v, k) => cellsAgree(v, ref[k], tol));
  if (isNumberCell(ours) && isNumberCell(ref)) return numbersAgree(cellNumber(ours), cellNumber(ref), tol);
  return ours === ref;
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

  constructor(readonly tolerance: Tolerance = ISSUE_TOLERANCE) {}

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
      if (Number.isNaN(a) !== Number.isNaN(e)) return `${name}[${i}]: ours ${a}, reference ${e} (NaN positions differ)`;
      const d = Math.abs(a - e);
      if (Number.isFinite(d)) {
        w.abs = Math.max(w.abs, d);
        if (e !== 0) w.rel = Math.max(w.rel, d / Math.abs(e));
      }
      if (!numbersAgree(a, e, this.tolerance)) return `${name}[${i}]: ours ${a}, reference ${e} (diff ${d})`;
    }
    return null;
  }

  /** compare, failing the test at the first mismatch (`where` prefixes the message). */
  check(name: string, actual: ArrayLike<unknown>, expected: ArrayLike<unknown>, masked?: ReadonlySet<number>, where?: string): void {
    const failure = this.compare(name, actual, expected, masked);
    if (failure) expect.fail(where ? `${where} ${failure}` : failure);
  }

  /** One line per column: cells compared (and masked), worst absolute and relative errors. */
  report(): string[] {
    return [...this.worst].map(
      ([name, w]) =>
        `${name}: ${w.cells} cells${w.masked ? ` (+${w.masked} masked)` : ''}, max abs ${w.abs.toExponential(2)}, max rel ${w.rel.toExponential(2)}`,
    );
  }
}
