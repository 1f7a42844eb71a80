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
import { finishedRecord, storeOutputs, workflowInput } from '../report/runs.js';

let dir: string;
let ok: ProcessingRecord;
let tampered: ProcessingRecord;

async function run(...args: string[]): Promise<{ out: string; err: string; code: number }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((s: unknown) => void out.push(String(s)));
  const error = vi.spyOn(console, 'error').mockImplementation((s: unknown) => void err.push(String(s)));
  process.exitCode = 0;
  try {
    // Production-looking variables that --local-dir must override.
    const program = new Command().exitOverride();
    registerResultsCommand(program, () => ({ ANALYSIS_BUCKET: 's3://elsewhere', MONGODB_URI: 'mongodb://127.0.0.1:1/' }));
    await program.parseAsync(['results', ...args, '--local-dir', dir], { from: 'user' });
    return { out: out.join('\n'), err: err.join('\n'), code: Number(process.exitCode ?? 0) };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

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
  afterEach(() => {
    process.exitCode = 0;
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

  it('show prints the record of a key prefix; a bad key exits 2 with the fix', async () => {
    expect(JSON.parse((await run('show', ok._id.slice(0, 10))).out)).toEqual(ok);
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
