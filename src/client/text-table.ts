// Plain-text tables for the CLI commands.
import type { DispatchRow } from './dispatch.js';
import type { FollowedRun } from './progress.js';

/** Left-aligned columns, two spaces apart. */
export function textTable(rows: readonly (readonly string[])[]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (c ?? '').padEnd(widths[i])).join('  ').trimEnd()).join('\n');
}

/** What the dispatcher did with each job (started / already running / already done / ...). */
export function dispatchTable(rows: readonly DispatchRow[]): string {
  return textTable([
    ['job', 'subject', 'analysis', 'status', 'workflow id'],
    ...rows.map((r) => [r.jobFile.split('/').slice(-2).join('/'), r.subjectId ?? '', r.analysisName ?? '', r.status, r.workflowId ?? '']),
  ]);
}

/** How each followed run ended: outcome, record id, and where its results are or why it failed. */
export function runsTable(runs: readonly FollowedRun[]): string {
  return textTable([
    ['subject', 'analysis', 'outcome', 'record id', 'wall time', 'results / reason'],
    ...runs.map((r) => [
      r.row.subjectId ?? '',
      r.row.analysisName ?? '',
      r.error ? 'failed' : (r.result?.status ?? 'unknown'),
      r.row.dedupKey?.slice(0, 16) ?? '',
      `${r.seconds.toFixed(1)} s`,
      r.error ?? r.result?.outputPrefix ?? '',
    ]),
  ]);
}
