// The `results` subcommands end to end on the embedded default's folders (--local-dir).
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { registerResultsCommand } from '../../../src/client/results-command.js';
import type { ProcessingRecord } from '../../../src/schemas/record.js';
import { LocalObjectStore } from '../../../src/stores/local.js';
import { LocalRecordStore } from '../../../src/stores/local-records.js';
import { finishedRecord, storeOutputs, workflowInput } from '../../support/runs.js';

let dir: string;
let ok: ProcessingRecord;
let tampered: ProcessingRecord;

async function run(...args: string[]): Promise<{ out: string; err: string; code: number }> {
  // Production-looking variables that --local-dir must override.
  return await runWith({ ANALYSIS_BUCKET: 's3://elsewhere', MONGODB_URI: 'mongodb://127.0.0.1:1/' }, [...args, '--local-dir', dir]);
}

/** The command with `env` as the configuration and `localResultsDir` as npm start's ./results. */
async function runWith(env: NodeJS.ProcessEnv, args: string[], localResultsDir = dir): Promise<{ out: string; err: string; code: number }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((s: unknown) => void out.push(String(s)));
  const error = vi.spyOn(console, 'error').mockImplementation((s: unknown) => void err.push(String(s)));
  process.exitCode = 0;
  try {
    const program = new Command().exitOverride();
    registerResultsCommand(program, () => env, { localResultsDir });
    await program.parseAsync(['results', ...args], { from: 'user' });
    return { out: out.join('\n'), err: err.join('\n'), code: Number(process.exitCode ?? 0) };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

afterEach(() => {
  process.exitCode = 0;
});

describe('results command', () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ga-results-cli-'));
    const store = new LocalObjectStore(join(dir, 'outputs'));
    const records = new LocalRecordStore<ProcessingRecord>(join(dir, 'records'));
    const a = { subjectId: '697062' };
    ok = finishedRecord(store, a, { outputs: await storeOutputs(store, workflowInput(a).dedupKey, { 'sessions.csv': 'a\n1\n', 'figures/f.png': 'png' }) });
    const b = { subjectId: '717531', tag: 't2' };
    tampered = finishedRecord(store, b, { outputs: await storeOutputs(store, workflowInput(b).dedupKey, { 'sessions.csv': 'a\n1\n' }), endedAt: '2025-03-01T00:00:00.000Z' });
    await store.put(`${tampered._id}/sessions.csv`, 'a\n2\n');
    await records.upsert(ok);
    await records.upsert(tampered);
  });

  it('list prints a table (newest first) or JSON, with filters', async () => {
    const table = await run('list');
    expect(table.out.split('\n')[0]).toMatch(/^key\s+subject\s+analysis\s+tag\s+status\s+sessions\s+code version\s+updated$/);
    expect(table.out.split('\n')[1]).toMatch(new RegExp(`^${tampered._id.slice(0, 16)}\\s+717531\\s+foraging-summary\\s+t2\\s+completed\\s+2\\s+0.1.0\\+src.0123456789ab\\s+2025-03-01 00:00:00 UTC$`));
    expect(table.out).toMatch(/\n2 runs$/);
    const json = JSON.parse((await run('list', '--json', '--tag', 't1')).out) as ProcessingRecord[];
    expect(json.map((r) => r._id)).toEqual([ok._id]);
    expect((await run('list', '--limit', '1')).out).toMatch(/1 of 2 runs \(raise --limit for more\)$/);
  });

  it('show --json prints the record of a key prefix; a bad key exits 2 with the fix', async () => {
    expect(JSON.parse((await run('show', ok._id.slice(0, 10), '--json')).out)).toEqual(ok);
    const bad = await run('show', '12');
    expect(bad).toMatchObject({ code: 2, out: '' });
    expect(bad.err).toContain('a unique prefix of at least 8');
  });

  it('get writes verified outputs; a mismatch is reported, not written, and exits 1', async () => {
    const out = await mkdtemp(join(tmpdir(), 'ga-get-'));
    const good = await run('get', ok._id.slice(0, 8), '--out', out);
    expect(good.code).toBe(0);
    expect(good.out).toContain('2 of 2 outputs of 697062 / foraging-summary');
    expect(good.out).toContain('every size and sha256 matches the record');
    expect(await readFile(join(out, 'figures', 'f.png'), 'utf8')).toBe('png');

    const out2 = await mkdtemp(join(tmpdir(), 'ga-get-'));
    const bad = await run('get', tampered._id, '--out', out2);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/^sha256 mismatch: sessions.csv \(sha256 [0-9a-f]{64}, the record says [0-9a-f]{64}\); not written$/);
    expect(bad.out).toContain('0 of 1 outputs');
  });

  it('status counts by status', async () => {
    expect((await run('status', '--tag', 't1')).out).toBe('status     runs\nrunning    0\ncompleted  1\nfailed     0\ntotal      1');
    expect(JSON.parse((await run('status', '--json')).out)).toEqual({ running: 0, completed: 2, failed: 0 });
  });
});

describe('results command, for people', () => {
  let here: string;
  let full: ProcessingRecord;
  let failed: ProcessingRecord;
  const local = (...args: string[]) => runWith({}, [...args, '--local-dir', here], here);

  beforeAll(async () => {
    here = await mkdtemp(join(tmpdir(), 'ga-results-human-'));
    const store = new LocalObjectStore(join(here, 'outputs'));
    const records = new LocalRecordStore<ProcessingRecord>(join(here, 'records'));
    const a = { subjectId: '889451', analysisName: 'grouped-analysis', tag: 'sample' };
    const files = {
      'sessions/889451_2025-01-01/df_trials.parquet': 'x'.repeat(1500),
      'sessions/889451_2025-01-02/df_trials.parquet': 'x'.repeat(1500),
      'figures/behavior_889451.png': 'png',
      'sessions.csv': 'a\n1\n',
      'index.html': '<p>report</p>',
      'manifest.json': '{}',
    };
    full = finishedRecord(store, a, { outputs: await storeOutputs(store, workflowInput(a).dedupKey, files) });
    const f = { subjectId: '697062', analysisName: 'example-py', tag: 'sample' };
    const base = finishedRecord(store, f, { failed: true, endedAt: '2025-03-01T00:00:00.000Z' });
    failed = { ...base, error: { ...base.error!, type: 'ValueError', traceback: 'File "analysis.py", line 12, in run\n    raise ValueError("no trials")' } };
    await records.upsert(full);
    await records.upsert(failed);
  });

  it('show prints a summary: run, status, inputs, outputs with sizes, report, timings; --json the raw record', async () => {
    const { out, code } = await local('show', full._id.slice(0, 8));
    expect(code).toBe(0);
    expect(out.split('\n').length).toBeLessThan(40);
    expect(out).toMatch(/^grouped-analysis of 889451 \(tag sample\): completed$/m);
    expect(out).toContain(`key       ${full._id}`);
    expect(out).toMatch(/^inputs +2 sessions in 2 locations$/m);
    // Outputs: the analysis's files (a folder of many in one line), then what publishing added.
    expect(out).toMatch(/^outputs +6: 4 from the analysis \(3\.0 kB\), plus the report index\.html and manifest\.json$/m);
    expect(out).toMatch(/^ +sessions\/ +2 files +3\.0 kB$/m);
    expect(out).toMatch(/^ +figures\/behavior_889451\.png +3 B$/m);
    expect(out).toContain(`report    ${join(here, 'outputs', full._id, 'index.html')}`);
    expect(out).toMatch(/^timings +resolve 5\.00 s · total 5\.00 s$/m);
    expect(JSON.parse((await local('show', full._id.slice(0, 8), '--json')).out)).toEqual(full);
  });

  it('show of a failed run gives the step, file, error type, message and traceback', async () => {
    const { out } = await local('show', failed._id.slice(0, 8));
    expect(out).toMatch(/^example-py of 697062 \(tag sample\): failed$/m);
    expect(out).toMatch(/^error +ValueError in step sessions: not an HDF5 file <bad>$/m);
    expect(out).toMatch(/^ +file: s3:\/\/data\/x\.nwb$/m);
    expect(out).toContain('    raise ValueError("no trials")');
    expect(out).not.toContain('report    ');
  });

  it('get says how its count relates to the report: the analysis files, plus index.html and manifest.json', async () => {
    const got = await local('get', full._id.slice(0, 8), '--out', await mkdtemp(join(tmpdir(), 'ga-get-')));
    expect(got.code).toBe(0);
    expect(got.out).toContain('6 of 6 outputs of 889451 / grouped-analysis (3.0 kB; 4 files of the analysis, as the report lists them, plus the report index.html and manifest.json)');
  });

  it('list and status without --local: no runs in the configured stores, but local ones, say to add --local', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'ga-results-empty-'));
    const configured = { GA_LOCAL_RESULTS_DIR: join(empty, 'outputs'), GA_LOCAL_RECORDS_DIR: join(empty, 'records') };
    const list = await runWith(configured, ['list'], here);
    expect(list.out).toMatch(/^0 runs$/m);
    expect(list.out).toContain(`no runs in local folder ${join(empty, 'records')}; 2 local runs in ${here}: add --local`);
    expect((await runWith(configured, ['list', '--tag', 'nope'], here)).out).not.toContain('add --local');
    expect((await runWith(configured, ['list', '--subject', '697062'], here)).out).toContain(`1 local run in ${here}: add --local`);
    expect((await runWith(configured, ['status'], here)).out).toContain(`2 local runs in ${here}: add --local`);
    const show = await runWith(configured, ['show', full._id.slice(0, 8)], here);
    expect(show.code).toBe(2);
    expect(show.err).toContain(`it is in ${here}: add --local`);
    // With runs in the configured store, no hint.
    expect((await runWith({}, ['list', '--local-dir', here], here)).out).not.toContain('add --local');
  });
});
