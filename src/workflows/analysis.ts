// The generic per-mouse analysis workflow: orchestration only. It knows nothing about any one
// analysis; activities look the analysis up by name. Deterministic: no I/O, no clocks but
// workflow time, no imports beyond @temporalio/workflow, types and the Node-free mapBounded.
import {
  ApplicationFailure,
  CancellationScope,
  defineQuery,
  log,
  patched,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { AnalysisActivities, ResolveResult } from '../activities/analysis.js';
import type {
  AnalysisProgress,
  AnalysisWorkflowInput,
  AnalysisWorkflowResult,
  SessionRef,
  SessionResult,
  StepTiming,
} from './analysis-types.js';
import { mapBounded } from '../concurrency.js';
import { SA } from './search-attributes.js';

export const progressQuery = defineQuery<AnalysisProgress>('progress');

// Transient faults (S3 or MongoDB down, worker killed) retry with backoff for ~30 minutes;
// bad input is thrown as a non-retryable ApplicationFailure by the activities and never retried.
const retry = { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 40 };

// Heartbeats let a killed worker's activity be retried within a minute, not when its
// start-to-close timeout (5 minutes, 2 hours) runs out; short activities beat too.
const short = proxyActivities<AnalysisActivities>({ startToCloseTimeout: '5 minutes', heartbeatTimeout: '1 minute', retry });
const long = proxyActivities<AnalysisActivities>({ startToCloseTimeout: '2 hours', heartbeatTimeout: '1 minute', retry });

const DEFAULT_SESSION_PARALLELISM = 4;

/**
 * Patch marker: a run whose resolver fails (a missing input file or fit_source, an unknown
 * analysis, cancelled while resolving) writes its `failed` record. Histories recorded before it
 * end right after the failed resolveInputs, and replay without the write.
 */
export const RECORD_RESOLVE_FAILURE = 'record-resolve-failure';

export async function analysisWorkflow(input: AnalysisWorkflowInput): Promise<AnalysisWorkflowResult> {
  const progress: AnalysisProgress = { step: 'resolving', sessionsDone: 0, sessionsTotal: 0, sessionsFromCache: 0 };
  setHandler(progressQuery, () => progress);
  const timings: StepTiming[] = [];
  const startedAt = new Date().toISOString();
  const timed = async <T>(step: string, fn: () => Promise<T>): Promise<T> => {
    const t0 = new Date().toISOString();
    const out = await fn();
    timings.push({ step, startedAt: t0, endedAt: new Date().toISOString() });
    return out;
  };

  // The one routing seam: an analysis served by a worker of another language (Python) has its
  // session and group steps scheduled on that worker's task queue; everything else stays here.
  const stages = input.analysisTaskQueue
    ? proxyActivities<AnalysisActivities>({ startToCloseTimeout: '2 hours', heartbeatTimeout: '1 minute', retry, taskQueue: input.analysisTaskQueue })
    : long;

  // Records the failure, even if the workflow is being cancelled; the run then fails with its own
  // error (not the record's, should that write fail too), so that a new start with the same ID
  // (ALLOW_DUPLICATE_FAILED_ONLY) may re-run it.
  const recordFailure = async (err: unknown, sessions: SessionRef[]): Promise<never> => {
    const failedStep = progress.step;
    progress.step = 'failed';
    try {
      await CancellationScope.nonCancellable(() =>
        short.writeRecord({ workflow: input, status: 'failed', sessions, outputs: [], warnings: [], timings, startedAt, error: describeFailure(err, failedStep) }),
      );
    } catch (recordErr) {
      log.error('the failed run could not be recorded', { error: recordErr instanceof Error ? recordErr.message : String(recordErr) });
    }
    throw err;
  };

  let resolved: ResolveResult;
  try {
    resolved = await timed('resolve', () => short.resolveInputs(input));
  } catch (err) {
    if (patched(RECORD_RESOLVE_FAILURE)) return await recordFailure(err, []);
    progress.step = 'failed';
    throw err;
  }
  if (resolved.kind === 'already-done') {
    progress.step = 'done';
    return resolved.result;
  }
  upsertSearchAttributes([{ key: SA.SessionCount, value: resolved.sessions.length }]);
  progress.sessionsTotal = resolved.sessions.length;

  try {
    progress.step = 'sessions';
    // Sessions the resolver found cached run no activity (histories from before it looked have
    // no cachedPartials and schedule every session, as they did when recorded).
    const cached = resolved.cachedPartials ?? [];
    const todo = resolved.sessions.flatMap((session, i) => (cached[i] ? [] : [{ session, partialKey: resolved.partialKeys?.[i] }]));
    progress.sessionsDone = progress.sessionsFromCache = resolved.sessions.length - todo.length;
    const computed = await timed('sessions', () =>
      mapBounded(todo, input.sessionParallelism ?? DEFAULT_SESSION_PARALLELISM, async ({ session, partialKey }) => {
        const r: SessionResult = await stages.analyzeSession({ workflow: input, session, ...(partialKey ? { partialKey } : {}) });
        progress.sessionsDone += 1;
        if (r.fromCache) progress.sessionsFromCache += 1;
        return r;
      }),
    );
    // Back in session order: cached entries where the resolver found them, computed ones between.
    let next = 0;
    const perSession = resolved.sessions.map((_, i): SessionResult => {
      const partialKey = cached[i];
      return partialKey ? { partialKey, fromCache: true, warnings: [] } : computed[next++];
    });

    progress.step = 'group';
    const group = await timed('group', () =>
      stages.computeGroup({ workflow: input, sessions: resolved.sessions, partialKeys: perSession.map((s) => s.partialKey) }),
    );

    progress.step = 'publishing';
    // Results recorded before computeGroup returned the sessions' warnings carry none.
    const sessionWarnings = group.sessionWarnings ?? perSession.flatMap((s) => s.warnings);
    const warnings = [...resolved.warnings, ...sessionWarnings, ...group.warnings];
    const outputs = await timed('publish', () =>
      short.publishResults({ workflow: input, outputs: group.outputs, sessions: resolved.sessions, timings, warnings }),
    );

    progress.step = 'recording';
    await timed('record', () =>
      short.writeRecord({
        workflow: input,
        status: 'completed',
        sessions: resolved.sessions,
        outputs,
        warnings,
        timings,
        startedAt,
        summary: group.summary,
      }),
    );
    progress.step = 'done';
    return {
      status: 'completed',
      dedupKey: input.dedupKey,
      recordId: input.dedupKey,
      subjectId: input.subjectId,
      outputPrefix: resolved.outputPrefix,
      sessions: resolved.sessions.length,
      sessionsFromCache: progress.sessionsFromCache,
      outputs: outputs.length,
      warnings,
    };
  } catch (err) {
    return await recordFailure(err, resolved.sessions);
  }
}

function describeFailure(err: unknown, step: string) {
  const cause = err instanceof Error && err.cause instanceof ApplicationFailure ? err.cause : err;
  const message = cause instanceof Error ? cause.message : String(cause);
  // A Python worker's failure also names the exception's class and its last traceback frames.
  const details = cause instanceof ApplicationFailure ? (cause.details?.[0] as { file?: string; traceback?: string } | undefined) : undefined;
  const type = cause instanceof ApplicationFailure ? (cause.type ?? undefined) : undefined;
  return { message, step, file: details?.file ?? undefined, type, traceback: details?.traceback, runId: workflowInfo().runId };
}
