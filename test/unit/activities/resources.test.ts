// Analysis resources (extra input files such as fitted parameters) through the real activities
// with local stores: their content is part of the per-session cache key, and an unreadable one is
// non-retryable bad input naming the file.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/activity';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { createAnalysisActivities } from '../../../src/activities/analysis.js';
import { defineAnalysis } from '../../../src/analyses/define.js';
import type { LoadedSession } from '../../../src/nwb/session.js';
import { analysisTag } from '../../../src/schemas/analysis-spec.js';
import { LocalObjectStore } from '../../../src/stores/local.js';
import { LocalRecordStore } from '../../../src/stores/local-records.js';
import { readInputFile } from '../../../src/stores/inputs.js';
import type { AnalysisWorkflowInput } from '../../../src/workflows/analysis-types.js';
import { inActivityContext } from '../../support/activity-env.js';

const schema = z.strictObject({ analysis_name: z.literal('echo-resource').default('echo-resource'), analysis_tag: analysisTag, table: z.string() });
const echo = defineAnalysis({
  parameters: { name: 'echo-resource', version: '1.0.0', schema },
  title: 'echo',
  description: 'returns the resource text',
  summary: z.object({}),
  figures: [],
  sessionRequest: () => ({}),
  resources: (spec) => [spec.table],
  perSession: {
    cacheParameters: () => null,
    run: (_s, spec, ctx) => ({ partial: new TextDecoder().decode(ctx.resources?.[spec.table]) }),
  },
  group: async () => ({ files: [], summary: {} }),
});

async function setup() {
  const dir = await mkdtemp(join(tmpdir(), 'ga-res-'));
  const activities = inActivityContext(createAnalysisActivities({
    results: new LocalObjectStore(join(dir, 'results')),
    records: new LocalRecordStore(join(dir, 'records')),
    getAnalysis: () => echo,
    resolveSessionFiles: async () => [],
    loadSession: async () => ({}) as LoadedSession,
    readResource: (uri) => readInputFile(uri, { localRoots: [dir] }),
    codeVersion: '0.1.0+src.000000000000',
    workerIdentity: 'test',
    now: () => new Date(0),
  }));
  const workflow = (table: string) =>
    ({
      analysisName: 'echo-resource',
      dedupKey: 'a'.repeat(64),
      parameters: { analysis_name: 'echo-resource', analysis_tag: 'default', table },
    }) as unknown as AnalysisWorkflowInput;
  return { dir, activities, workflow };
}

const session = { uri: 'file:///s.nwb', size: 1, fingerprint: 'f' };

describe('analysis resources in the activities', () => {
  it('keys the session cache by the resource content', async () => {
    const { dir, activities, workflow } = await setup();
    const table = join(dir, 'table.json');
    await writeFile(table, '{"v":1}');
    const first = await activities.analyzeSession({ workflow: workflow(table), session });
    expect(first.fromCache).toBe(false);
    expect((await activities.analyzeSession({ workflow: workflow(table), session })).fromCache).toBe(true);
    await writeFile(table, '{"v":2}');
    const changed = await activities.analyzeSession({ workflow: workflow(table), session });
    expect(changed.fromCache).toBe(false);
    expect(changed.partialKey).not.toBe(first.partialKey);
  });

  it('fails as non-retryable bad input when a resource cannot be read, naming it', async () => {
    const { dir, activities, workflow } = await setup();
    for (const bad of [join(dir, 'missing.json'), '/etc/hostname']) {
      const err = await activities.analyzeSession({ workflow: workflow(bad), session }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ApplicationFailure);
      expect((err as ApplicationFailure).nonRetryable).toBe(true);
      expect((err as ApplicationFailure).type).toBe('InvalidInput');
      expect((err as ApplicationFailure).message).toContain(bad);
    }
  });
});
