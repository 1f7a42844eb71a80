// The suite's results table: each scenario appends one row (JSON line) when it has checked its
// invariants; the global teardown prints them as one table.
import { appendFileSync, existsSync, readFileSync } from 'node:fs';

export interface ResultRow {
  scenario: string;
  /** Workflows dispatched (or bad files fed, for the dispatcher fuzzing). */
  runs: number;
  faults: string;
  /** Completed as expected: completed, or failed non-retryably on bad input ("n ok + m failed"). */
  completed: string;
  recordsExpected: number;
  recordsActual: number;
  lostOutputs: number;
  duplicates: number;
  crashes: number;
  seconds: number;
  passed: boolean;
}

export function appendRow(file: string, row: ResultRow): void {
  appendFileSync(file, `${JSON.stringify(row)}\n`);
}

export function readRows(file: string): ResultRow[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as ResultRow);
}

export function formatTable(rows: ResultRow[]): string {
  const head = ['scenario', 'runs', 'faults injected', 'workflows completed', 'records (exp/act)', 'lost outputs', 'duplicates', 'crashes', 'time', 'verdict'];
  const body = rows.map((r) => [
    r.scenario,
    String(r.runs),
    r.faults,
    r.completed,
    `${r.recordsExpected}/${r.recordsActual}`,
    String(r.lostOutputs),
    String(r.duplicates),
    String(r.crashes),
    `${r.seconds.toFixed(0)} s`,
    r.passed ? 'pass' : 'FAIL',
  ]);
  const all = [head, ...body];
  const widths = head.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
}
