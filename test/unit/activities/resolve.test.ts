// resolveInputs lists a job's locations several at a time (on S3 each is a round trip) and still
// keeps the job's session order, drops repeats, and reports the first bad location in job order.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/activity';
import { describe, expect, it } from 'vitest';
import { createAnalysisActivities } from '../../../src/activities/analysis.js';
import { getAnalysis } from '../../../src/analyses/registry.js';
import type { LoadedSession } from '../../../src/nwb/session.js';
import { InputNotFoundError } from '../../../src/stores/inputs.js';
import { LocalObjectStore } from '../../../src/stores/local.js';
import { LocalRecordStore } from '../../../src/stores/local-records.js';
import type { SessionRef } from '../../../src/workflows/analysis-types.js';
import { workflowInput } from '../../support/runs.js';
import { inActivityContext } from '../../support/activity-env.js';

const input = workflowInput({ subjectId: '1', sessions: 30 });
const locations = input.inputs.locations;

async function resolveWith(listing: (loc: string) => Promise<SessionRef[]>) {
  const dir = await mkdtemp(join(tmpdir(), 'ga-resolve-'));
  const activities = inActivityContext(createAnalysisActivities({
    results: new LocalObjectStore(join(dir, 'results')),
    records: new LocalRecordStore(join(dir, 'records')),
    getAnalysis,
    resolveSessionFiles: listing,
    loadSession: async () => ({}) as LoadedSession,
    readResource: async () => new Uint8Array(),
    codeVersion: input.codeVersion,
    workerIdentity: 'test',
    now: () => new Date(0),
  }));
  return await activities.resolveInputs(input);
}

describe('resolveInputs over many locations', () => {
  it('lists 8 at a time and keeps the job order, without repeats', async () => {
    let inFlight = 0;
    let most = 0;
    const resolved = await resolveWith(async (loc) => {
      most = Math.max(most, ++inFlight);
      // Later locations answer first: the order must come from the job, not from the replies.
      await new Promise((ok) => setTimeout(ok, 40 - locations.indexOf(loc)));
      inFlight--;
      const uri = `${loc}/nwb/session.nwb`;
      return [{ uri, size: 1, fingerprint: 'f' }, { uri: `${locations[0]}/nwb/session.nwb`, size: 1, fingerprint: 'f' }];
    });
    expect(most).toBe(8);
    if (resolved.kind !== 'resolved') throw new Error('expected a new run');
    expect(resolved.sessions.map((s) => s.uri)).toEqual(locations.map((l) => `${l}/nwb/session.nwb`));
    expect(resolved.cachedPartials).toEqual(locations.map(() => null));
  });

  it('reports the first bad location in job order as non-retryable bad input', async () => {
    const err = await resolveWith(async (loc) => {
      const i = locations.indexOf(loc);
      if (i === 5 || i === 20) throw new InputNotFoundError(loc, 'no such key');
      if (i === 12) return [];
      return [{ uri: `${loc}/s.nwb`, size: 1, fingerprint: 'f' }];
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as ApplicationFailure).nonRetryable).toBe(true);
    expect((err as ApplicationFailure).message).toContain(locations[5]);
  });
});
