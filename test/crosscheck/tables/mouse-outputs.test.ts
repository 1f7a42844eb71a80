// Every Parquet output of a mouse's grouped-analysis run, read with pandas (pyarrow engine, in the
// reference venv) and concatenated per table across the mouse's sessions, as a pandas user would:
// dtypes must stay as declared in every file, in each mouse's concatenation and across mice
// (generated sessions, HDF5 and Zarr, and the real fixtures of test/fixtures/real-nwb).
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OutputFile, SessionPartialInput } from '../../../src/analyses/define.js';
import { groupedPhotometry } from '../../../src/analyses/grouped-photometry/index.js';
import type { SessionPartial } from '../../../src/analyses/grouped-photometry/session.js';
import { generateDataset } from '../../../src/generator/generate.js';
import type { MouseTruth } from '../../../src/generator/generate.js';
import { openNwb } from '../../../src/nwb/open.js';
import { readSession } from '../../../src/nwb/session.js';
import { QCH_BIN_LABELS, RPE_BIN_LABELS } from '../../../src/science/bins.js';
import { bodyBytes } from '../../support/outputs.js';
import { runReferencePython } from '../../support/reference.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const REAL = join(root, 'test/fixtures/real-nwb');

const generatedSpec = groupedPhotometry.parameters.schema.parse({ channels: { G_1: 'NAc' }, plot_types: ['avg_lastN_sess'] });
const realSpec = groupedPhotometry.parameters.schema.parse({
  channels: { G_1: 'NAc', G_2: 'VTA' },
  preprocessing: 'preprocessed',
  plot_types: ['avg_lastN_sess'],
});

const TABLES = ['sessions.parquet', 'rpe_slope.parquet', 'df_trials.parquet', 'df_events.parquet', 'df_fip.parquet'] as const;
type TableName = (typeof TABLES)[number];

// Per file, per mouse (concatenated over its sessions) and over every mouse: dtypes, and for
// category columns their categories, order flag, max and the values present.
const READ = `
import sys, os, glob, json
import pandas as pd
root = sys.argv[1]
TABLES = ${JSON.stringify(TABLES)}
def files_of(mouse, table):
    if table in ('sessions.parquet', 'rpe_slope.parquet'):
        f = os.path.join(root, mouse, table)
        return [f] if os.path.exists(f) else []
    return sorted(glob.glob(os.path.join(root, mouse, 'sessions', '*', table)))
def describe(df):
    cats = {}
    for c in df.columns:
        if isinstance(df[c].dtype, pd.CategoricalDtype):
            present = df[c].dropna()
            cats[c] = {
                'values': [str(x) for x in df[c].cat.categories],
                'ordered': bool(df[c].cat.ordered),
                'max': None if present.empty else str(present.max()),
                'present': sorted(set(present.astype(str))),
            }
    return {'rows': len(df), 'dtypes': {c: str(t) for c, t in df.dtypes.items()}, 'categories': cats}
out = {'mice': {}, 'all': {}}
every = {t: [] for t in TABLES}
for mouse in sorted(os.listdir(root)):
    tables = {}
    for t in TABLES:
        frames = [pd.read_parquet(f) for f in files_of(mouse, t)]
        if not frames:
            continue
        every[t] += frames
        tables[t] = {'files': [describe(f) for f in frames], 'concat': describe(pd.concat(frames, ignore_index=True))}
    out['mice'][mouse] = tables
for t, frames in every.items():
    nonempty = [f for f in frames if len(f)] or frames
    if nonempty:
        out['all'][t] = describe(pd.concat(nonempty, ignore_index=True))
print(json.dumps(out))
`;

interface Described {
  rows: number;
  dtypes: Record<string, string>;
  categories: Record<string, { values: string[]; ordered: boolean; max: string | null; present: string[] }>;
}
interface Read {
  mice: Record<string, Partial<Record<TableName, { files: Described[]; concat: Described }>>>;
  all: Partial<Record<TableName, Described>>;
}

/**
 * One mouse through the analysis plugin alone (per-session stage, then the group stage: no
 * workflow, activities or stores, as only the bytes of its tables are checked here); its Parquet
 * outputs into `out`, named as in a run's outputs.
 */
async function writeMouseTables(subjectId: string, files: string[], spec: typeof realSpec, out: string): Promise<void> {
  const ctx = { subjectId, resources: {}, warn: () => undefined };
  const parquet: OutputFile[] = [];
  const inputs: SessionPartialInput<SessionPartial>[] = [];
  for (const file of files) {
    const source = await openNwb(file);
    const loaded = await readSession(source, groupedPhotometry.sessionRequest(spec)).finally(() => source.close());
    const result = groupedPhotometry.perSession.run(loaded, spec, ctx);
    parquet.push(...(result.files ?? []));
    inputs.push({ uri: file, partial: result.partial });
  }
  // Figures go to write() and are dropped; the tables come back in files.
  const group = await groupedPhotometry.group(inputs, spec, { ...ctx, write: async () => undefined });
  parquet.push(...group.files);
  for (const f of parquet.filter((p) => p.name.endsWith('.parquet'))) {
    const target = join(out, subjectId, f.name);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, bodyBytes(f.body));
  }
}

let dir: string;
let read: Read;
let generatedMouse: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ga-mouse-outputs-'));
  const data = join(dir, 'data');
  const out = join(dir, 'out');
  const summary = await generateDataset(
    { seed: 25, mice: 1, sessions: 3, trials: 250, format: 'mixed', channels: ['G_1'], skipWeekends: false },
    data,
  );
  const mouse = summary.mice[0];
  generatedMouse = mouse.subject_id;
  const truth = JSON.parse(await readFile(join(data, mouse.folder, 'truth.json'), 'utf8')) as MouseTruth;
  await writeMouseTables(generatedMouse, truth.sessions.map((s) => join(data, mouse.folder, s.file)), generatedSpec, out);
  await writeMouseTables('697062', [join(REAL, '697062_2023-11-14_11-12-44.nwb'), join(REAL, '697062_2023-11-15_10-02-05.nwb')], realSpec, out);
  await writeMouseTables('717531', [join(REAL, 'behavior_717531_2024-08-07_09-01-02.nwb')], realSpec, out);
  read = JSON.parse((await runReferencePython(['-c', READ, out])).stdout) as Read;
}, 600_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Every description of a table: each file, each mouse's concatenation, all mice together. */
function everyDescription(table: TableName): [string, Described][] {
  const out: [string, Described][] = [];
  for (const [mouse, tables] of Object.entries(read.mice)) {
    const t = tables[table];
    if (!t) continue;
    t.files.forEach((f, i) => out.push([`${mouse} ${table} file ${i}`, f]));
    out.push([`${mouse} ${table} concatenated`, t.concat]);
  }
  if (read.all[table]) out.push([`all mice ${table} concatenated`, read.all[table]]);
  return out;
}

/** `column`'s dtype wherever the table has the column, by description. */
function dtypesOf(table: TableName, column: string): Record<string, string> {
  return Object.fromEntries(everyDescription(table).filter(([, d]) => column in d.dtypes).map(([where, d]) => [where, d.dtypes[column]]));
}

function expectEverywhere(table: TableName, column: string, dtype: string): void {
  const found = dtypesOf(table, column);
  expect(Object.keys(found).length, `${table}.${column} is written`).toBeGreaterThan(0);
  expect(found, `${table}.${column}`).toEqual(Object.fromEntries(Object.keys(found).map((k) => [k, dtype])));
}

describe("pandas reads and concatenates a mouse's Parquet outputs with stable dtypes", () => {
  it('wrote every table for every mouse', () => {
    expect(Object.keys(read.mice).sort()).toEqual([generatedMouse, '697062', '717531'].sort());
    for (const tables of Object.values(read.mice)) {
      for (const t of ['sessions.parquet', 'rpe_slope.parquet', 'df_trials.parquet', 'df_events.parquet'] as const) expect(tables[t]).toBeDefined();
    }
    expect(read.mice[generatedMouse]['df_trials.parquet']!.files).toHaveLength(3);
    expect(read.mice['697062']['df_trials.parquet']!.files).toHaveLength(2);
    expect(read.mice[generatedMouse]['df_fip.parquet']!.files).toHaveLength(3);
  });

  it("concatenating a mouse's sessions keeps every column's dtype", () => {
    const changed: string[] = [];
    for (const [mouse, tables] of Object.entries(read.mice)) {
      for (const [table, t] of Object.entries(tables)) {
        for (const [column, dtype] of Object.entries(t.concat.dtypes)) {
          const inFiles = [...new Set(t.files.filter((f) => column in f.dtypes && f.rows > 0).map((f) => f.dtypes[column]))];
          if (inFiles.some((d) => d !== dtype)) changed.push(`${mouse} ${table}.${column}: files ${inFiles.join(' / ')} -> concatenated ${dtype}`);
        }
      }
    }
    expect(changed).toEqual([]);
  });

  it('a column that every file of a table has keeps one dtype across mice and sources', () => {
    const changed: string[] = [];
    for (const table of TABLES) {
      const files = Object.values(read.mice).flatMap((t) => t[table]?.files ?? []).filter((f) => f.rows > 0);
      const all = read.all[table];
      if (!all) continue;
      for (const [column, dtype] of Object.entries(all.dtypes)) {
        if (!files.every((f) => column in f.dtypes)) continue; // absent somewhere: pandas fills it with NaN
        const inFiles = [...new Set(files.map((f) => f.dtypes[column]))];
        if (inFiles.some((d) => d !== dtype)) changed.push(`${table}.${column}: files ${inFiles.join(' / ')} -> concatenated ${dtype}`);
      }
    }
    expect(changed).toEqual([]);
  });

  it('RPE-binned3 and Qch-binned3 are ordered categories with the fixed labels in bin-edge order', () => {
    for (const [column, labels] of [
      ['RPE-binned3', RPE_BIN_LABELS],
      ['Qch-binned3', QCH_BIN_LABELS],
    ] as const) {
      expectEverywhere('df_trials.parquet', column, 'category');
      for (const [where, d] of everyDescription('df_trials.parquet')) {
        const c = d.categories[column];
        expect({ where, values: c.values, ordered: c.ordered }).toEqual({ where, values: [...labels], ordered: true });
        // max follows the bin order: the present label with the highest edge
        const highest = [...labels].reverse().find((l) => c.present.includes(l)) ?? null;
        expect({ where, max: c.max }).toEqual({ where, max: highest });
      }
    }
    // the generated mouse has positive RPEs in the top bin: max is 0.67, not the last label seen
    expect(read.mice[generatedMouse]['df_trials.parquet']!.concat.categories['RPE-binned3'].max).toBe('0.67');
  });

  it('df_events.data is numeric in every session and source', () => {
    expectEverywhere('df_events.parquet', 'data', 'float64');
  });

  it('left/right_reward_type have one type in generated and real sessions', () => {
    expectEverywhere('df_trials.parquet', 'left_reward_type', 'str');
    expectEverywhere('df_trials.parquet', 'right_reward_type', 'str');
  });

  it('sessions.session_date and rpe_slope.date are the same datetime type', () => {
    expectEverywhere('sessions.parquet', 'session_date', 'datetime64[us]');
    expectEverywhere('rpe_slope.parquet', 'date', 'datetime64[us]');
  });
});
