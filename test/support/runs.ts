// Valid workflow inputs and processing records for the tests (reports, result queries, activities,
// dispatch): keys computed as the dispatcher does, outputs actually stored in the given object store.
import { buildProcessingRecord } from '../../src/activities/record.js';
import { computeDedupKey } from '../../src/schemas/dedup-key.js';
import type { ProcessingRecord } from '../../src/schemas/record.js';
import type { ObjectStore } from '../../src/stores/object-store.js';
import type { RecordStore } from '../../src/stores/record-store.js';
import type { AnalysisWorkflowInput, OutputEntry } from '../../src/workflows/analysis-types.js';

export interface RunSpec {
  subjectId: string;
  analysisName?: string;
  tag?: string;
  codeVersion?: string;
  /** Varies the key between otherwise equal runs. */
  sessions?: number;
}

export function workflowInput(s: RunSpec): AnalysisWorkflowInput {
  const analysisName = s.analysisName ?? 'foraging-summary';
  const tag = s.tag ?? 't1';
  const codeVersion = s.codeVersion ?? '0.1.0+src.0123456789ab';
  const locations = Array.from({ length: s.sessions ?? 2 }, (_, i) => `s3://data/behavior_${s.subjectId}_2025-01-0${i + 1}_10-00-00`);
  const parameters = { analysis_name: analysisName, analysis_tag: tag, min_finished_trials: 50 };
  const dedupKey = computeDedupKey({ analysisName, analysisVersion: '1.0.0', codeVersion, inputLocations: locations, parameters });
  return { analysisName, analysisVersion: '1.0.0', codeVersion, dedupKey, subjectId: s.subjectId, analysisTag: tag, parameters, inputs: { locations } };
}

/** Stores `files` under `<key>/` and returns their output entries, as computeGroup does. */
export async function storeOutputs(store: ObjectStore, key: string, files: Record<string, string | Uint8Array>): Promise<OutputEntry[]> {
  const out: OutputEntry[] = [];
  for (const [name, body] of Object.entries(files)) {
    const put = await store.put(`${key}/${name}`, body);
    out.push({ name, uri: store.uri(put.key), size: put.size, sha256: put.sha256! });
  }
  return out;
}

/** A finished (completed or failed) record of run `s`, its outputs in `store`. */
export function finishedRecord(
  store: ObjectStore,
  s: RunSpec,
  o: { outputs?: OutputEntry[]; endedAt?: string; failed?: boolean } = {},
): ProcessingRecord {
  const w = workflowInput(s);
  const endedAt = o.endedAt ?? '2025-02-01T10:00:05.000Z';
  const startedAt = new Date(Date.parse(endedAt) - 5000).toISOString();
  return buildProcessingRecord({
    workflow: w,
    status: o.failed ? 'failed' : 'completed',
    sessions: w.inputs.locations.map((l) => ({ uri: `${l}/nwb/x.nwb`, size: 1000, fingerprint: 'f' })),
    outputs: o.outputs ?? [],
    warnings: [],
    timings: [{ step: 'resolve', startedAt, endedAt }],
    startedAt,
    endedAt,
    ...(o.failed ? { error: { message: 'not an HDF5 file <bad>', step: 'sessions', file: 's3://data/x.nwb' } } : {}),
    codeVersion: w.codeVersion,
    workerIdentity: '1@test',
    outputLocation: store.uri(w.dedupKey),
  });
}

/**
 * Four runs for the query tests, newest last in this list: a (697062, with three outputs),
 * b (697062, grouped-analysis), c (717531, tag t2, code v1.2.0), d (717531, failed).
 */
export async function seedRuns(store: ObjectStore, records: RecordStore<ProcessingRecord>): Promise<Record<'a' | 'b' | 'c' | 'd', ProcessingRecord>> {
  const add = async (spec: RunSpec, endedAt: string, o: { failed?: boolean; files?: Record<string, string> } = {}) => {
    const outputs = o.files ? await storeOutputs(store, workflowInput(spec).dedupKey, o.files) : [];
    const record = finishedRecord(store, spec, { outputs, endedAt, failed: o.failed });
    await records.upsert(record);
    return record;
  };
  return {
    a: await add({ subjectId: '697062' }, '2025-02-01T10:00:00.000Z', { files: { 'sessions.csv': 'a\n1\n', 'figures/x.png': 'png', 'index.html': '<p>' } }),
    b: await add({ subjectId: '697062', analysisName: 'grouped-analysis' }, '2025-02-02T23:59:59.000Z'),
    c: await add({ subjectId: '717531', tag: 't2', codeVersion: 'v1.2.0' }, '2025-02-03T00:00:00.000Z'),
    d: await add({ subjectId: '717531', sessions: 3 }, '2025-02-04T08:00:00.000Z', { failed: true }),
  };
}

/** The names ('a'...'d') of these records, in their order. */
export const runNames = (runs: Record<string, ProcessingRecord>, found: readonly ProcessingRecord[]): string[] =>
  found.map((r) => Object.entries(runs).find(([, x]) => x._id === r._id)![0]);
