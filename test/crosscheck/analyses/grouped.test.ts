// Cross-check of the grouped photometry plugin's per-session trial table and rpe_slope table
// against the lab's pipeline (scripts/reference/grouped_pipeline.py) on the real Zarr fixture.
// The Python side runs the models package's forward pass at OUR fitted parameters, so the fit
// itself is not compared here (see test/crosscheck/science/qlearning.test.ts for that).
// Cells: equal NaN positions, |a - b| <= max(1e-12, 1e-9 |b|); masks, each named:
// - F1: the last trial's goCue_start_time_next_* (ours: the last FIP timestamp; reference: NaN).
// - F14: this fixture's *_preprocessed series repeat every timestamp, and the reference pairs the
//   samples of a timestamp in its tidy merge; the average windows and RPE slopes built on the tidy
//   rows therefore differ by design: only their NaN positions / row keys are compared.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { groupedPhotometry } from '../../../src/analyses/grouped-photometry/index.js';
import type { SessionPartial } from '../../../src/analyses/grouped-photometry/session.js';
import type { GroupOutput, SessionOutput } from '../../../src/analyses/define.js';
import { openNwb } from '../../../src/nwb/open.js';
import { readSession } from '../../../src/nwb/session.js';
import { CellComparison, cellNumber } from '../../support/compare-cells.js';
import { parquetRows } from '../../support/outputs.js';
import { runReferencePython } from '../../support/reference.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const FIXTURE = 'test/fixtures/real-nwb/behavior_717531_2024-08-07_09-01-02.nwb';
const spec = groupedPhotometry.parameters.schema.parse({
  channels: { G_1: 'NAc', G_2: 'VTA' },
  preprocessing: 'preprocessed',
  plot_types: ['avg_lastN_sess'],
});
const CHANNELS = ['G_1_preprocessed', 'G_2_preprocessed'];

type Cell = number | string | boolean | null;
interface Reference {
  ses_idx: string;
  trials: Record<string, Cell[]>;
  categories: Record<string, (string | null)[]>;
  rpe_slope: Record<string, Cell>[];
}

const cells = new CellComparison();

let ref: Reference;
let out: SessionOutput<SessionPartial>;
let group: GroupOutput<unknown>;
let ours: Record<string, unknown[]>;

beforeAll(async () => {
  const session = await readSession(await openNwb(join(root, FIXTURE)), groupedPhotometry.sessionRequest(spec));
  const ctx = { subjectId: '717531', warn: () => undefined };
  out = groupedPhotometry.perSession.run(session, spec, ctx);
  group = await groupedPhotometry.group([{ uri: FIXTURE, partial: out.partial }], spec, ctx);
  const file = out.files!.find((f) => f.name.endsWith('df_trials.parquet'))!.body;
  const rows = await parquetRows(file);
  ours = Object.fromEntries(Object.keys(rows[0]).map((k) => [k, rows.map((r) => r[k])]));

  const dir = await mkdtemp(join(tmpdir(), 'ga-grouped-xcheck-'));
  try {
    const params = join(dir, 'params.json');
    await writeFile(params, JSON.stringify({ model: out.partial.model!.name, params: out.partial.model!.params }));
    const target = join(dir, 'ref.json');
    await runReferencePython(['scripts/reference/grouped_pipeline.py', '--nwb', FIXTURE, '--params', params, '--channels', CHANNELS.join(','), '--preprocessing', 'preprocessed', '--out', target]);
    ref = JSON.parse(await readFile(target, 'utf8')) as Reference;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}, 600_000);

afterAll(() => {
  console.log(cells.report().join('\n'));
});

describe('grouped plugin vs the lab pipeline (real Zarr session, our fitted parameters)', () => {
  it('enriched trial columns equal the reference cell by cell', () => {
    expect(out.partial.sesIdx).toBe(ref.ses_idx);
    const last = new Set([ref.trials.trial.length - 1]);
    for (const [name, expected] of Object.entries(ref.trials)) {
      if (name.startsWith('avg_')) continue;
      expect(ours, name).toHaveProperty(name);
      cells.check(name, ours[name], expected, name.startsWith('goCue_start_time_next') ? last : undefined);
    }
    for (const [name, expected] of Object.entries(ref.categories)) expect(ours[name], name).toEqual(expected);
  });

  it('average response windows: NaN on the same trials (values masked, F14)', () => {
    for (const name of Object.keys(ref.trials).filter((c) => c.startsWith('avg_'))) {
      expect(ours[name].map((v) => Number.isNaN(cellNumber(v)))).toEqual(ref.trials[name].map((v) => v === null));
    }
  });

  it('rpe_slope rows: same subject, date and channel per row (slopes masked, F14)', () => {
    const csv = String(group.files.find((f) => f.name === 'rpe_slope.csv')!.body).trim().split('\n').slice(1);
    const keys = csv.map((line) => line.split(',').slice(1, 4));
    expect(keys).toEqual(ref.rpe_slope.map((r) => [r.subject_id, r.date, r.channel]));
    for (const [i, line] of csv.entries()) {
      const [pos, neg] = line.split(',').slice(4).map(Number);
      console.log(`${ref.rpe_slope[i].channel}: slope RPE>=0 ours ${pos} reference ${ref.rpe_slope[i]['slope (RPE >= 0)']}; RPE<0 ours ${neg} reference ${ref.rpe_slope[i]['slope (RPE < 0)']}`);
    }
  });
});
