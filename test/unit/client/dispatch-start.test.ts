// startPlanned's outcome per run (issue 25, item 7) is exact, not guessed from clocks: the dispatch
// whose start created the execution reports `started`, every other one attached to it reports
// `already-running` (however soon after), and a start refused after success `already-done`.
// The client is a stand-in that answers as the server does for USE_EXISTING /
// ALLOW_DUPLICATE_FAILED_ONLY starts (a start while running returns the running execution).
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { startPlanned, type PlannedJob } from '../../../src/client/dispatch.js';
import type { RecordStore, StoredRecord } from '../../../src/stores/record-store.js';
import { workflowInput } from '../../support/runs.js';

interface Execution {
  runId: string;
  memo: Record<string, unknown>;
  startTime: Date;
  status: 'RUNNING' | 'COMPLETED';
}

/** A Temporal client as far as startPlanned uses it, with server-side start semantics. */
function fakeServer() {
  const executions = new Map<string, Execution[]>();
  const tick = () => new Promise((ok) => setTimeout(ok, Math.random() * 5));
  const describe = async (workflowId: string, runId?: string) => {
    await tick();
    const runs = executions.get(workflowId) ?? [];
    const run = runId ? runs.find((r) => r.runId === runId) : runs.at(-1);
    if (!run) throw new Error(`no execution ${workflowId} ${runId}`);
    return { workflowId, runId: run.runId, memo: run.memo, startTime: run.startTime, status: { name: run.status } };
  };
  const client = {
    workflow: {
      async start(_wf: unknown, o: { workflowId: string; memo?: Record<string, unknown> }) {
        await tick();
        const runs = executions.get(o.workflowId) ?? [];
        const last = runs.at(-1);
        if (last?.status === 'COMPLETED') throw new WorkflowExecutionAlreadyStartedError('Workflow execution already started', o.workflowId, 'analysisWorkflow');
        let run = last?.status === 'RUNNING' ? last : undefined;
        if (!run) {
          run = { runId: randomUUID(), memo: o.memo ?? {}, startTime: new Date(), status: 'RUNNING' };
          executions.set(o.workflowId, [...runs, run]);
        }
        const runId = run.runId;
        return { workflowId: o.workflowId, firstExecutionRunId: runId, describe: () => describe(o.workflowId) };
      },
      getHandle: (workflowId: string, runId?: string) => ({ workflowId, describe: () => describe(workflowId, runId) }),
    },
  };
  return { client: client as unknown as Client, executions };
}

const noRecords = { getMany: async () => [] } as unknown as RecordStore<StoredRecord & { status?: unknown }>;

function planned(subjectId: string): PlannedJob {
  const input = workflowInput({ subjectId });
  return { jobFile: `job_${subjectId}.json`, workflowId: `foraging-summary/${subjectId}/t1/${input.dedupKey.slice(0, 20)}`, input, warnings: [] };
}

describe('startPlanned outcomes', () => {
  it('two dispatchers of the same jobs at once: exactly one started per run, the other already-running', async () => {
    const { client } = fakeServer();
    const jobs = ['1', '2', '3'].map(planned);
    const start = () => startPlanned(jobs, { client, taskQueue: 'q', records: noRecords });
    const [a, b] = await Promise.all([start(), start()]);
    for (const i of jobs.keys()) expect([a[i].status, b[i].status].sort()).toEqual(['already-running', 'started']);
    // A third dispatcher, right after (well within a second), attaches as well.
    expect((await start()).map((r) => r.status)).toEqual(['already-running', 'already-running', 'already-running']);
  });

  it('reports already-done once a run with this ID succeeded', async () => {
    const { client, executions } = fakeServer();
    const job = planned('4');
    const start = () => startPlanned([job], { client, taskQueue: 'q', records: noRecords });
    expect((await start())[0].status).toBe('started');
    executions.get(job.workflowId)!.at(-1)!.status = 'COMPLETED';
    expect((await start())[0].status).toBe('already-done');
  });
});
