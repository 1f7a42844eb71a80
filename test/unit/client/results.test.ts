// Result queries on the local-folder stores (the embedded default): filters, key prefixes,
// verified downloads, counts by status.
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ProcessingRecord } from '../../../src/schemas/record.js';
import { downloadOutputs, findRecord, listRecords, recordQuery, ResultsError, statusCounts } from '../../../src/client/results.js';
import { LocalObjectStore } from '../../../src/stores/local.js';
import { LocalRecordStore } from '../../../src/stores/local-records.js';
import { finishedRecord, runNames, seedRuns, storeOutputs, workflowInput } from '../../support/runs.js';

const tmp = (p: string) => mkdtemp(join(tmpdir(), p));

describe('result queries on local stores', () => {
  let store: LocalObjectStore;
  let records: LocalRecordStore<ProcessingRecord>;
  let runs: Awaited<ReturnType<typeof seedRuns>>;

  beforeAll(async () => {
    store = new LocalObjectStore(await tmp('ga-results-out-'));
    records = new LocalRecordStore(await tmp('ga-results-rec-'));
    runs = await seedRuns(store, records);
  });

  const ids = (rs: ProcessingRecord[]) => runNames(runs, rs);

  it('lists newest first, with every filter and the total beyond the limit', async () => {
    expect(ids((await listRecords(records, {})).records)).toEqual(['d', 'c', 'b', 'a']);
    expect(ids((await listRecords(records, { subject: '697062' })).records)).toEqual(['b', 'a']);
    expect(ids((await listRecords(records, { analysis: 'grouped-analysis' })).records)).toEqual(['b']);
    expect(ids((await listRecords(records, { tag: 't2' })).records)).toEqual(['c']);
    expect(ids((await listRecords(records, { codeVersion: 'v1.2.0' })).records)).toEqual(['c']);
    expect(ids((await listRecords(records, { status: 'failed' })).records)).toEqual(['d']);
    // Date-only bounds are whole UTC days.
    expect(ids((await listRecords(records, { since: '2025-02-02', until: '2025-02-03' })).records)).toEqual(['c', 'b']);
    expect(ids((await listRecords(records, { until: '2025-02-02T12:00:00Z' })).records)).toEqual(['a']);
    expect(await listRecords(records, { subject: '717531' }, 1)).toMatchObject({ total: 2, records: [{ _id: runs.d._id }] });
  });

  it('rejects a bad status or date, or an empty range, saying what to write', () => {
    expect(() => recordQuery({ status: 'done' })).toThrow(/one of running, completed, failed/);
    expect(() => recordQuery({ since: '31/01/2025' })).toThrow(/--since "31\/01\/2025" is not a date: use YYYY-MM-DD/);
    expect(() => recordQuery({ since: '2025-02-03', until: '2025-02-01' })).toThrow(ResultsError);
  });

  it('finds a record by full key or unique prefix (any case), and explains the others', async () => {
    expect((await findRecord(records, runs.a._id))._id).toBe(runs.a._id);
    expect((await findRecord(records, runs.a._id.slice(0, 8).toUpperCase()))._id).toBe(runs.a._id);
    await expect(findRecord(records, runs.a._id.slice(0, 7))).rejects.toThrow(/at least 8/);
    await expect(findRecord(records, 'not-a-key')).rejects.toThrow(ResultsError);
    await expect(findRecord(records, 'ffffffff0')).rejects.toThrow(/no record with key prefix ffffffff0/);
  });

  it('calls a prefix shared by two keys ambiguous', async () => {
    const twins = new LocalRecordStore<ProcessingRecord>(await tmp('ga-results-twins-'));
    for (const id of ['0123456789a' + '0'.repeat(53), '0123456789b' + '0'.repeat(53)]) await twins.upsert({ ...runs.a, _id: id });
    await expect(findRecord(twins, '01234567')).rejects.toThrow(/ambiguous \(0123456789a00000, 0123456789b00000, \.\.\.\): give more digits/);
    expect((await findRecord(twins, '0123456789b'))._id).toMatch(/^0123456789b/);
  });

  it('downloads every output, each verified against the record', async () => {
    const out = await tmp('ga-results-get-');
    const outcomes = await downloadOutputs(runs.a, store, out);
    expect(outcomes.map((o) => [o.name, o.status])).toEqual([
      ['sessions.csv', 'ok'],
      ['figures/x.png', 'ok'],
      ['index.html', 'ok'],
    ]);
    expect(await readFile(join(out, 'figures', 'x.png'), 'utf8')).toBe('png');
  });

  it('reports a changed, resized or missing object and does not write it', async () => {
    const s = new LocalObjectStore(await tmp('ga-results-bad-'));
    const spec = { subjectId: '889451' };
    const key = workflowInput(spec).dedupKey;
    const rec = finishedRecord(s, spec, { outputs: await storeOutputs(s, key, { 'same-size.csv': 'abc', 'resized.csv': 'abc', 'gone.csv': 'abc', 'fine.csv': 'ok' }) });
    await s.put(`${key}/same-size.csv`, 'abd');
    await s.put(`${key}/resized.csv`, 'abcd');
    await s.delete(`${key}/gone.csv`);
    const out = await tmp('ga-results-get-');
    const outcomes = await downloadOutputs(rec, s, out);
    expect(outcomes.map((o) => [o.name, o.status])).toEqual([
      ['same-size.csv', 'sha256 mismatch'],
      ['resized.csv', 'size mismatch'],
      ['gone.csv', 'missing'],
      ['fine.csv', 'ok'],
    ]);
    expect(outcomes[1].detail).toBe('4 bytes, the record says 3');
    expect(await readdir(out)).toEqual(['fine.csv']);
  });

  it('refuses a failed run, a record of another store, and an output name that climbs out', async () => {
    await expect(downloadOutputs(runs.d, store, '/unused')).rejects.toThrow(/is failed \(failed in sessions: not an HDF5 file <bad>\): only a completed run/);
    const elsewhere = new LocalObjectStore(await tmp('ga-results-other-'));
    await expect(downloadOutputs(runs.a, elsewhere, '/unused')).rejects.toThrow(/configured results store has them at/);
    const climbing = { ...runs.a, outputs: [{ ...runs.a.outputs[0], uri: `${runs.a.location}/../../etc/x` }] };
    await expect(downloadOutputs(climbing, store, '/unused')).rejects.toThrow(/invalid object key/);
  });

  it('counts runs by status, zeros included', async () => {
    expect(await statusCounts(records, {})).toEqual({ running: 0, completed: 3, failed: 1 });
    expect(await statusCounts(records, { tag: 't1' })).toEqual({ running: 0, completed: 2, failed: 1 });
  });
});
