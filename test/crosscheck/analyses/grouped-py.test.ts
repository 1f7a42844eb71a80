// Cross-check of the Python example grouped-analysis-py (the lab's grouped analysis on the lab's
// own packages: python/examples/grouped_analysis_py) against the TypeScript plugin
// grouped-analysis: their per-session tables, sessions/<ses_idx>/df_trials|df_events|df_fip.parquet,
// on the three real sessions of test/fixtures/real-nwb (697062: two HDF5 sessions without
// photometry; 717531: Zarr, photometry G_1/G_2 "_preprocessed").
//
// - Both sides get the same fitted Q-learning parameters: the fit_source file
//   test/fixtures/fits/real-nwb-qlearning.json (the TypeScript plugin's own seeded fit; the lab's
//   fitter is slow and fits agree only in likelihood). The Python side runs the models package's
//   forward pass at them; the TypeScript side its own.
// - The lab's bugs docs/science.md lists for these tables are switched on in the TypeScript
//   plugin (`referenceBugs: true` of its photometry enrichment, `enrichChannel`; the plugin has
//   no parameter for it, so this test sets it on the module the plugin imports):
//   F1, the last trial of a session gets no photometry window (NaN next go cue, baselines and
//   response window; its samples leave df_fip); F14, the tidy df_fip pairs every sample with the
//   norm of every sample sharing its timestamp (this fixture's "_preprocessed" series repeat
//   every timestamp). The other documented differences are kept by the Python example too
//   (F4, F5, F6, F12) or do not touch these tables.
// - Both files are read back with pyarrow (what pandas reads), in the Python venv. Compared: the
//   same files, the same row counts, every common column with the same type (float64, int64,
//   bool, string, category) and, for categories, the same pyarrow dictionary (labels in the same
//   order, same `ordered`); cells with test/support/compare-cells.ts (NaN in the same places,
//   |a - b| <= max(1e-12, 1e-9 |b|)), strings and categories equal.
// - Columns on one side only are listed below with the reason (none is dropped silently).
// - Row order: df_trials by trial, df_fip by (timestamps, channel order) on both sides. df_events
//   rows with equal timestamps: the lab sorts with an unstable sort after concatenating series
//   in Python-set order, so the Python example writes (timestamps, event) order and the
//   TypeScript plugin keeps its own tie order; both are compared in (timestamps, event) order.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { SessionPartialInput } from '../../../src/analyses/define.js';
import { groupedPhotometry } from '../../../src/analyses/grouped-photometry/index.js';
import type { SessionPartial } from '../../../src/analyses/grouped-photometry/session.js';
import { pythonVenv } from '../../../src/client/python-worker.js';
import { openNwb } from '../../../src/nwb/open.js';
import { readSession } from '../../../src/nwb/session.js';
import { CellComparison } from '../../support/compare-cells.js';
import { REAL_SESSIONS } from '../../support/grouped-fits.js';
import { bodyBytes } from '../../support/outputs.js';

// The lab's bugs F1 and F14, reproduced by the plugin's photometry enrichment (see above).
vi.mock('../../../src/science/photometry.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../../src/science/photometry.js')>();
  return {
    ...original,
    enrichChannel: (...[series, trials, opts]: Parameters<typeof original.enrichChannel>) =>
      original.enrichChannel(series, trials, { ...opts, referenceBugs: true }),
  };
});

const root = fileURLToPath(new URL('../../../', import.meta.url));
const FIT_SOURCE = join(root, 'test/fixtures/fits/real-nwb-qlearning.json');
const PARAMS = { channels: { G_1: 'NAc', G_2: 'VTA' }, preprocessing: 'preprocessed', fit_source: FIT_SOURCE };
const spec = groupedPhotometry.parameters.schema.parse(PARAMS);

/** Columns one side writes and the other does not, with the reason. */
const ONLY_PYTHON: Record<string, Record<string, string>> = {
  'df_trials.parquet': { model_name: "get_foraging_model_info's model alias column (the TypeScript plugin keeps it in the sessions table, fitted_model)" },
};
const ONLY_TYPESCRIPT: Record<string, Record<string, string>> = {};

/** Reads Parquet files with pyarrow: schema, dictionaries and values as JSON (NaN null, ±inf "inf"/"-inf"). */
const DUMP = `
import json, math, sys
import numpy as np
import pyarrow as pa, pyarrow.parquet as pq

def kind(t):
    if pa.types.is_dictionary(t): return "category"
    if pa.types.is_floating(t): return "float64"
    if pa.types.is_integer(t): return "int64"
    if pa.types.is_boolean(t): return "bool"
    if pa.types.is_string(t) or pa.types.is_large_string(t): return "string"
    if pa.types.is_timestamp(t): return "timestamp"
    return str(t)

def values(col, k):
    if k == "float64":
        arr = col.to_numpy()
        out = arr.tolist()
        for i in np.flatnonzero(~np.isfinite(arr)):
            out[i] = None if math.isnan(arr[i]) else ("inf" if arr[i] > 0 else "-inf")
        return out
    if k == "category":
        return col.cast(col.type.value_type).to_pylist()
    if k == "timestamp":
        return [None if v is None else v.isoformat() for v in col.to_pylist()]
    return col.to_pylist()

for source, target in zip(sys.argv[1::2], sys.argv[2::2]):
    table = pq.read_table(source)
    columns = []
    for name, field in zip(table.column_names, table.schema):
        k = kind(field.type)
        c = {"name": name, "type": str(field.type), "kind": k}
        if k == "category":
            chunks = table.column(name).chunks
            dictionaries = []
            for ch in chunks:
                d = ch.dictionary.to_pylist()
                if d not in dictionaries: dictionaries.append(d)
            c["dictionaries"] = dictionaries
            c["ordered"] = field.type.ordered
        columns.append(c)
    doc = {"rows": table.num_rows, "columns": columns,
           "data": {c["name"]: values(table.column(c["name"]), c["kind"]) for c in columns}}
    with open(target, "w") as f:
        json.dump(doc, f, allow_nan=False, separators=(",", ":"))
`;

interface Dumped {
  rows: number;
  columns: { name: string; type: string; kind: string; dictionaries?: (string | null)[][]; ordered?: boolean }[];
  data: Record<string, unknown[]>;
}

function run(file: string, args: string[], what: string): Promise<string> {
  return new Promise((done, fail) => {
    execFile(file, args, { cwd: root, maxBuffer: 256 * 1024 * 1024, timeout: 20 * 60_000 }, (err, stdout, stderr) =>
      err ? fail(new Error(`${what} failed: ${err.message}\n${stderr}`)) : done(stdout),
    );
  });
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

const cells = new CellComparison();
let dir: string;
let python: string;
const pyFiles: string[] = [];
const tsFiles: string[] = [];
let pySummary: { summary: { counts: Record<string, number> }; warnings: string[] };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ga-grouped-py-xcheck-'));
  python = await pythonVenv();
  const paramsFile = join(dir, 'params.json');
  await writeFile(paramsFile, JSON.stringify(PARAMS));
  const fitBytes = new Uint8Array(await readFile(FIT_SOURCE));

  // Python: the example as `grouped-analysis-py run` runs it (no Temporal), all three sessions.
  const py = run(
    python,
    ['-m', 'grouped_analysis_py', 'run', '--analyses', 'grouped_analysis_lab', ...REAL_SESSIONS.flatMap((s) => ['--session', s]),
      '--params', `@${paramsFile}`, '--subject', 'mixed', '--out', join(dir, 'py')],
    'grouped-analysis-py run',
  );
  // TypeScript: the plugin's per-session stage in-process, with the same fit_source file; then
  // its group stage on the three partials, for rpe_slope.
  const partials: SessionPartialInput<SessionPartial>[] = [];
  for (const file of REAL_SESSIONS) {
    const src = await openNwb(join(root, file));
    try {
      const session = await readSession(src, groupedPhotometry.sessionRequest(spec));
      const out = groupedPhotometry.perSession.run(session, spec, { subjectId: 'mixed', warn: () => undefined, resources: { [FIT_SOURCE]: fitBytes } });
      expect(out.partial.modelWarning, `${file}: the TypeScript plugin used the fit file`).toBeNull();
      partials.push({ uri: file, partial: out.partial });
      for (const f of out.files ?? []) {
        await mkdir(dirname(join(dir, 'ts', f.name)), { recursive: true });
        await writeFile(join(dir, 'ts', f.name), bodyBytes(f.body));
      }
    } finally {
      await src.close();
    }
  }
  const group = await groupedPhotometry.group(partials, spec, { subjectId: 'mixed', warn: () => undefined });
  for (const f of group.files.filter((f) => f.name === 'rpe_slope.parquet')) await writeFile(join(dir, 'ts', f.name), bodyBytes(f.body));
  pySummary = JSON.parse(await py) as typeof pySummary;
  for (const f of await filesUnder(join(dir, 'py'))) if (f.startsWith('sessions/')) pyFiles.push(f);
  tsFiles.push(...(await filesUnder(join(dir, 'ts'))).filter((f) => f.startsWith('sessions/')));
}, 1_200_000);

afterAll(async () => {
  const tables = new Map<string, { cells: number; abs: number; rel: number }>();
  console.log(cells.report().join('\n'));
  for (const [name, w] of cells.worst) {
    const t = tables.get(name.split(' ')[0]) ?? { cells: 0, abs: 0, rel: 0 };
    tables.set(name.split(' ')[0], { cells: t.cells + w.cells, abs: Math.max(t.abs, w.abs), rel: Math.max(t.rel, w.rel) });
  }
  for (const [name, t] of tables) console.log(`TABLE ${name}: ${t.cells} numeric cells, max abs ${t.abs.toExponential(2)}, max rel ${t.rel.toExponential(2)}`);
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Both sides' Parquet file read back with pyarrow. */
async function dumped(name: string): Promise<{ py: Dumped; ts: Dumped }> {
  const targets = [join(dir, 'dump-py.json'), join(dir, 'dump-ts.json')];
  await run(python, ['-c', DUMP, join(dir, 'py', name), targets[0], join(dir, 'ts', name), targets[1]], 'pyarrow dump');
  const [py, ts] = await Promise.all(targets.map(async (t) => JSON.parse(await readFile(t, 'utf8')) as Dumped));
  return { py, ts };
}

/** Row permutation sorting by the given columns (stable; numbers numerically, then strings). */
function order(t: Dumped, keys: string[]): number[] {
  const rows = Array.from({ length: t.rows }, (_, i) => i);
  const cmp = (a: unknown, b: unknown) => (a === b ? 0 : a === null ? -1 : b === null ? 1 : (a as number | string) < (b as number | string) ? -1 : 1);
  return rows.sort((i, j) => {
    for (const k of keys) {
      const c = cmp(t.data[k][i], t.data[k][j]);
      if (c !== 0) return c;
    }
    return i - j;
  });
}

function compareTables(name: string, { py, ts }: { py: Dumped; ts: Dumped }, sortBy?: string[]): void {
  const base = name.split('/').at(-1)!;
  expect(ts.rows, `${name}: rows`).toBe(py.rows);
  const pyCols = new Map(py.columns.map((c) => [c.name, c]));
  const tsCols = new Map(ts.columns.map((c) => [c.name, c]));
  expect(Object.fromEntries([...pyCols.keys()].filter((c) => !tsCols.has(c)).map((c) => [c, ONLY_PYTHON[base]?.[c] ?? 'unexpected'])), `${name}: Python-only columns`).toEqual(
    ONLY_PYTHON[base] ?? {},
  );
  expect(Object.fromEntries([...tsCols.keys()].filter((c) => !pyCols.has(c)).map((c) => [c, ONLY_TYPESCRIPT[base]?.[c] ?? 'unexpected'])), `${name}: TypeScript-only columns`).toEqual(
    ONLY_TYPESCRIPT[base] ?? {},
  );
  const pyOrder = sortBy ? order(py, sortBy) : undefined;
  const tsOrder = sortBy ? order(ts, sortBy) : undefined;
  const rowsOf = (t: Dumped, c: string, o?: number[]) => (o ? o.map((i) => t.data[c][i]) : t.data[c]);
  for (const [c, p] of pyCols) {
    const t = tsCols.get(c);
    if (!t) continue;
    expect(t.kind, `${name}: ${c}: type (Python ${p.type}, TypeScript ${t.type})`).toBe(p.kind);
    const a = rowsOf(ts, c, tsOrder);
    const e = rowsOf(py, c, pyOrder);
    if (p.kind === 'category') {
      expect({ dictionaries: t.dictionaries, ordered: t.ordered }, `${name}: ${c}: categories`).toEqual({ dictionaries: p.dictionaries, ordered: p.ordered });
    }
    if (p.kind === 'float64' || p.kind === 'int64' || p.kind === 'bool') cells.check(`${base} ${c}`, a, e);
    else expect(a, `${name}: ${c}`).toEqual(e);
  }
}

describe('grouped-analysis-py (Python, the lab packages) vs the TypeScript grouped plugin, per-session tables', () => {
  it('writes the same per-session files', () => {
    expect(pyFiles).toEqual(tsFiles);
    expect(tsFiles).toEqual([
      'sessions/697062_2023-11-14/df_events.parquet',
      'sessions/697062_2023-11-14/df_trials.parquet',
      'sessions/697062_2023-11-15/df_events.parquet',
      'sessions/697062_2023-11-15/df_trials.parquet',
      'sessions/717531_2024-08-07/df_events.parquet',
      'sessions/717531_2024-08-07/df_fip.parquet',
      'sessions/717531_2024-08-07/df_trials.parquet',
    ]);
    expect(pySummary.summary.counts).toMatchObject({ sessions_used: 3, sessions_with_model: 3, sessions_with_photometry: 1, slope_rows: 2 });
  });

  for (const ses of ['697062_2023-11-14', '697062_2023-11-15', '717531_2024-08-07']) {
    it(`${ses}: df_trials equal cell by cell, categories included`, async () => {
      compareTables(`sessions/${ses}/df_trials.parquet`, await dumped(`sessions/${ses}/df_trials.parquet`));
    });
    it(`${ses}: df_events equal cell by cell (ties in (timestamps, event) order)`, async () => {
      compareTables(`sessions/${ses}/df_events.parquet`, await dumped(`sessions/${ses}/df_events.parquet`), ['timestamps', 'event']);
    });
  }

  it('717531_2024-08-07: df_fip equal cell by cell (F1 and F14 as the lab has them)', async () => {
    compareTables('sessions/717531_2024-08-07/df_fip.parquet', await dumped('sessions/717531_2024-08-07/df_fip.parquet'));
  });

  it('rpe_slope (group stage) equal: one row per session with photometry and channel', async () => {
    const tables = await dumped('rpe_slope.parquet');
    expect(tables.py.rows).toBe(2);
    compareTables('rpe_slope.parquet', tables);
  });
});
