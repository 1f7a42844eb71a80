// The analysis activities in an activity context, as a worker runs them (MockActivityEnvironment):
// they heartbeat through their steps (so that the activity of a killed worker is retried within the
// heartbeat timeout), their record names the run they belong to, and a cancellation that arrives
// mid-session while the stages run on this thread (no compute threads) leaves the session cache
// whole.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Info } from '@temporalio/activity';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { createAnalysisActivities } from '../../../src/activities/analysis.js';
import type { ProcessingRecord } from '../../../src/activities/record.js';
import { defineAnalysis } from '../../../src/analyses/define.js';
import type { LoadedSession } from '../../../src/nwb/session.js';
import { analysisTag } from '../../../src/schemas/analysis-spec.js';
import { LocalObjectStore } from '../../../src/stores/local.js';
import { LocalRecordStore } from '../../../src/stores/local-records.js';
import type { SessionRef } from '../../../src/workflows/analysis-types.js';
import { workflowInput } from '../../support/runs.js';
import { mockActivityEnvironment, runIn, type Activity } from '../../support/activity-env.js';

/** Writes two files per session and one for the group. */
const twoFiles = defineAnalysis({
  parameters: { name: 'two-files', version: '1.0.0', schema: z.object({ analysis_name: z.string(), analysis_tag: analysisTag }) },
  title: 'two files',
  description: 'two files per session',
  summary: z.object({ sessions: z.number() }),
  figures: [],
  sessionRequest: () => ({}),
  perSession: {
    cacheParameters: () => null,
    run: () => ({
      partial: { trials: 1 },
      files: ['a.csv', 'b.csv'].map((name) => ({ name: `sessions/0/${name}`, contentType: 'text/csv', body: `${name}\n` })),
    }),
  },
  group: async (inputs) => ({ files: [{ name: 'summary.json', contentType: 'application/json', body: '{}' }], summary: { sessions: inputs.length } }),
});

const w = workflowInput({ subjectId: '5', analysisName: 'two-files', sessions: 1 });
const session: SessionRef = { uri: `${w.inputs.locations[0]}/s.nwb`, size: 1, fingerprint: 'f' };

async function setup() {
  const dir = await mkdtemp(join(tmpdir(), 'ga-context-'));
  const results = new LocalObjectStore(join(dir, 'results'));
  const records = new LocalRecordStore<ProcessingRecord>(join(dir, 'records'));
  const activities = createAnalysisActivities({
    results,
    records,
    getAnalysis: () => twoFiles,
    resolveSessionFiles: async () => [session],
    loadSession: async () => ({}) as LoadedSession,
    readResource: async () => new Uint8Array(),
    codeVersion: w.codeVersion,
    workerIdentity: 'test',
    now: () => new Date(0),
  });
  return { results, records, activities };
}

/** A mock activity context that keeps the details of every heartbeat; `run` calls an activity in it. */
function context(info: Partial<Info> = {}) {
  const env = mockActivityEnvironment(info);
  const beats: { stage: string; [k: string]: unknown }[] = [];
  env.on('heartbeat', (d: (typeof beats)[number]) => beats.push(d));
  const stages = () => [...new Set(beats.map((b) => b.stage))];
  const run = <F extends Activity>(fn: F, ...args: Parameters<F>) => runIn(env, fn, ...args);
  return { env, beats, stages, run };
}

describe('heartbeats', () => {
  it('a session heartbeats as it loads, computes and stores each file, naming the session; a cached one returns at once', async () => {
    const { activities } = await setup();
    const first = context();
    expect((await first.run(activities.analyzeSession, { workflow: w, session })).fromCache).toBe(false);
    expect(first.stages()).toEqual(['load', 'compute', 'store']);
    expect(first.beats.every((b) => b.session === session.uri)).toBe(true);
    expect(first.beats.filter((b) => b.stage === 'store').map((b) => b.file).sort()).toEqual(['sessions/0/a.csv', 'sessions/0/b.csv']);

    const again = context();
    expect((await again.run(activities.analyzeSession, { workflow: w, session })).fromCache).toBe(true);
    expect(again.beats).toEqual([]);
  });

  it('the resolver, the group step and the publisher heartbeat through their steps', async () => {
    const { activities } = await setup();
    const resolve = context();
    const resolved = await resolve.run(activities.resolveInputs, w);
    if (resolved.kind !== 'resolved') throw new Error('expected a new run');
    expect(resolve.stages()).toEqual(expect.arrayContaining(['resolve', 'resources', 'cache']));
    expect(resolve.beats.find((b) => b.stage === 'resolve')).toEqual({ stage: 'resolve', location: w.inputs.locations[0] });

    const { partialKey } = await context().run(activities.analyzeSession, { workflow: w, session });
    const group = context();
    const grouped = await group.run(activities.computeGroup, { workflow: w, sessions: [session], partialKeys: [partialKey] });
    expect(group.stages()).toEqual(expect.arrayContaining(['copy', 'group', 'upload']));

    const publish = context();
    await publish.run(activities.publishResults, { workflow: w, outputs: grouped.outputs });
    expect(publish.beats.filter((b) => b.stage === 'verify').map((b) => b.output)).toEqual(grouped.outputs.map((o) => o.name));
  });
});

describe('the run in the record', () => {
  it("is the activity's namespace, task queue and workflow run, claimed by the resolver and written by writeRecord", async () => {
    const { activities, records } = await setup();
    const infoOf = (runId: string): Partial<Info> => ({ workflowNamespace: 'lab', taskQueue: 'analysis-q', workflowExecution: { workflowId: 'wf', runId } });
    await context(infoOf('run-1')).run(activities.resolveInputs, w);
    expect((await records.get(w.dedupKey))?.temporal).toMatchObject({ namespace: 'lab', task_queue: 'analysis-q', run_id: 'run-1' });

    // A later run (after a failure, say) records its own run ID.
    const failed = { workflow: w, status: 'failed' as const, sessions: [session], outputs: [], warnings: [], timings: [], startedAt: new Date(0).toISOString(), error: { message: 'x', step: 'group' } };
    await context(infoOf('run-2')).run(activities.writeRecord, failed);
    expect((await records.get(w.dedupKey))?.temporal).toMatchObject({ namespace: 'lab', task_queue: 'analysis-q', run_id: 'run-2' });
  });
});

describe('cancellation', () => {
  it('mid-session, with the stages on this thread, is not acted on: the session finishes and caches its partial and files whole, so the next run reuses them', async () => {
    const { activities, results } = await setup();
    const { env, stages, run } = context();
    env.on('heartbeat', (d: { stage: string }) => {
      if (d.stage === 'compute') env.cancel();
    });
    const done = await run(activities.analyzeSession, { workflow: w, session });
    expect(env.context.cancellationSignal.aborted).toBe(true);
    expect(stages()).toEqual(['load', 'compute', 'store']);
    expect(done.fromCache).toBe(false);
    const files = done.partialKey.replace(/\.partial$/, '/sessions/0/');
    for (const key of [done.partialKey, `${files}a.csv`, `${files}b.csv`]) expect(await results.head(key), key).toBeDefined();
    expect((await context().run(activities.analyzeSession, { workflow: w, session })).fromCache).toBe(true);
  });
});
