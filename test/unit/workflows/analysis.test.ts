// analysisWorkflow on a Temporal server of its own (test/support/workflow-env.ts) with stub
// activities that record what the workflow asks and answer as the test says: the order of the
// steps and what each is given, cached sessions merged back in session order, the bound on
// sessions in flight, the `progress` query at each step, the failure record (cancellation
// included) and an already-done key. The real activities are tested on their own
// (test/unit/activities/).
import { randomUUID } from 'node:crypto';
import { EventEmitter, once } from 'node:events';
import { WorkflowFailedError, type WorkflowHandle, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundle } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalysisActivities, GroupResult, ResolveResult, WriteRecordArgs } from '../../../src/activities/analysis.js';
import type { AnalysisProgress, AnalysisWorkflowInput, AnalysisWorkflowResult, OutputEntry, SessionRef } from '../../../src/workflows/analysis-types.js';
import { analysisWorkflow, progressQuery } from '../../../src/workflows/analysis.js';
import { SA } from '../../../src/workflows/search-attributes.js';
import { bundleWorkflows, createTestEnv } from '../../support/workflow-env.js';

let env: TestWorkflowEnvironment;
let bundle: WorkflowBundle;

beforeAll(async () => {
  // Bundled once for every worker of this file (webpack takes seconds; a worker then starts at once).
  [env, bundle] = await Promise.all([createTestEnv(), bundleWorkflows()]);
}, 60_000);

afterAll(async () => {
  await env?.teardown();
});

type Name = keyof AnalysisActivities;
type Args<K extends Name> = Parameters<AnalysisActivities[K]>[0];
type Answer<K extends Name> = (args: Args<K>) => ReturnType<AnalysisActivities[K]>;
type Answers = { [K in Name]: Answer<K> };
interface Call<K extends Name = Name> {
  name: K;
  args: Args<K>;
}

const KEY = 'c0ffee'.padEnd(64, '0');
const input = (over: Partial<AnalysisWorkflowInput> = {}): AnalysisWorkflowInput => ({
  analysisName: 'grouped-analysis',
  analysisVersion: '1.0.0',
  codeVersion: '0.1.0+src.0123456789ab',
  dedupKey: KEY,
  subjectId: '697062',
  analysisTag: 'T1',
  parameters: { analysis_name: 'grouped-analysis', analysis_tag: 'T1' },
  inputs: { locations: ['s3://data/697062'] },
  ...over,
});
const sessionsOf = (n: number): SessionRef[] => Array.from({ length: n }, (_, i) => ({ uri: `s3://data/697062/ses-${i}.nwb`, size: 100 + i, fingerprint: `f${i}` }));
const partialKey = (s: SessionRef) => `_cache/grouped-analysis/${s.fingerprint}.partial`;
const output = (name: string): OutputEntry => ({ name, uri: `s3://results/${KEY}/${name}`, size: name.length, sha256: name.padEnd(64, '0') });

/** The resolver's answer: `sessions`, those whose index is in `cached` found in the cache. */
const resolved = (sessions: SessionRef[], cached: number[] = []): ResolveResult => ({
  kind: 'resolved',
  sessions,
  outputPrefix: `s3://results/${KEY}/`,
  warnings: ['resolver warning'],
  cachedPartials: sessions.map((s, i) => (cached.includes(i) ? partialKey(s) : null)),
  partialKeys: sessions.map(partialKey),
});

/** Answers that succeed: a session's partial under the resolver's key, one output per step. */
function succeeding(sessions: SessionRef[], cached: number[] = []): Answers {
  return {
    resolveInputs: async () => resolved(sessions, cached),
    analyzeSession: async ({ session, partialKey }) => ({ partialKey: partialKey!, fromCache: false, warnings: [`computed ${session.uri}`] }),
    computeGroup: async ({ partialKeys }): Promise<GroupResult> => ({
      outputs: [output('sessions.csv')],
      summary: { sessions_used: partialKeys.length },
      warnings: ['group warning'],
      sessionWarnings: partialKeys.map((k) => `warning of ${k}`),
    }),
    publishResults: async ({ outputs }) => [...outputs, output('index.html'), output('manifest.json')],
    writeRecord: async () => undefined,
  };
}

/**
 * Stub activities: every call recorded (in the order the worker ran them), then answered, once
 * `hold` (if given) lets the `nth` call of that activity go on.
 */
class Stub {
  readonly calls: Call[] = [];
  readonly activities: AnalysisActivities;
  private readonly events = new EventEmitter();

  constructor(answers: Answers, hold?: (name: Name, nth: number) => Promise<void>) {
    const recorded =
      <K extends Name>(name: K): Answer<K> =>
      (args) => {
        this.calls.push({ name, args } as Call);
        const held = hold?.(name, this.argsOf(name).length);
        this.events.emit('call');
        const answer = answers[name] as (a: Args<K>) => Promise<unknown>;
        return (async () => {
          await held;
          return await answer(args);
        })() as ReturnType<Answer<K>>;
      };
    this.activities = {
      resolveInputs: recorded('resolveInputs'),
      analyzeSession: recorded('analyzeSession'),
      computeGroup: recorded('computeGroup'),
      publishResults: recorded('publishResults'),
      writeRecord: recorded('writeRecord'),
    } satisfies Answers;
  }

  names(): Name[] {
    return this.calls.map((c) => c.name);
  }

  argsOf<K extends Name>(name: K): Args<K>[] {
    return this.calls.filter((c): c is Call<K> => c.name === name).map((c) => c.args);
  }

  /** Resolves once the `n`th call of `name` has started. */
  async started(name: Name, n = 1): Promise<void> {
    while (this.argsOf(name).length < n) await once(this.events, 'call');
  }
}

/** A promise and its resolve, for an answer the test gives when it chooses. */
function gate() {
  let open!: () => void;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

type Start = (wf: AnalysisWorkflowInput) => Promise<WorkflowHandleWithFirstExecutionRunId<typeof analysisWorkflow>>;

/** Runs `fn` against a worker (its own task queue) serving the workflow with `stub`'s activities. */
async function withWorker<R>(stub: Stub, fn: (start: Start) => Promise<R>): Promise<R> {
  const taskQueue = `analysis-test-${randomUUID()}`;
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle, activities: stub.activities });
  const start = (wf: AnalysisWorkflowInput) => env.client.workflow.start(analysisWorkflow, { taskQueue, workflowId: `analysis-test-${randomUUID()}`, args: [wf] });
  return await worker.runUntil(() => fn(start));
}

/** The largest number of `activity` calls the server had scheduled and not yet closed, from the history. */
async function mostInFlight(handle: WorkflowHandle, activity: Name): Promise<number> {
  const open = new Set<string>();
  let most = 0;
  for (const e of (await handle.fetchHistory()).events ?? []) {
    const scheduled = e.activityTaskScheduledEventAttributes;
    if (scheduled?.activityType?.name === activity) open.add(String(e.eventId));
    const closed =
      e.activityTaskCompletedEventAttributes ?? e.activityTaskFailedEventAttributes ?? e.activityTaskTimedOutEventAttributes ?? e.activityTaskCanceledEventAttributes;
    if (closed) open.delete(String(closed.scheduledEventId));
    most = Math.max(most, open.size);
  }
  return most;
}

const failure = (message: string, file?: string) => ApplicationFailure.create({ type: 'InvalidInput', message, nonRetryable: true, details: [{ file }] });

describe('analysisWorkflow', () => {
  it('resolves, analyses each session, groups, publishes and records, each step given what the previous ones returned', async () => {
    const sessions = sessionsOf(3);
    const stub = new Stub(succeeding(sessions));
    const wf = input({ batchTag: 'batch-1' });
    const { result, sessionCount } = await withWorker(stub, async (start) => {
      const handle = await start(wf);
      const result = await handle.result();
      return { result, sessionCount: (await handle.describe()).typedSearchAttributes.get(SA.SessionCount) };
    });

    expect(stub.names()).toEqual(['resolveInputs', 'analyzeSession', 'analyzeSession', 'analyzeSession', 'computeGroup', 'publishResults', 'writeRecord']);
    expect(stub.argsOf('resolveInputs')).toEqual([wf]);
    const byUri = (a: { session: SessionRef }, b: { session: SessionRef }) => a.session.uri.localeCompare(b.session.uri);
    expect(stub.argsOf('analyzeSession').sort(byUri)).toEqual(sessions.map((session) => ({ workflow: wf, session, partialKey: partialKey(session) })));
    expect(stub.argsOf('computeGroup')).toEqual([{ workflow: wf, sessions, partialKeys: sessions.map(partialKey) }]);

    const warnings = ['resolver warning', ...sessions.map((s) => `warning of ${partialKey(s)}`), 'group warning'];
    const [published] = stub.argsOf('publishResults');
    expect(published).toEqual({ workflow: wf, outputs: [output('sessions.csv')], sessions, warnings, timings: expect.any(Array) });
    expect(published.timings!.map((t) => t.step)).toEqual(['resolve', 'sessions', 'group']);
    const [record] = stub.argsOf('writeRecord');
    const outputs = ['sessions.csv', 'index.html', 'manifest.json'].map(output);
    expect(record).toEqual({
      workflow: wf,
      status: 'completed',
      sessions,
      outputs,
      warnings,
      timings: expect.any(Array),
      startedAt: expect.any(String),
      summary: { sessions_used: 3 },
    } satisfies WriteRecordArgs);
    expect(record.timings.map((t) => t.step)).toEqual(['resolve', 'sessions', 'group', 'publish']);
    // In workflow time, one after another.
    const instants = [record.startedAt, ...record.timings.flatMap((t) => [t.startedAt, t.endedAt])].map(Date.parse);
    expect(instants).toEqual([...instants].sort((a, b) => a - b));

    expect(result).toEqual({
      status: 'completed',
      dedupKey: KEY,
      recordId: KEY,
      subjectId: '697062',
      outputPrefix: `s3://results/${KEY}/`,
      sessions: 3,
      sessionsFromCache: 0,
      outputs: 3,
      warnings,
    } satisfies AnalysisWorkflowResult);
    expect(sessionCount).toBe(3);
  });

  it('runs no activity for the sessions the resolver found cached, and merges the rest back in session order whatever order they end in', async () => {
    const sessions = sessionsOf(5);
    const base = succeeding(sessions, [0, 2]);
    const done = new Map(sessions.map((s) => [s.uri, gate()]));
    const stub = new Stub({
      ...base,
      analyzeSession: async (args) => {
        await done.get(args.session.uri)!.promise;
        return await base.analyzeSession(args);
      },
      // As computeGroup answered before it returned the sessions' warnings: the workflow takes them from the session results.
      computeGroup: async (args) => ({ ...(await base.computeGroup(args)), sessionWarnings: undefined }),
    });
    const result = await withWorker(stub, async (start) => {
      const handle = await start(input());
      await stub.started('analyzeSession', 3);
      for (const i of [4, 3, 1]) done.get(sessions[i].uri)!.open();
      return await handle.result();
    });

    expect(stub.argsOf('analyzeSession').map((a) => a.session.uri).sort()).toEqual([1, 3, 4].map((i) => sessions[i].uri));
    expect(stub.argsOf('computeGroup')[0].partialKeys).toEqual(sessions.map(partialKey));
    const computed = [1, 3, 4].map((i) => `computed ${sessions[i].uri}`);
    expect(stub.argsOf('writeRecord')[0].warnings).toEqual(['resolver warning', ...computed, 'group warning']);
    expect(result).toMatchObject({ sessions: 5, sessionsFromCache: 2 });
  });

  it.each([
    { parallelism: 1, expected: 1 },
    { parallelism: 2, expected: 2 },
    { parallelism: undefined, expected: 4 }, // the default
  ])('has at most sessionParallelism ($parallelism) sessions in flight', async ({ parallelism, expected }) => {
    const stub = new Stub(succeeding(sessionsOf(7)));
    const most = await withWorker(stub, async (start) => {
      const handle = await start(input(parallelism ? { sessionParallelism: parallelism } : {}));
      await handle.result();
      return await mostInFlight(handle, 'analyzeSession');
    });
    expect(stub.argsOf('analyzeSession')).toHaveLength(7);
    expect(most).toBe(expected);
  });

  it('answers the progress query at each step', async () => {
    const sessions = sessionsOf(3);
    const base = succeeding(sessions, [1]);
    // Every call waits until the test has queried the progress.
    const held = new Map<string, () => void>();
    const hold = (name: Name, nth: number) => new Promise<void>((release) => held.set(`${name} ${nth}`, release));
    const stub = new Stub(
      {
        ...base,
        // The second computed session found its partial stored meanwhile (another run made it): counted as from the cache.
        analyzeSession: async (args) => ({ ...(await base.analyzeSession(args)), fromCache: args.session.uri === sessions[2].uri }),
      },
      hold,
    );
    const seen: AnalysisProgress[] = [];
    await withWorker(stub, async (start) => {
      const handle = await start(input({ sessionParallelism: 1 }));
      const step = async (name: Name, nth = 1) => {
        await stub.started(name, nth);
        seen.push(await handle.query(progressQuery));
        held.get(`${name} ${nth}`)!();
      };
      await step('resolveInputs');
      await step('analyzeSession', 1);
      await step('analyzeSession', 2);
      await step('computeGroup');
      await step('publishResults');
      await step('writeRecord');
      await handle.result();
      seen.push(await handle.query(progressQuery));
    });
    const p = (step: AnalysisProgress['step'], sessionsDone: number, sessionsFromCache: number, sessionsTotal = 3) => ({ step, sessionsDone, sessionsTotal, sessionsFromCache });
    expect(seen).toEqual([
      p('resolving', 0, 0, 0),
      p('sessions', 1, 1), // the cached session counts as done
      p('sessions', 2, 1),
      p('group', 3, 2),
      p('publishing', 3, 2),
      p('recording', 3, 2),
      p('done', 3, 2),
    ]);
  });

  describe('a step that fails', () => {
    const sessions = sessionsOf(2);
    const steps: Exclude<Name, 'writeRecord'>[] = ['resolveInputs', 'analyzeSession', 'computeGroup', 'publishResults'];
    const cases: { step: string; activity: (typeof steps)[number]; recordedSessions: SessionRef[]; timings: string[] }[] = [
      { step: 'resolving', activity: 'resolveInputs', recordedSessions: [], timings: [] },
      { step: 'sessions', activity: 'analyzeSession', recordedSessions: sessions, timings: ['resolve'] },
      { step: 'group', activity: 'computeGroup', recordedSessions: sessions, timings: ['resolve', 'sessions'] },
      { step: 'publishing', activity: 'publishResults', recordedSessions: sessions, timings: ['resolve', 'sessions', 'group'] },
    ];
    it.each(cases)('in $step: recorded as failed in that step, naming the file, and the run fails with its error', async ({ step, activity, recordedSessions, timings }) => {
      const stub = new Stub({
        ...succeeding(sessions),
        [activity]: async () => {
          throw failure(`bad input in ${activity}`, 's3://data/697062/ses-1.nwb');
        },
      });
      const { err, runId, progress } = await withWorker(stub, async (start) => {
        const handle = await start(input());
        const err = await handle.result().catch((e: unknown) => e);
        return { err, runId: handle.firstExecutionRunId, progress: await handle.query(progressQuery) };
      });

      expect(err).toBeInstanceOf(WorkflowFailedError);
      const cause = (err as WorkflowFailedError).cause;
      expect(cause).toBeInstanceOf(ActivityFailure);
      expect(cause?.cause).toMatchObject({ message: `bad input in ${activity}`, type: 'InvalidInput' });
      // No step after the failed one ran (both sessions may have started before the first one failed).
      expect(new Set(stub.names().filter((n) => n !== 'writeRecord'))).toEqual(new Set(steps.slice(0, steps.indexOf(activity) + 1)));
      const failed = stub.argsOf('writeRecord');
      expect(failed).toEqual([
        {
          workflow: input(),
          status: 'failed',
          sessions: recordedSessions,
          outputs: [],
          warnings: [],
          timings: expect.any(Array),
          startedAt: expect.any(String),
          error: { message: `bad input in ${activity}`, step, file: 's3://data/697062/ses-1.nwb', type: 'InvalidInput', runId },
        },
      ]);
      expect(failed[0].timings.map((t) => t.step)).toEqual(timings);
      expect(progress.step).toBe('failed');
    });

    it('in recording: the completed record that could not be written is replaced by a failed one', async () => {
      const stub = new Stub({
        ...succeeding(sessions),
        writeRecord: async ({ status }) => {
          if (status === 'completed') throw failure('record refused');
        },
      });
      const err = await withWorker(stub, async (start) => (await start(input())).result().catch((e: unknown) => e));
      expect(err).toBeInstanceOf(WorkflowFailedError);
      expect(stub.argsOf('writeRecord').map((a) => [a.status, a.error?.step, a.error?.message])).toEqual([
        ['completed', undefined, undefined],
        ['failed', 'recording', 'record refused'],
      ]);
    });

    it('and then the failed record cannot be written either: the run fails with the step error, not the record error', async () => {
      const stub = new Stub({
        ...succeeding(sessions),
        computeGroup: async () => {
          throw failure('group failed');
        },
        writeRecord: async () => {
          throw failure('record store refused');
        },
      });
      const err = await withWorker(stub, async (start) => (await start(input())).result().catch((e: unknown) => e));
      expect((err as WorkflowFailedError).cause?.cause).toMatchObject({ message: 'group failed' });
      expect(stub.argsOf('writeRecord')).toHaveLength(1);
    });
  });

  it('cancelled while a session runs: still records the failure (the record write is not cancelled), then ends cancelled', async () => {
    const sessions = sessionsOf(2);
    const never = gate();
    const stub = new Stub({ ...succeeding(sessions), analyzeSession: async () => await never.promise.then(() => ({ partialKey: 'unused', fromCache: false, warnings: [] })) });
    const { err, status, runId } = await withWorker(stub, async (start) => {
      try {
        const handle = await start(input());
        await stub.started('analyzeSession', 2);
        await handle.cancel();
        const err = await handle.result().catch((e: unknown) => e);
        return { err, status: (await handle.describe()).status.name, runId: handle.firstExecutionRunId };
      } finally {
        never.open(); // the stub's sessions end, so that the worker can shut down
      }
    });
    expect(status).toBe('CANCELLED');
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect((err as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    expect(stub.names()).toEqual(['resolveInputs', 'analyzeSession', 'analyzeSession', 'writeRecord']);
    expect(stub.argsOf('writeRecord')[0]).toMatchObject({ status: 'failed', sessions, outputs: [], error: { step: 'sessions', message: 'Activity cancelled', runId } });
  });

  it("already done: returns the existing record's result and runs nothing else", async () => {
    const done: AnalysisWorkflowResult = {
      status: 'already-done',
      dedupKey: KEY,
      recordId: KEY,
      subjectId: '697062',
      outputPrefix: `s3://results/${KEY}/`,
      sessions: 4,
      sessionsFromCache: 0,
      outputs: 12,
      warnings: ['from the first run'],
    };
    const stub = new Stub({ ...succeeding([]), resolveInputs: async () => ({ kind: 'already-done', result: done }) });
    const { result, progress, sessionCount } = await withWorker(stub, async (start) => {
      const handle = await start(input());
      const result = await handle.result();
      return { result, progress: await handle.query(progressQuery), sessionCount: (await handle.describe()).typedSearchAttributes.get(SA.SessionCount) };
    });
    expect(result).toEqual(done);
    expect(stub.names()).toEqual(['resolveInputs']);
    expect(progress).toEqual({ step: 'done', sessionsDone: 0, sessionsTotal: 0, sessionsFromCache: 0 });
    expect(sessionCount).toBeUndefined();
  });
});
