// Every cell of our per-session tables against the lab's Python reference
// (aind-dynamic-foraging-data-utils nwb_utils.create_df_session / _trials / _events / _fip, run
// by scripts/reference on the same file): same columns in the same order, same row count,
// compatible dtypes, numbers within 1e-12 relative error, NaN where the reference has NaN,
// equal strings and booleans.
//
// One deliberate difference: rows of df_events / df_fip with equal timestamps. The reference
// concatenates series in Python set order and sorts with numpy's unstable quicksort, so the order
// inside a group of tied rows is arbitrary (df_fip of 717531 has 1.5 million tied rows: raw and
// preprocessed channels share frame times). Such groups are compared as multisets of rows.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import { openNwb } from '../../../src/nwb/open.js';
import { readSession, type LoadedSession } from '../../../src/nwb/session.js';
import { createDfEvents, createDfFip, createDfSession, createDfTrials } from '../../../src/nwb/tables.js';
import { referenceTables } from '../../support/reference.js';
import { compareTables } from './compare.js';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/real-nwb');
const FILES = [
  '697062_2023-11-14_11-12-44.nwb',
  '697062_2023-11-15_10-02-05.nwb',
  'behavior_717531_2024-08-07_09-01-02.nwb',
];

/** The whole session: every event series and every photometry channel, as the reference reads. */
async function loadAll(file: string): Promise<LoadedSession> {
  const src = await openNwb(file);
  try {
    const { available } = await readSession(src, { events: [] });
    return await readSession(src, { channels: [...available.photometry] });
  } finally {
    await src.close();
  }
}

describe.each(FILES)('%s equals the Python reference', (name) => {
  const file = path.join(FIXTURES, name);

  it('df_session, df_trials (and its warnings), df_events', async () => {
    const [session, ref] = await Promise.all([loadAll(file), referenceTables(file, ['session', 'trials', 'events'])]);
    const trials = createDfTrials(session);
    expect(compareTables(createDfSession(session), ref.session!)).toEqual({ columns: null, rows: null, mismatches: [] });
    expect(compareTables(trials.table, ref.trials!)).toEqual({ columns: null, rows: null, mismatches: [] });
    expect(compareTables(createDfEvents(session), ref.events!, { tieKey: 'timestamps' })).toEqual({
      columns: null,
      rows: null,
      mismatches: [],
    });
    // The harness records warnings as "UserWarning: <message, whitespace collapsed>".
    const ours = trials.warnings.map((w) => `UserWarning: ${w.split(/\s+/).join(' ')}`);
    expect(ours).toEqual(ref.meta.tables.trials!.warnings);
  });

  it('df_fip (every photometry channel and the FIP frame times)', async () => {
    const [session, ref] = await Promise.all([loadAll(file), referenceTables(file, ['fip'])]);
    const fip = createDfFip(session);
    expect(fip === null).toBe(ref.fip === null);
    if (fip !== null && ref.fip) {
      expect(compareTables(fip, ref.fip, { tieKey: 'timestamps' })).toEqual({ columns: null, rows: null, mismatches: [] });
    }
  });
});
