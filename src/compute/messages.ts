// What passes between the worker's main thread and a compute thread: a stage to run (object keys,
// URIs and the small workflow input, never session data) and its result or error. Errors cross as
// plain data: structured cloning keeps neither an ApplicationFailure's type and non-retryable flag
// (bad input must still fail the run at once) nor an error's own class name.
import { ApplicationFailure } from '@temporalio/common';
import type { SessionResult } from '../workflows/analysis-types.js';
import type { AnalyzeSessionArgs, ComputeGroupArgs, GroupResult } from './stages.js';

export type StageTask = { stage: 'session'; args: AnalyzeSessionArgs } | { stage: 'group'; args: ComputeGroupArgs };

type SentError =
  | { kind: 'application'; type?: string | null; message: string; nonRetryable?: boolean | null; details?: unknown[] | null; stack?: string }
  | { kind: 'error'; name: string; message: string; stack?: string };

export type StageReply = { value: SessionResult | GroupResult } | { error: SentError };

export function sendError(e: unknown): SentError {
  if (e instanceof ApplicationFailure) return { kind: 'application', type: e.type, message: e.message, nonRetryable: e.nonRetryable, details: e.details, stack: e.stack };
  if (e instanceof Error) return { kind: 'error', name: e.name, message: e.message, stack: e.stack };
  return { kind: 'error', name: 'Error', message: String(e) };
}

/** The error as thrown on the thread, with the thread's stack (where it failed). */
export function receivedError(e: SentError): Error {
  const error =
    e.kind === 'application'
      ? ApplicationFailure.create({ type: e.type ?? undefined, message: e.message, nonRetryable: e.nonRetryable ?? false, details: e.details ?? undefined })
      : // Its name is what Temporal reports as the failure's type.
        Object.assign(new Error(e.message), { name: e.name });
  error.stack = e.stack;
  return error;
}
