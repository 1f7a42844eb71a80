// The dispatcher as an activity, for Temporal Schedules: same validation, keys and dedup as the
// `dispatch` command. Invalid job files fail the run non-retryably, listing every problem.
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { planDispatch, startPlanned, type DispatchStatus } from '../client/dispatch.js';
import { ValidationError } from '../schemas/errors.js';
import type { RecordStore, StoredRecord } from '../stores/record-store.js';

export interface DispatchJobsInput {
  jobs: string[];
  parametersFile?: string;
  analysis?: string;
  batchTag?: string;
}

export type DispatchSummary = Partial<Record<DispatchStatus, number>> & { total: number };

export interface DispatchActivityDeps {
  client(): Promise<Client>;
  records: RecordStore<StoredRecord & { status?: unknown }>;
  taskQueue: string;
  codeVersion: string;
  sessionParallelism: number;
  /** GA_PY_TASK_QUEUE, as the dispatcher reads it. */
  pythonTaskQueue?: string;
}

export function createDispatchActivities(deps: DispatchActivityDeps) {
  return {
    async dispatchJobs(input: DispatchJobsInput): Promise<DispatchSummary> {
      let planned;
      try {
        planned = await planDispatch({ ...input, codeVersion: deps.codeVersion, sessionParallelism: deps.sessionParallelism, pythonTaskQueue: deps.pythonTaskQueue });
      } catch (e) {
        if (e instanceof ValidationError) throw ApplicationFailure.nonRetryable(e.message, 'InvalidInput');
        throw e;
      }
      const rows = await startPlanned(planned, {
        client: await deps.client(),
        taskQueue: deps.taskQueue,
        records: deps.records,
        onRow: () => Context.current().heartbeat(),
      });
      const summary: DispatchSummary = { total: rows.length };
      for (const r of rows) summary[r.status] = (summary[r.status] ?? 0) + 1;
      return summary;
    },
  };
}

export type DispatchActivities = ReturnType<typeof createDispatchActivities>;
