import { describe, expect, it } from 'vitest';
import { CodeVersion } from '../../../src/schemas/code-version.js';
import { computeDedupKey, workflowIdFor } from '../../../src/schemas/dedup-key.js';
import { groupedPhotometrySpec } from '../../../src/analyses/grouped-photometry/spec.js';
import { resolveParameters } from '../../../src/schemas/analysis-spec.js';
import {
  newRunningRecord,
  ProcessingRecordSchema,
  type NewRecordInput,
  type ProcessingRecord,
} from '../../../src/schemas/record.js';

const CODE = '0.1.0+git.0123456789abcdef0123456789abcdef01234567';
const parameters = resolveParameters(groupedPhotometrySpec, [
  { file: 'p', path: [], values: { channels: { G_1: 'NAc dLight' }, analysis_tag: 'V1' } },
]).parameters;
const locations = ['s3://aind-open-data/behavior_697062_2023-11-14_11-12-44'];
const key = computeDedupKey({
  analysisName: 'grouped-analysis',
  analysisVersion: '1.0.0',
  codeVersion: CODE,
  inputLocations: locations,
  parameters,
});
const workflowId = workflowIdFor({ analysisName: 'grouped-analysis', subjectId: '697062', analysisTag: 'V1', key });

const input: NewRecordInput = {
  key,
  workflowId,
  location: `s3://results-bucket/grouped-analysis/${key}`,
  subjectId: '697062',
  analysis: { name: 'grouped-analysis', version: '1.0.0', tag: 'V1' },
  codeVersion: CODE,
  codeUrl: 'https://github.com/example/grouped-analysis',
  nodeVersion: '20.19.0',
  temporalSdkVersion: '1.24.0',
  parameters,
  inputs: {
    locations,
    file_locations: [],
    files: [{ uri: `${locations[0]}/nwb/697062_2023-11-14_11-12-44.nwb`, size: 1234, etag: '"abc"' }],
  },
  temporal: { namespace: 'default', taskQueue: 'grouped-analysis', runId: 'run-1' },
  workerIdentity: '123@host',
  startedAt: '2025-01-31T12:00:00.000Z',
};

const completed = (r: ProcessingRecord): unknown => ({
  ...r,
  status: 'completed',
  processing: {
    data_processes: [{ ...r.processing.data_processes[0], end_date_time: '2025-01-31T12:05:00.000Z' }],
  },
  steps: [{ name: 'load-session', started_at: '2025-01-31T12:00:01.000Z', ended_at: '2025-01-31T12:00:03.000Z', duration_ms: 2000, attempts: 1 }],
  outputs: [{ uri: `${r.location}/summary.json`, size: 10, sha256: 'a'.repeat(64), media_type: 'application/json' }],
  updated_at: '2025-01-31T12:05:00.000Z',
});

function problems(data: unknown): string[] {
  const r = ProcessingRecordSchema.safeParse(data);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('processing record', () => {
  it('builds a running record with the aind-data-schema DataProcess filled consistently', () => {
    const r = newRunningRecord(input);
    expect(r._id).toBe(key);
    expect(r.status).toBe('running');
    const p = r.processing.data_processes[0];
    expect(p).toMatchObject({
      object_type: 'Data process',
      process_type: 'Analysis',
      stage: 'Analysis',
      name: 'grouped-analysis',
      start_date_time: input.startedAt,
      end_date_time: null,
      output_path: input.location,
    });
    expect(p.code).toMatchObject({
      object_type: 'Code',
      url: input.codeUrl,
      version: CODE,
      parameters,
      input_data: [{ object_type: 'Data asset', url: locations[0] }],
    });
    expect(r.temporal.workflow_id).toBe(workflowId);
    expect(r.name).toBe(workflowId);
  });

  it('accepts a completed record with steps and checksummed outputs', () => {
    expect(problems(completed(newRunningRecord(input)))).toEqual([]);
  });

  it('accepts a failed record with an error naming step and file', () => {
    const r = completed(newRunningRecord(input)) as ProcessingRecord;
    expect(
      problems({ ...r, status: 'failed', error: { message: 'corrupt HDF5', step: 'load-session', file: 's3://x/a.nwb' } }),
    ).toEqual([]);
  });

  it('enforces status / end time / error consistency', () => {
    const running = newRunningRecord(input);
    const done = completed(running) as ProcessingRecord;
    expect(problems({ ...running, status: 'completed' })).toEqual([
      'processing.data_processes.0.end_date_time: a completed record needs an end time',
    ]);
    expect(problems({ ...done, status: 'running' })).toEqual([
      'processing.data_processes.0.end_date_time: a running record has an end time',
    ]);
    expect(problems({ ...done, status: 'failed' })).toEqual(['error: error must be set exactly when status is "failed"']);
    expect(problems({ ...done, error: { message: 'x', step: 'y', file: null } })).toEqual([
      'error: error must be set exactly when status is "failed"',
    ]);
    expect(problems({ ...running, status: 'done' })[0]).toMatch(/^status/);
  });

  it('records a Python analysis: its language, its own code version (part of the key), the exception of a failure', () => {
    const pyCode = '0.3.0+src.0123456789ab';
    const pyKey = computeDedupKey({ analysisName: 'grouped-analysis', analysisVersion: '1.0.0', codeVersion: CODE, analysisCodeVersion: pyCode, inputLocations: locations, parameters });
    const py: NewRecordInput = {
      ...input,
      key: pyKey,
      workflowId: workflowIdFor({ analysisName: 'grouped-analysis', subjectId: '697062', analysisTag: 'V1', key: pyKey }),
      analysis: { ...input.analysis, code_version: pyCode },
      language: { name: 'Python', version: '3.11' },
    };
    const r = newRunningRecord(py);
    expect(r.processing.data_processes[0].code).toMatchObject({ language: 'Python', language_version: '3.11' });
    const failed = { ...(completed(r) as ProcessingRecord), status: 'failed', error: { message: 'boom', step: 'group', file: null, type: 'ValueError', traceback: 'File "a.py", line 3' } };
    expect(problems(failed)).toEqual([]);
    // The key covers the analysis's code version: another one does not match the _id.
    expect(problems({ ...r, analysis: { ...r.analysis, code_version: '0.3.0+src.ba9876543210' } })).toEqual([
      '_id: does not match the dedup key recomputed from analysis, code version, inputs and parameters',
    ]);
  });

  it('refuses an _id that is not the key of what the record says was run', () => {
    const r = newRunningRecord(input);
    const otherParams = { ...parameters, last_N_sess: 6 };
    const p = r.processing.data_processes[0];
    expect(
      problems({ ...r, processing: { data_processes: [{ ...p, code: { ...p.code, parameters: otherParams } }] } }),
    ).toEqual(['_id: does not match the dedup key recomputed from analysis, code version, inputs and parameters']);
    expect(() => newRunningRecord({ ...input, analysis: { ...input.analysis, version: '2.0.0' } })).toThrow(/_id/);
  });

  it('keeps the DataProcess in step with the record', () => {
    const r = newRunningRecord(input);
    const p = r.processing.data_processes[0];
    expect(problems({ ...r, location: 's3://elsewhere/x' })).toContain(
      'processing.data_processes.0.output_path: output_path differs from location',
    );
    expect(problems({ ...r, name: 'x' })).toContain('name: name differs from temporal.workflow_id');
    expect(
      problems({ ...r, processing: { data_processes: [{ ...p, code: { ...p.code, input_data: [] } }] } }).length,
    ).toBeGreaterThan(0);
  });

  it('refuses unchecked outputs and unknown fields', () => {
    const r = completed(newRunningRecord(input)) as ProcessingRecord;
    expect(problems({ ...r, outputs: [{ uri: 'x', size: 1, sha256: 'abc' }] })[0]).toMatch(/^outputs\.0\.sha256/);
    expect(problems({ ...r, outputs: [{ uri: 'x', size: -1, sha256: 'a'.repeat(64) }] })[0]).toMatch(/^outputs\.0\.size/);
    expect(problems({ ...r, extra: 1 })[0]).toMatch(/Unrecognized key/);
  });
});

describe('code version', () => {
  it.each([
    '0.1.0+git.0123456789abcdef0123456789abcdef01234567',
    '0.1.0+src.9f86d081884c',
    '1.2.3-rc.1+bundle.9f86d081884c7d65',
    'v1.2.0',
    '1.2.0',
    'ghcr.io/lab/grouped-analysis@sha256:' + 'a'.repeat(64),
  ])('accepts %s', (v) => {
    expect(CodeVersion.safeParse(v).success).toBe(true);
  });

  it.each(['', 'unknown', 'dev', 'latest', '0.1.0+git.abc', '0.1.0+src.xyz', '0.1.0+unknown'])('refuses %j', (v) => {
    expect(CodeVersion.safeParse(v).success).toBe(false);
  });
});
