// Follows running workflows through their `progress` query and draws one bar per run.
import { ApplicationFailure, type Client } from '@temporalio/client';
import type { AnalysisProgress, AnalysisWorkflowResult } from '../workflows/analysis-types.js';
import type { DispatchRow } from './dispatch.js';

export interface FollowedRun {
  row: DispatchRow;
  result?: AnalysisWorkflowResult;
  error?: string;
  seconds: number;
}

/**
 * Why a run failed, from the innermost cause (a workflow failure wraps the activity failure,
 * which wraps what the activity threw): its type where it has one (InvalidInput, a Python
 * exception's class), its message, and the file it names.
 */
export function failureReason(e: unknown): string {
  let inner = e;
  while (inner instanceof Error && inner.cause instanceof Error) inner = inner.cause;
  if (!(inner instanceof Error)) return String(inner);
  const details = inner instanceof ApplicationFailure ? (inner.details?.[0] as { file?: string } | undefined) : undefined;
  const type = inner instanceof ApplicationFailure ? inner.type : undefined;
  const file = details?.file && !inner.message.includes(details.file) ? ` (file: ${details.file})` : '';
  return `${type ? `${type}: ` : ''}${inner.message}${file}`;
}

function bar(p: AnalysisProgress | undefined, width = 20): string {
  const done = p ? (p.sessionsTotal ? p.sessionsDone / p.sessionsTotal : 0) * 0.8 + (['publishing', 'recording', 'done'].includes(p.step) ? 0.2 : 0) : 0;
  const n = Math.round(done * width);
  return `[${'#'.repeat(n)}${'.'.repeat(width - n)}]`;
}

/** One run's outcome on one line: subject, analysis, status, and the reason or where results are. */
export function outcomeLine(r: FollowedRun): string {
  const what = r.error ? `failed: ${r.error}` : `${r.result?.status ?? 'unknown'} -> ${r.result?.outputPrefix ?? ''}`;
  return `${r.row.subjectId ?? '?'} ${r.row.analysisName ?? '?'} ${what} (${r.seconds.toFixed(1)} s)`;
}

export async function followRuns(client: Client, rows: DispatchRow[], out: NodeJS.WriteStream = process.stdout): Promise<FollowedRun[]> {
  const started = Date.now();
  const runs = rows.filter((r) => r.workflowId).map((row) => ({ row, seconds: 0 }) as FollowedRun);
  const progress = new Map<string, AnalysisProgress>();
  const finished = runs.map(async (run) => {
    const handle = client.workflow.getHandle(run.row.workflowId!);
    try {
      run.result = (await handle.result()) as AnalysisWorkflowResult;
    } catch (e) {
      run.error = failureReason(e);
    }
    run.seconds = (Date.now() - started) / 1000;
    // Without a terminal (CI logs, pipes) no bars are drawn: one line per run as it ends.
    if (!out.isTTY) out.write(`${outcomeLine(run)}\n`);
  });
  const tty = out.isTTY;
  let drawn = 0;
  const draw = () => {
    const lines = runs.map((r) => {
      const p = progress.get(r.row.workflowId!);
      const state = r.error ? 'failed' : r.result ? r.result.status : (p?.step ?? r.row.status);
      const sessions = p ? `${p.sessionsDone}/${p.sessionsTotal} sessions` : '';
      return `${bar(r.result || r.error ? { step: 'done', sessionsDone: 1, sessionsTotal: 1, sessionsFromCache: 0 } : p)} ${r.row.subjectId?.padEnd(8)} ${r.row.analysisName?.padEnd(17)} ${state.padEnd(12)} ${sessions}`;
    });
    if (tty) {
      if (drawn) out.write(`\x1b[${drawn}A`);
      out.write(lines.map((l) => `\x1b[2K${l}`).join('\n') + '\n');
      drawn = lines.length;
    }
  };
  // Queries still in flight when the caller closes the connection would retry on the closed
  // gRPC connection and crash the process: keep them, and let them settle before returning.
  const pending = new Set<Promise<void>>();
  const poll = setInterval(() => {
    for (const r of runs) {
      if (r.result || r.error || pending.size > runs.length) continue;
      const q = client.workflow
        .getHandle(r.row.workflowId!)
        .query<AnalysisProgress>('progress')
        .then((p) => void progress.set(r.row.workflowId!, p))
        .catch(() => undefined)
        .finally(() => pending.delete(q));
      pending.add(q);
    }
    draw();
  }, 400);
  await Promise.all(finished);
  clearInterval(poll);
  await Promise.allSettled([...pending]);
  draw();
  return runs;
}
