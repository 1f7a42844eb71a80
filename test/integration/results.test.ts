// Result queries against the real servers: records in FerretDB (MongoDB wire protocol), outputs
// in SeaweedFS (S3). The filters use dotted paths through an array (code version) and string
// ranges on _id (key prefixes) and updated_at, which the server must evaluate as MongoDB does.
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downloadOutputs, findRecord, listRecords, statusCounts } from '../../src/client/results.js';
import { loadConfig } from '../../src/config.js';
import { writeBatchIndex, writeResultsIndex } from '../../src/report/batch-index.js';
import type { ProcessingRecord } from '../../src/schemas/record.js';
import { s3ClientFor } from '../../src/stores/from-config.js';
import { MongoRecordStore } from '../../src/stores/mongo.js';
import { parseS3Uri, S3ObjectStore } from '../../src/stores/s3.js';
import { requiredEnv } from '../support/servers.js';
import { runNames, seedRuns } from '../support/runs.js';

describe('result queries on MongoDB (FerretDB) + S3 (SeaweedFS)', () => {
  let records: MongoRecordStore<ProcessingRecord>;
  let store: S3ObjectStore;
  let runs: Awaited<ReturnType<typeof seedRuns>>;

  beforeAll(async () => {
    records = await MongoRecordStore.connect<ProcessingRecord>(requiredEnv('MONGODB_URI'), 'ga_it', `results_${randomUUID().slice(0, 8)}`, [
      'subject_id',
      'status',
      'analysis.tag',
      'updated_at',
    ]);
    store = new S3ObjectStore((await s3ClientFor(loadConfig()))!, { bucket: parseS3Uri(requiredEnv('ANALYSIS_BUCKET')).bucket, prefix: `it-results-${randomUUID()}` });
    runs = await seedRuns(store, records);
  });
  afterAll(async () => {
    await records?.close();
  });

  const ids = (rs: ProcessingRecord[]) => runNames(runs, rs);

  it('filters by subject, analysis, tag, code version, status and date range, newest first', async () => {
    expect(ids((await listRecords(records, {})).records)).toEqual(['d', 'c', 'b', 'a']);
    expect(ids((await listRecords(records, { subject: '697062', analysis: 'grouped-analysis' })).records)).toEqual(['b']);
    expect(ids((await listRecords(records, { tag: 't1', status: 'completed' })).records)).toEqual(['b', 'a']);
    expect(ids((await listRecords(records, { codeVersion: 'v1.2.0' })).records)).toEqual(['c']);
    expect(ids((await listRecords(records, { since: '2025-02-02', until: '2025-02-03' })).records)).toEqual(['c', 'b']);
    expect(await listRecords(records, {}, 2)).toMatchObject({ total: 4, records: [{ _id: runs.d._id }, { _id: runs.c._id }] });
  });

  it('finds a record by a key prefix with one range query on _id', async () => {
    for (const r of Object.values(runs)) expect((await findRecord(records, r._id.slice(0, 8)))._id).toBe(r._id);
    await expect(findRecord(records, 'ffffffff0')).rejects.toThrow(/no record/);
  });

  it('downloads the outputs from S3, verified; a changed object is reported and not written', async () => {
    const out = await mkdtemp(join(tmpdir(), 'ga-it-get-'));
    expect((await downloadOutputs(runs.a, store, out)).map((o) => o.status)).toEqual(['ok', 'ok', 'ok']);
    expect(await readFile(join(out, 'figures', 'x.png'), 'utf8')).toBe('png');

    await store.put(`${runs.a._id}/sessions.csv`, 'a\n2\n');
    const out2 = await mkdtemp(join(tmpdir(), 'ga-it-get-'));
    expect((await downloadOutputs(runs.a, store, out2)).map((o) => [o.name, o.status])).toEqual([
      ['sessions.csv', 'sha256 mismatch'],
      ['figures/x.png', 'ok'],
      ['index.html', 'ok'],
    ]);
  });

  it('counts by status', async () => {
    expect(await statusCounts(records, { tag: 't1' })).toEqual({ running: 0, completed: 2, failed: 1 });
  });

  it('writes the batch index into the bucket', async () => {
    await writeBatchIndex(store, Object.values(runs));
    const page = new TextDecoder().decode(await store.get('index.html'));
    expect(page).toContain(`<a href="${runs.a._id}/index.html">report</a>`);
    expect(page).toContain('2 mice · 4 runs · 3 completed · 1 failed');
  });

  it('writes the results index and a page per batch (tag × code version) into the bucket', async () => {
    const { batches } = await writeResultsIndex(store, Object.values(runs), { current: [runs.a, runs.b], title: 'Batch t1' });
    // c has its own tag and code version ("v1.2.0"), so its own page; the others share one.
    expect(batches.map((b) => b.key)).toEqual(['batches/t1/0.1.0+src.0123456789ab/index.html', 'batches/t2/v1.2.0/index.html']);
    const index = new TextDecoder().decode(await store.get('index.html'));
    for (const b of batches) {
      expect(index).toContain(`href="${b.key.split('/').map(encodeURIComponent).join('/')}"`);
      expect(new TextDecoder().decode(await store.get(b.key))).toContain('href="../../../index.html">all batches</a>');
    }
  });
});
