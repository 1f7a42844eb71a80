import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/schemas/errors.js';
import { groupedPhotometrySpec } from '../../../src/analyses/grouped-photometry/spec.js';
import { parseJob } from '../../../src/schemas/job.js';
import { MAX_INPUT_FILE_BYTES } from '../../../src/schemas/json-text.js';
import { expandJobs, parseParameters } from '../../../src/schemas/parameters.js';

// Issue 4's list of bad inputs, each from file text to the error a user sees: it names the
// file, the JSON path, the kind of problem (a stable code) and how to fix it.

const JOB = 'job_dict/mouse.json';
const PARAMS = 'analysis_parameters.json';
const goodJob = JSON.stringify({ s3_location: ['s3://bucket-a/behavior_697062_2023-11-14_11-12-44'] });

function run(jobText: string, paramsText?: string): void {
  const parsed = parseJob(jobText, JOB);
  const params = paramsText === undefined ? undefined : { file: PARAMS, parameters: parseParameters(paramsText, PARAMS) };
  expandJobs(groupedPhotometrySpec, [{ file: JOB, parsed }], params);
}

function errorOf(jobText: string, paramsText?: string): ValidationError {
  try {
    run(jobText, paramsText);
  } catch (e) {
    if (e instanceof ValidationError) return e;
    throw e;
  }
  throw new Error('expected a ValidationError');
}

const params = (set: Record<string, unknown>): string => JSON.stringify({ analysis_parameter: { channels: { G_1: 'NAc' }, ...set } });

describe.each([
  ['malformed job JSON', '{\n  "s3_location": ["s3://bucket-a/x"],\n}', undefined, JOB, '$', 'file.json_syntax'],
  ['malformed parameters JSON', goodJob, '{"analysis_parameter": {"channels": {"G_1": "a"}}', PARAMS, '$', 'file.json_syntax'],
  ['wrong type', JSON.stringify({ s3_location: 's3://bucket-a/x' }), undefined, JOB, '$.s3_location', 'value.wrong_type'],
  ['wrong parameter type', goodJob, params({ last_N_sess: '5' }), PARAMS, '$.analysis_parameter.last_N_sess', 'value.wrong_type'],
  ['empty s3_location', JSON.stringify({ s3_location: [] }), undefined, JOB, '$.s3_location', 'value.out_of_range'],
  ['lengths that disagree', JSON.stringify({ s3_location: ['s3://bucket-a/a', 's3://bucket-a/b'], asset_id: ['1'] }), undefined, JOB, '$.asset_id', 'job.lengths_differ'],
  ['mixed subjects', JSON.stringify({ s3_location: ['s3://bucket-a/behavior_1_2024-01-01_01-02-03', 's3://bucket-a/behavior_2_2024-01-02_01-02-03'] }), undefined, JOB, '$.s3_location[1]', 'job.mixed_subjects'],
  ['unknown plot_types', goodJob, params({ plot_types: ['avg_lastN_sess', 'daily'] }), PARAMS, '$.analysis_parameter.plot_types[1]', 'value.not_allowed'],
  ['negative last_N_sess', goodJob, params({ last_N_sess: -3 }), PARAMS, '$.analysis_parameter.last_N_sess', 'value.out_of_range'],
  ['$-prefixed key in parameters', goodJob, params({ $where: 'x' }), PARAMS, '$.analysis_parameter["$where"]', 'value.operator_key'],
  ['dotted key in parameters', goodJob, JSON.stringify({ distributed_parameters: [{ 'channels.G_1': 'x' }] }), PARAMS, '$.distributed_parameters[0]["channels.G_1"]', 'value.dotted_key'],
  ['dotted key in job parameters', JSON.stringify({ s3_location: ['s3://bucket-a/x'], distributed_parameters: { 'a.b': 1 } }), undefined, JOB, '$.distributed_parameters["a.b"]', 'value.dotted_key'],
  ['path traversal in a local location', JSON.stringify({ s3_location: ['/data/sessions/../../etc'] }), undefined, JOB, '$.s3_location[0]', 'location.traversal'],
  ['path traversal in a local file location', JSON.stringify({ s3_location: ['/data/s'], file_location: ['file:///data/s/%2E%2E/x.nwb'] }), undefined, JOB, '$.file_location[0]', 'location.traversal'],
  ['both analysis_parameter and distributed_parameters', goodJob, JSON.stringify({ analysis_parameter: {}, distributed_parameters: [{}] }), PARAMS, '$.distributed_parameters', 'parameters.conflict'],
  ['an empty distributed list', goodJob, JSON.stringify({ distributed_parameters: [] }), PARAMS, '$.distributed_parameters', 'parameters.empty'],
  ['a job file over the size limit', `{"s3_location": ["s3://bucket-a/x"], "query": "${'x'.repeat(MAX_INPUT_FILE_BYTES)}"}`, undefined, JOB, '$', 'file.too_large'],
  ['a parameters file over the size limit', goodJob, `{"analysis_parameter": {"x": "${'x'.repeat(MAX_INPUT_FILE_BYTES)}"}}`, PARAMS, '$', 'file.too_large'],
] as const)('%s', (_name, jobText, paramsText, file, jsonPath, code) => {
  it('is a ValidationError naming the file, the JSON path, the kind of problem and a fix', () => {
    const e = errorOf(jobText, paramsText);
    expect([e.file, e.jsonPath, e.code]).toEqual([file, jsonPath, code]);
    expect(e.fix.length).toBeGreaterThan(0);
    expect(e.message).toContain(`: ${jsonPath}: `);
    expect(e.message).toContain('Fix: ');
  });
});

describe('arbitrary input never crashes', () => {
  const onlyValidationErrors = (f: () => void): void => {
    try {
      f();
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      expect(e.issues.length).toBeGreaterThan(0);
      for (const issue of e.issues) {
        expect(issue.jsonPath.startsWith('$')).toBe(true);
        expect(issue.code).toMatch(/^[a-z]+\.[a-z_]+$/);
        expect(issue.fix.length).toBeGreaterThan(0);
      }
    }
  };

  it('random text as a job or parameters file', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => {
        onlyValidationErrors(() => parseJob(text, JOB));
        onlyValidationErrors(() => parseParameters(text, PARAMS));
      }),
    );
  });

  it('random JSON as a job, parameters file and parameter set', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
        const text = JSON.stringify(value);
        onlyValidationErrors(() => parseJob(text, JOB));
        onlyValidationErrors(() => parseParameters(text, PARAMS));
        onlyValidationErrors(() => run(goodJob, JSON.stringify({ analysis_parameter: value })));
        onlyValidationErrors(() => run(JSON.stringify({ s3_location: ['s3://bucket-a/x'], distributed_parameters: value })));
      }),
    );
  });

  it('random values in every job field', () => {
    const fields = ['s3_location', 'docdb_record_id', 'asset_id', 'asset_name', 'file_location', 'group_metadata', 'query', 'analysis_code'];
    fc.assert(
      fc.property(fc.constantFrom(...fields), fc.jsonValue({ maxDepth: 3 }), (field, value) => {
        const job = { s3_location: ['s3://bucket-a/x'], [field]: value };
        onlyValidationErrors(() => run(JSON.stringify(job), params({})));
      }),
    );
  });
});
