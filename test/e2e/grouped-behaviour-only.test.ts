// End to end on the real servers: grouped-analysis on a mouse without photometry (the real 697062
// HDF5 sessions) with `"channels": {}` (issue 25 item 12). Behaviour outputs only: per-session
// df_trials / df_events, the behaviour figure, the sessions table, an rpe_slope with no rows but
// its declared columns (read back with pandas), the summary; no PSTH figures and no warning about
// channels.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planDispatch, startPlanned } from '../../src/client/dispatch.js';
import { codeVersion } from '../../src/current-code-version.js';
import type { analysisWorkflow } from '../../src/workflows/analysis.js';
import { startE2E, uploadToS3, type E2E } from '../support/e2e.js';
import { runReferencePython } from '../support/reference.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'real-nwb');
const SESSIONS = ['697062_2023-11-14_11-12-44', '697062_2023-11-15_10-02-05'];

// dtypes and row count of a Parquet file as pandas (pyarrow engine) reads it.
const READ = `
import sys, json
import pandas as pd
df = pd.read_parquet(sys.argv[1])
print(json.dumps({'rows': len(df), 'dtypes': {c: str(t) for c, t in df.dtypes.items()}}))
`;

async function pandasRead(file: string): Promise<{ rows: number; dtypes: Record<string, string> }> {
  return JSON.parse((await runReferencePython(['-c', READ, file])).stdout) as { rows: number; dtypes: Record<string, string> };
}

describe('grouped-analysis with "channels": {} on a mouse without photometry (real 697062 sessions)', () => {
  let e: E2E;
  let dir: string;
  const tag = `e2e-nochan-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    e = await startE2E();
    dir = await mkdtemp(join(tmpdir(), 'ga-e2e-nochan-'));
    const locations: string[] = [];
    for (const s of SESSIONS) {
      const uri = await uploadToS3(e.config, join(FIXTURES, `${s}.nwb`), `inputs-${tag}/behavior_${s}/nwb`, `${s}.nwb`);
      locations.push(uri.replace(/\/nwb\/[^/]+$/, ''));
    }
    await writeFile(join(dir, 'job_697062.json'), JSON.stringify({ s3_location: locations, group_metadata: { 'subject.subject_id': '697062' } }));
    await writeFile(
      join(dir, 'analysis_parameters.json'),
      JSON.stringify({ analysis_parameter: { analysis_name: 'grouped-analysis', analysis_tag: tag, channels: {} } }),
    );
  });
  afterAll(async () => {
    await e?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('completes with behaviour outputs only, an empty rpe_slope pandas reads with its columns, and no channel warnings', async () => {
    const planned = await planDispatch({ jobs: [join(dir, 'job_697062.json')], parametersFile: join(dir, 'analysis_parameters.json'), codeVersion: codeVersion() });
    expect(planned).toHaveLength(1);
    expect(planned[0].input.parameters).toMatchObject({ channels: {}, plot_types: ['avg_lastN_sess'] });
    const rows = await startPlanned(planned, { client: e.client, taskQueue: e.config.temporal.taskQueue, records: e.runtime.records });
    expect(rows.map((r) => r.status)).toEqual(['started']);

    const key = planned[0].input.dedupKey;
    const result = await e.client.workflow.getHandle<typeof analysisWorkflow>(planned[0].workflowId).result();
    expect(result).toMatchObject({ status: 'completed', sessions: 2, subjectId: '697062', dedupKey: key });
    expect(result.warnings.filter((w) => /channel|photometry/i.test(w))).toEqual([]);

    const record = await e.runtime.records.get(key);
    expect(record?.status).toBe('completed');
    expect(record?.warnings.filter((w) => /channel|photometry/i.test(w))).toEqual([]);
    const names = record!.outputs.map((o) => o.uri.split(`${key}/`)[1]).sort();
    expect(names).toEqual(
      [
        'figures/behavior_697062.png',
        'figures/behavior_697062.svg',
        'index.html',
        'manifest.json',
        'rpe_slope.csv',
        'rpe_slope.parquet',
        'sessions.csv',
        'sessions.parquet',
        ...SESSIONS.flatMap((s) => {
          const sesIdx = s.slice(0, '697062_2023-11-14'.length);
          return [`sessions/${sesIdx}/df_events.parquet`, `sessions/${sesIdx}/df_trials.parquet`];
        }),
        'summary.json',
      ].sort(),
    );

    const get = async (name: string) => e.runtime.deps.results.get(`${key}/${name}`);
    const summary = JSON.parse(new TextDecoder().decode(await get('summary.json'))) as {
      channels: unknown[];
      figures: string[];
      counts: Record<string, number>;
    };
    expect(summary.channels).toEqual([]);
    expect(summary.figures).toEqual(['behavior_697062']);
    expect(summary.counts).toMatchObject({ sessions_used: 2, sessions_with_photometry: 0, slope_rows: 0 });
    expect(new TextDecoder().decode(await get('rpe_slope.csv'))).toBe(',subject_id,date,channel,slope (RPE >= 0),slope (RPE < 0)\n');

    // pandas reads the empty rpe_slope with its declared columns and types, and the sessions table.
    const local = join(dir, 'rpe_slope.parquet');
    await writeFile(local, await get('rpe_slope.parquet'));
    const slopes = await pandasRead(local);
    expect(slopes.rows).toBe(0);
    expect(Object.keys(slopes.dtypes)).toEqual(['subject_id', 'date', 'channel', 'slope (RPE >= 0)', 'slope (RPE < 0)']);
    expect(slopes.dtypes).toMatchObject({ date: expect.stringMatching(/^datetime64/), 'slope (RPE >= 0)': 'float64', 'slope (RPE < 0)': 'float64' });
    const sessionsFile = join(dir, 'sessions.parquet');
    await writeFile(sessionsFile, await get('sessions.parquet'));
    expect((await pandasRead(sessionsFile)).rows).toBe(2);
  });
});
