// The generic per-mouse analysis workflow: orchestration only. It knows nothing about any one
// analysis; activities look the analysis up by name. Deterministic: no I/O, no clocks but
// workflow time, no imports beyond @temporalio/workflow and types.
import {
  ApplicationFailure,
  CancellationScope,
  defineQuery,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { AnalysisActivities } from '../activities/analysis.js';
import type {
  AnalysisProgress,
  AnalysisWorkflowInput,
  AnalysisWorkflowResult,
  SessionResult,
  StepTiming,
} from './analysis-types.js';
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

  const resolved = await timed('resolve', () => short.resolveInputs(input));
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
    const todo = resolved.sessions.filter((_, i) => !cached[i]);
    progress.sessionsDone = progress.sessionsFromCache = resolved.sessions.length - todo.length;
    const computed = await timed('sessions', () =>
      mapBounded(todo, input.sessionParallelism ?? DEFAULT_SESSION_PARALLELISM, async (session) => {
        const r: SessionResult = await long.analyzeSession({ workflow: input, session });
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
      long.computeGroup({ workflow: input, sessions: resolved.sessions, partialKeys: perSession.map((s) => s.partialKey) }),
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
    const failedStep = progress.step;
    progress.step = 'failed';
    // Record the failure even if the workflow is being cancelled, then fail the run so that
    // a new start with the same ID (ALLOW_DUPLICATE_FAILED_ONLY) may re-run it.
    await CancellationScope.nonCancellable(() =>
      short.writeRecord({
        workflow: input,
        status: 'failed',
        sessions: resolved.sessions,
        outputs: [],
        warnings: [],
        timings,
        startedAt,
        error: describeFailure(err, failedStep),
      }),
    );
    throw err;
  }
}

function describeFailure(err: unknown, step: string) {
  const cause = err instanceof Error && err.cause instanceof ApplicationFailure ? err.cause : err;
  const message = cause instanceof Error ? cause.message : String(cause);
  const details = cause instanceof ApplicationFailure ? (cause.details?.[0] as { file?: string } | undefined) : undefined;
  return { message, step, file: details?.file, type: cause instanceof ApplicationFailure ? cause.type ?? undefined : undefined, runId: workflowInfo().runId };
}

/** Runs fn over items with at most `limit` in flight, keeping results in input order. */
async function mapBounded<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
  return results;
}
