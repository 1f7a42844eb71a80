// The Python reference for cross-checks and benchmarks: runs scripts in the pinned venv
// (scripts/reference/run.sh, which builds it on first use), and the lab's own data-utils'
// per-session tables as parsed JSON. Results are cached per NWB path and table within the
// process. Never skips: if the venv cannot be built the promise rejects with how to fix it.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export type ReferenceTableName = 'session' | 'trials' | 'events' | 'fip';
export const REFERENCE_TABLES: readonly ReferenceTableName[] = ['session', 'trials', 'events', 'fip'];

/** One pandas DataFrame. Cells: null = NaN/None/NaT, "inf"/"-inf", ISO strings for timestamps. */
export interface ReferenceTable {
  columns: string[];
  dtypes: Record<string, string>;
  index: unknown[];
  data: Record<string, unknown[]>;
}

/** Per-table part of meta.json written by dump_session_tables.py. */
export interface ReferenceTableMeta {
  function: string;
  file: string | null;
  warnings: string[];
  rows?: number;
  columns?: number;
  error?: string;
  absent?: boolean;
  note?: string;
}

export interface ReferenceMeta {
  nwb: string;
  format: 'hdf5' | 'zarr';
  versions: Record<string, string | null>;
  python: string;
  env: Record<string, string | null>;
  tables: Partial<Record<ReferenceTableName, ReferenceTableMeta>>;
}

/** Requested tables; `fip` is null when the file has no photometry at all. */
export type ReferenceDump = Partial<Record<Exclude<ReferenceTableName, 'fip'>, ReferenceTable>> & {
  fip?: ReferenceTable | null;
  /** meta.json of the run that produced the first requested table. */
  meta: ReferenceMeta;
};

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const runSh = join(repoRoot, 'scripts/reference/run.sh');
const dumpPy = join(repoRoot, 'scripts/reference/dump_session_tables.py');

interface CachedTable {
  table: ReferenceTable | null;
  meta: ReferenceMeta;
}
const cache = new Map<string, Promise<CachedTable>>(); // key: `${abs nwb path}\0${table}`

export interface PythonRun {
  code: number;
  stdout: string;
  stderr: string;
  /** Spawn to exit (includes the interpreter's start-up and imports). */
  wallMs: number;
}

/**
 * Runs the reference venv's Python (scripts/reference/run.sh, which builds the venv on first use)
 * in the repository root: `args` as for python, e.g. `['scripts/reference/x.py', ...]` or
 * `['-c', code, ...]`. Resolves whatever the script's exit code; rejects when it cannot run
 * (spawn failure, killed, or no venv: then with how to set it up).
 */
export function referencePython(args: string[]): Promise<PythonRun> {
  const started = performance.now();
  return new Promise((done, fail) => {
    execFile('bash', [runSh, ...args], { cwd: repoRoot, maxBuffer: 256 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? err.code : 0;
      if (typeof code !== 'number') fail(err!);
      else if (code === 1 && stderr.includes('could not create the reference venv')) {
        fail(
          new Error(
            `Python reference venv could not be created.\n${stderr.trim()}\n` +
              'Set it up with: bash scripts/reference/setup-venv.sh  (python3.11 with venv, PyPI reachable; ' +
              'GA_CACHE_DIR / GA_REFERENCE_PYTHON to override the location / interpreter).',
          ),
        );
      } else done({ code, stdout, stderr, wallMs: performance.now() - started });
    });
  });
}

/** referencePython, rejecting on a non-zero exit with the script's name and stderr's tail. */
export async function runReferencePython(args: string[]): Promise<PythonRun> {
  const run = await referencePython(args);
  if (run.code !== 0) {
    const what = args[0] === '-c' ? 'python -c' : basename(args[0]);
    throw new Error(`reference ${what} failed (exit ${run.code}):\n${run.stderr.slice(-4000)}`);
  }
  return run;
}

async function dump(nwb: string, tables: ReferenceTableName[]): Promise<Map<ReferenceTableName, CachedTable>> {
  const out = await mkdtemp(join(tmpdir(), 'ga-reference-'));
  try {
    const { code, stderr } = await referencePython([dumpPy, '--nwb', nwb, '--out', out, '--tables', tables.join(',')]);
    let meta: ReferenceMeta;
    try {
      meta = JSON.parse(await readFile(join(out, 'meta.json'), 'utf8')) as ReferenceMeta;
    } catch {
      throw new Error(`reference dump failed for ${nwb} (exit ${code}) without meta.json:\n${stderr.trim()}`);
    }
    const result = new Map<ReferenceTableName, CachedTable>();
    for (const name of tables) {
      const info = meta.tables[name];
      if (!info) throw new Error(`reference dump of ${nwb}: no entry for table ${name} in meta.json`);
      if (info.error) throw new Error(`reference ${info.function} raised on ${nwb}: ${info.error}`);
      const table = info.file ? (JSON.parse(await readFile(join(out, info.file), 'utf8')) as ReferenceTable) : null;
      result.set(name, { table, meta });
    }
    return result;
  } finally {
    await rm(out, { recursive: true, force: true }); // fip JSON can be ~200 MB
  }
}

/**
 * Reference per-session tables of one NWB (HDF5 file or Zarr folder), computed by the lab's
 * Python package (`aind-dynamic-foraging-data-utils` nwb_utils.create_df_*). The first call
 * may build the venv (about a minute); give the calling test or hook a long timeout.
 */
export async function referenceTables(
  nwbPath: string,
  tables: readonly ReferenceTableName[] = REFERENCE_TABLES,
): Promise<ReferenceDump> {
  const nwb = resolve(repoRoot, nwbPath);
  const wanted = [...new Set(tables)];
  if (wanted.length === 0) throw new Error('referenceTables: ask for at least one table');
  const missing = wanted.filter((t) => !cache.has(`${nwb}\0${t}`));
  if (missing.length > 0) {
    const pending = dump(nwb, missing);
    for (const t of missing) {
      const p = pending.then((m) => m.get(t)!);
      const key = `${nwb}\0${t}`;
      cache.set(key, p);
      p.catch(() => cache.get(key) === p && cache.delete(key)); // a failure is not cached

    }
  }
  const got = await Promise.all(wanted.map((t) => cache.get(`${nwb}\0${t}`)!));
  const result = { meta: got[0].meta } as ReferenceDump;
  wanted.forEach((t, i) => {
    (result as Record<string, unknown>)[t] = got[i].table;
  });
  return result;
}
