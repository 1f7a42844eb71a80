// Result queries over the record store and the results store, for people who should not have to
// write MongoDB queries: list with filters, one record by key (or unique key prefix), download a
// run's outputs verified against the record, counts by status. Works on any RecordStore /
// ObjectStore pair (MongoDB + S3 or the embedded default's local folders).
import { hash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { outputName } from '../report/outputs.js';
import { RecordStatus, type ProcessingRecord } from '../schemas/record.js';
import { checkKey, ObjectNotFoundError, type ObjectStore } from '../stores/object-store.js';
import type { RecordQuery, RecordStore } from '../stores/record-store.js';

/** A query the user can fix (unknown key, ambiguous prefix, bad filter): exit code 2, no stack. */
export class ResultsError extends Error {
  override name = 'ResultsError';
}

export interface RecordFilters {
  subject?: string;
  analysis?: string;
  tag?: string;
  codeVersion?: string;
  status?: string;
  /** Runs last updated on or after this date (YYYY-MM-DD, UTC) or date-time. */
  since?: string;
  /** Runs last updated on or before this date (the whole UTC day) or date-time. */
  until?: string;
}

// Records store times as UTC ISO strings, so normalising the bounds to the same form makes the
// store's string comparison a time comparison.
function bound(option: string, value: string, endOfDay: boolean): string {
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(value);
  const t = Date.parse(dateOnly ? `${value}T00:00:00Z` : value);
  if (!/^\d{4}-\d{2}-\d{2}(T.*)?$/.test(value) || Number.isNaN(t)) {
    throw new ResultsError(`${option} ${JSON.stringify(value)} is not a date: use YYYY-MM-DD (UTC) or an ISO date-time, e.g. ${option} 2025-01-31`);
  }
  return new Date(dateOnly && endOfDay ? t + 86_400_000 - 1 : t).toISOString();
}

/** The store query for these filters (equality on indexed fields, one range on `updated_at`). */
export function recordQuery(f: RecordFilters): RecordQuery {
  const equals: Record<string, string> = {};
  if (f.subject !== undefined) equals.subject_id = f.subject;
  if (f.analysis !== undefined) equals['analysis.name'] = f.analysis;
  if (f.tag !== undefined) equals['analysis.tag'] = f.tag;
  if (f.codeVersion !== undefined) equals['processing.data_processes.0.code.version'] = f.codeVersion;
  if (f.status !== undefined) {
    if (!RecordStatus.safeParse(f.status).success) {
      throw new ResultsError(`--status ${JSON.stringify(f.status)} is not a status: use one of ${RecordStatus.options.join(', ')}`);
    }
    equals.status = f.status;
  }
  const from = f.since === undefined ? undefined : bound('--since', f.since, false);
  const to = f.until === undefined ? undefined : bound('--until', f.until, true);
  if (from !== undefined && to !== undefined && from > to) throw new ResultsError(`--since ${f.since} is after --until ${f.until}`);
  return {
    ...(Object.keys(equals).length ? { equals } : {}),
    ...(from !== undefined || to !== undefined ? { range: { field: 'updated_at', ...(from && { from }), ...(to && { to }) } } : {}),
  };
}

/** Matching records, most recently updated first, and how many match in all. */
export async function listRecords(
  records: RecordStore<ProcessingRecord>,
  filters: RecordFilters,
  limit?: number,
): Promise<{ records: ProcessingRecord[]; total: number }> {
  const q = recordQuery(filters);
  const [found, total] = await Promise.all([records.find({ ...q, sortBy: 'updated_at', descending: true, limit }), records.count(q)]);
  return { records: found, total };
}

/** The record of a full dedup key or of a unique prefix of at least 8 hex digits. */
export async function findRecord(records: RecordStore<ProcessingRecord>, keyOrPrefix: string): Promise<ProcessingRecord> {
  const key = keyOrPrefix.toLowerCase();
  if (!/^[0-9a-f]{8,64}$/.test(key)) {
    throw new ResultsError(`${JSON.stringify(keyOrPrefix)} is not a dedup key: give the 64 hex digits or a unique prefix of at least 8 (see \`results list\`)`);
  }
  // A prefix is the key range [prefix000…, prefixfff…]; two hits are enough to call it ambiguous.
  const found =
    key.length === 64
      ? [await records.get(key)].filter((r) => r !== undefined)
      : await records.find({ range: { field: '_id', from: key, to: key.padEnd(64, 'f') }, sortBy: '_id', limit: 2 });
  if (found.length === 0) throw new ResultsError(`no record with key ${key.length === 64 ? key : `prefix ${key}`} in ${records.description}`);
  if (found.length > 1) {
    throw new ResultsError(`key prefix ${key} is ambiguous (${found.map((r) => r._id.slice(0, 16)).join(', ')}, ...): give more digits`);
  }
  return found[0];
}

export interface DownloadOutcome {
  name: string;
  /** Size in the record. */
  size: number;
  status: 'ok' | 'missing' | 'size mismatch' | 'sha256 mismatch';
  detail?: string;
}

/**
 * Downloads every output the record lists into `outDir` (same relative names), checking each
 * against the record's size and sha256. An object that does not match is reported and not
 * written, so what lands in `outDir` is exactly what the run produced.
 */
export async function downloadOutputs(record: ProcessingRecord, store: ObjectStore, outDir: string): Promise<DownloadOutcome[]> {
  if (record.status !== 'completed') {
    const why = record.error ? ` (failed in ${record.error.step}: ${record.error.message})` : '';
    throw new ResultsError(`run ${record._id.slice(0, 16)} is ${record.status}${why}: only a completed run has outputs to get`);
  }
  // Outputs live at <key>/<name> in the results store; a record written to another store cannot
  // be fetched from this one.
  const here = store.uri(`${record._id}/`).replace(/\/?$/, '/');
  if (here !== record.location.replace(/\/?$/, '/')) {
    throw new ResultsError(
      `the outputs of ${record._id.slice(0, 16)} are at ${record.location}, but the configured results store has them at ${here}: point ANALYSIS_BUCKET or GA_LOCAL_RESULTS_DIR (or --local) at the store that holds them`,
    );
  }
  const outcomes: DownloadOutcome[] = [];
  for (const o of record.outputs) {
    const name = outputName(record.location, o.uri);
    if (name === undefined) throw new ResultsError(`output ${o.uri} lies outside the run's folder ${record.location}; the record is inconsistent`);
    checkKey(name); // never write outside outDir, whatever the record says
    let body: Uint8Array;
    try {
      body = await store.get(`${record._id}/${name}`);
    } catch (e) {
      if (!(e instanceof ObjectNotFoundError)) throw e;
      outcomes.push({ name, size: o.size, status: 'missing', detail: e.uri });
      continue;
    }
    const sha256 = hash('sha256', body);
    if (body.byteLength !== o.size) {
      outcomes.push({ name, size: o.size, status: 'size mismatch', detail: `${body.byteLength} bytes, the record says ${o.size}` });
    } else if (sha256 !== o.sha256) {
      outcomes.push({ name, size: o.size, status: 'sha256 mismatch', detail: `sha256 ${sha256}, the record says ${o.sha256}` });
    } else {
      const path = join(outDir, ...name.split('/'));
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, body);
      outcomes.push({ name, size: o.size, status: 'ok' });
    }
  }
  return outcomes;
}

/** How many records of each status match the filters (every status listed, zeros included). */
export async function statusCounts(records: RecordStore<ProcessingRecord>, filters: Omit<RecordFilters, 'status'>): Promise<Record<RecordStatus, number>> {
  const q = recordQuery(filters);
  const counts = await Promise.all(RecordStatus.options.map((s) => records.count({ ...q, equals: { ...q.equals, status: s } })));
  return Object.fromEntries(RecordStatus.options.map((s, i) => [s, counts[i]])) as Record<RecordStatus, number>;
}

/** Variables that point the stores at the embedded default's folders (`npm start`'s ./results). */
export function embeddedStoresEnv(resultsDir: string): Record<string, string> {
  return { ANALYSIS_BUCKET: '', MONGODB_URI: '', GA_LOCAL_RESULTS_DIR: join(resultsDir, 'outputs'), GA_LOCAL_RECORDS_DIR: join(resultsDir, 'records') };
}
