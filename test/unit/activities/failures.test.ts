// The activities' failure paths: what cannot succeed on a retry (an analysis this worker does not
// know, a resource file that is not there, a record that cannot be built from the run's input) is
// a non-retryable InvalidInput naming the problem, nothing is left claimed `running` by a resolver
// that refused its input, and a failed run's record can always be written (no sessions yet, an
// unknown analysis, a worker of another code version).
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/activity';
import { describe, expect, it } from 'vitest';
import { createAnalysisActivities, type AnalysisActivityDeps, type WriteRecordArgs } from '../../../src/activities/analysis.js';
import { ANALYSES, getAnalysis } from '../../../src/analyses/registry.js';
import type { LoadedSession } from '../../../src/nwb/session.js';
import { InputNotFoundError } from '../../../src/stores/inputs.js';
import { LocalObjectStore } from '../../../src/stores/local.js';
import { LocalRecordStore } from '../../../src/stores/local-records.js';
import type { ProcessingRecord } from '../../../src/activities/record.js';
import { computeDedupKey } from '../../../src/schemas/dedup-key.js';
import type { AnalysisWorkflowInput } from '../../../src/workflows/analysis-types.js';
import { workflowInput } from '../../support/runs.js';
import { inActivityContext } from '../../support/activity-env.js';

async function setup(overrides: Partial<AnalysisActivityDeps> = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'ga-fail-'));
  const records = new LocalRecordStore<ProcessingRecord>(join(dir, 'records'));
  const activities = inActivityContext(createAnalysisActivities({
    results: new LocalObjectStore(join(dir, 'results')),
    records,
    getAnalysis,
    resolveSessionFiles: async (loc) => [{ uri: `${loc}/nwb/s.nwb`, size: 1, fingerprint: 'f' }],
    loadSession: async () => ({}) as LoadedSession,
    readResource: async (uri) => {
      throw new InputNotFoundError(uri, 'no such file');
    },
    codeVersion: '0.1.0+src.0123456789ab',
    workerIdentity: 'test',
    now: () => new Date(0),
    ...overrides,
  }));
  return { dir, records, activities };
}

function expectInvalidInput(err: unknown, ...mentions: string[]) {
  expect(err).toBeInstanceOf(ApplicationFailure);
  expect((err as ApplicationFailure).type).toBe('InvalidInput');
  expect((err as ApplicationFailure).nonRetryable).toBe(true);
  for (const m of mentions) expect((err as ApplicationFailure).message).toContain(m);
}

/** What the workflow asks to record for a run whose resolver failed: no sessions, no outputs. */
const failedInResolve = (workflow: AnalysisWorkflowInput, error: { message: string; type?: string }): WriteRecordArgs => ({
  workflow,
  status: 'failed',
  sessions: [],
  outputs: [],
  warnings: [],
  timings: [],
  startedAt: new Date(0).toISOString(),
  error: { ...error, step: 'resolving' },
});

const registered = ANALYSES.map((a) => a.parameters.name);
const session = { uri: 's3://data/x/nwb/s.nwb', size: 1, fingerprint: 'f' };

describe('an analysis this worker does not know', () => {
  const unknown = workflowInput({ subjectId: '1', analysisName: 'no-such-analysis' });

  it('is non-retryable bad input naming the registered analyses, in every activity that looks it up', async () => {
    const { activities } = await setup();
    const attempts = [
      activities.resolveInputs(unknown),
      activities.analyzeSession({ workflow: unknown, session }),
      activities.computeGroup({ workflow: unknown, sessions: [session], partialKeys: ['_cache/x.partial'] }),
    ];
    for (const attempt of attempts) expectInvalidInput(await attempt.catch((e: unknown) => e), 'no-such-analysis', ...registered);
  });

  it('still gets its failed record, with no sessions', async () => {
    const { activities, records } = await setup();
    await activities.writeRecord(failedInResolve(unknown, { message: 'unknown analysis "no-such-analysis"', type: 'InvalidInput' }));
    const record = await records.get(unknown.dedupKey);
    expect(record).toMatchObject({ status: 'failed', error: { step: 'resolving', message: 'unknown analysis "no-such-analysis"', file: null }, inputs: { files: [] } });
  });
});

describe('a resource file (fit_source) that cannot be read', () => {
  it('fails the resolver as bad input naming the file, before the key is claimed `running`', async () => {
    const fit = 's3://data/fits/missing-fit.json';
    const w = (() => {
      const base = workflowInput({ subjectId: '2', analysisName: 'grouped-analysis' });
      const parameters = getAnalysis('grouped-analysis').parameters.schema.parse({ analysis_tag: 't1', channels: { G_1: 'NAc' }, fit_source: fit }) as unknown as Record<string, unknown>;
      const dedupKey = computeDedupKey({ analysisName: base.analysisName, analysisVersion: base.analysisVersion, codeVersion: base.codeVersion, inputLocations: base.inputs.locations, parameters });
      return { ...base, parameters, dedupKey } satisfies AnalysisWorkflowInput;
    })();
    const { activities, records } = await setup();
    expectInvalidInput(await activities.resolveInputs(w).catch((e: unknown) => e), fit);
    expect(await records.get(w.dedupKey)).toBeUndefined();
  });
});

describe('a failed run on a worker of another code version', () => {
  it('records the failure under the code version its key names', async () => {
    const w = workflowInput({ subjectId: '3' });
    const { activities, records } = await setup({ codeVersion: '9.9.9+src.ffffffffffff' });
    expect(await activities.resolveInputs(w).catch((e: unknown) => e)).toMatchObject({ type: 'CodeVersionMismatch', nonRetryable: false }); // another worker may hold that version
    await activities.writeRecord(failedInResolve(w, { message: 'code version mismatch' }));
    const record = await records.get(w.dedupKey);
    expect(record?.status).toBe('failed');
    expect(record?.processing.data_processes[0].code.version).toBe(w.codeVersion);
  });
});

describe('a run whose input cannot make a valid record (started by hand)', () => {
  // A well-formed key that is not the key of this input: the record would not validate.
  const w = { ...workflowInput({ subjectId: '4' }), dedupKey: 'b'.repeat(64) };

  it('is refused by the resolver as non-retryable bad input, not retried 40 times', async () => {
    const { activities } = await setup();
    expectInvalidInput(await activities.resolveInputs(w).catch((e: unknown) => e), 'record');
  });

  it('makes writeRecord fail non-retryably too', async () => {
    const { activities } = await setup();
    const err = await activities.writeRecord(failedInResolve(w, { message: 'x' })).catch((e: unknown) => e);
    expectInvalidInput(err, 'record');
  });

  it('with a key that is not a key (a path out of the results prefix), every step refuses it non-retryably', async () => {
    // The failure record of such a run used to be retried 40 times: its output location is made from the key.
    const escape = { ...w, dedupKey: '../../other-bucket/escaped' };
    const { activities } = await setup();
    expectInvalidInput(await activities.resolveInputs(escape).catch((e: unknown) => e), 'dedup key');
    expectInvalidInput(await activities.writeRecord(failedInResolve(escape, { message: 'x' })).catch((e: unknown) => e), 'dedup key');
    expectInvalidInput(await activities.publishResults({ workflow: escape, outputs: [] }).catch((e: unknown) => e), 'dedup key');
  });
});
