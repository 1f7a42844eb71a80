// Printing of benchmark results (aligned tables, ratio and verdict lines) and their option parsing.
import { InvalidArgumentError } from 'commander';

export const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
export const mb = (x: number) => `${x.toFixed(0)} MB`;
export const ratio = (reference: number, ours: number) => `${(reference / ours).toFixed(1)}×`;

/** Prints rows as a table with a header, columns padded to their widest cell; the first
 *  `textColumns` columns are left-aligned, the others (numbers) right-aligned. */
export function table(header: string[], rows: string[][], textColumns = 2): void {
  const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j].length)));
  const line = (cells: string[]) => cells.map((c, j) => (j < textColumns ? c.padEnd(widths[j]) : c.padStart(widths[j]))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}

/** "goal ≥ 3×: met" style verdicts, so a reader sees at once which targets hold on this run. */
export function verdict(label: string, ok: boolean): string {
  return `${label}: ${ok ? 'met' : 'NOT met'}`;
}

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** A commander option parser for integers >= min. */
export const integerAtLeast =
  (min: number) =>
  (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`an integer >= ${min}`);
    return n;
  };

/** The q-quantile (0..1) of xs, the nearest rank below (as bench:orchestration's p90). */
export const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(q * (s.length - 1))];
};

/** "1.23×": a / b, for ratios near one (ratio() above rounds to one decimal); "–" when either is missing. */
export const times = (a: number, b: number) => (Number.isFinite(a / b) ? `${(a / b).toFixed(2)}×` : '–');
