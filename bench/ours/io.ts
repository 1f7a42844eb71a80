// Child of bench/io.ts: loads one photometry channel + the trials of each file, one session at
// a time, as the reference's create_df_trials + create_df_fip do, and reports per-file times.
import { openNwb } from '../../src/nwb/open.js';
import { readSession } from '../../src/nwb/session.js';
import { createDfFip, createDfTrials } from '../../src/nwb/tables.js';
import { childArgs, emit, peakRssMb } from './emit.js';

export interface IoArgs {
  files: { path: string; channel: string }[];
}

export interface IoFileResult {
  ms: number;
  trials: number;
  /** Tidy df_fip rows of the requested channel. */
  fipRows: number;
}

export interface IoReport {
  files: IoFileResult[];
  peakRssMb: number;
}

const { files } = childArgs<IoArgs>();
const results: IoFileResult[] = [];
for (const { path, channel } of files) {
  const started = performance.now();
  const source = await openNwb(path);
  const session = await readSession(source, { channels: [channel] }).finally(() => source.close());
  const trials = createDfTrials(session).table;
  const fip = createDfFip(session);
  const ms = performance.now() - started;
  const event = fip?.data.event;
  const fipRows = event?.kind === 'string' ? event.values.filter((e) => e === channel).length : 0;
  results.push({ ms, trials: trials.rowCount, fipRows });
}
emit({ files: results, peakRssMb: peakRssMb() } satisfies IoReport);
