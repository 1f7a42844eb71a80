import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/schemas/errors.js';
import { groupedPhotometrySpec } from '../../../src/analyses/grouped-photometry/spec.js';
import { parseJob } from '../../../src/schemas/job.js';
import { MAX_INPUT_FILE_BYTES } from '../../../src/schemas/json-text.js';
import { expandJobs, parseParameters } from '../../../src/schemas/parameters.js';

// Issue 4's list of bad inputs, each from file text to the error a user sees: it names the
// file, the JSON path, what is wrong and how to fix it.

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
  ['malformed job JSON', '{\n  "s3_location": ["s3://bucket-a/x"],\n}', undefined, JOB, '$', /line 3, column 1/, /JSON syntax/],
  ['malformed parameters JSON', goodJob, '{"analysis_parameter": {"channels": {"G_1": "a"}}', PARAMS, '$', /line 1, column 50: expected "," or "}", unexpected end of file/, /JSON syntax/],
  ['wrong type', JSON.stringify({ s3_location: 's3://bucket-a/x' }), undefined, JOB, '$.s3_location', /expected an array, got string/, /make "s3_location" an array/],
  ['wrong parameter type', goodJob, params({ last_N_sess: '5' }), PARAMS, '$.analysis_parameter.last_N_sess', /expected a number, got string "5"/, /make "last_N_sess" a number/],
  ['empty s3_location', JSON.stringify({ s3_location: [] }), undefined, JOB, '$.s3_location', /has 0 items/, /at least 1 item/],
  ['lengths that disagree', JSON.stringify({ s3_location: ['s3://bucket-a/a', 's3://bucket-a/b'], asset_id: ['1'] }), undefined, JOB, '$.asset_id', /1 entries but s3_location has 2/, /one asset_id per s3_location entry/],
  ['mixed subjects', JSON.stringify({ s3_location: ['s3://bucket-a/behavior_1_2024-01-01_01-02-03', 's3://bucket-a/behavior_2_2024-01-02_01-02-03'] }), undefined, JOB, '$.s3_location[1]', /subject "2" but \$\.s3_location\[0\] says "1"/, /one job per subject/],
  ['unknown plot_types', goodJob, params({ plot_types: ['avg_lastN_sess', 'daily'] }), PARAMS, '$.analysis_parameter.plot_types[1]', /"daily" is not allowed/, /"avg_lastN_sess", "all_sess", "weekly"/],
  ['negative last_N_sess', goodJob, params({ last_N_sess: -3 }), PARAMS, '$.analysis_parameter.last_N_sess', /-3 is out of range/, /use a number >= 1/],
  ['$-prefixed key in parameters', goodJob, params({ $where: 'x' }), PARAMS, '$.analysis_parameter["$where"]', /starts with "\$"/, /without the leading "\$"/],
  ['dotted key in parameters', goodJob, JSON.stringify({ distributed_parameters: [{ 'channels.G_1': 'x' }] }), PARAMS, '$.distributed_parameters[0]["channels.G_1"]', /contains "\."/, /channels_G_1/],
  ['dotted key in job parameters', JSON.stringify({ s3_location: ['s3://bucket-a/x'], distributed_parameters: { 'a.b': 1 } }), undefined, JOB, '$.distributed_parameters["a.b"]', /contains "\."/, /rename the key/],
  ['path traversal in a local location', JSON.stringify({ s3_location: ['/data/sessions/../../etc'] }), undefined, JOB, '$.s3_location[0]', /"\.\." path segment/, /without "\.\."/],
  ['path traversal in a local file location', JSON.stringify({ s3_location: ['/data/s'], file_location: ['file:///data/s/%2E%2E/x.nwb'] }), undefined, JOB, '$.file_location[0]', /"\.\." path segment/, /without "\.\."/],
  ['both analysis_parameter and distributed_parameters', goodJob, JSON.stringify({ analysis_parameter: {}, distributed_parameters: [{}] }), PARAMS, '$.distributed_parameters', /both/, /keep one/],
  ['an empty distributed list', goodJob, JSON.stringify({ distributed_parameters: [] }), PARAMS, '$.distributed_parameters', /empty/, /at least one parameter set/],
  ['a job file over the size limit', `{"s3_location": ["s3://bucket-a/x"], "query": "${'x'.repeat(MAX_INPUT_FILE_BYTES)}"}`, undefined, JOB, '$', /larger than the 1048576-byte limit/, /split it/],
  ['a parameters file over the size limit', goodJob, `{"analysis_parameter": {"x": "${'x'.repeat(MAX_INPUT_FILE_BYTES)}"}}`, PARAMS, '$', /byte limit/, /split it/],
] as const)('%s', (_name, jobText, paramsText, file, jsonPath, problem, fix) => {
  it('is a ValidationError naming the file, the JSON path and the fix', () => {
    const e = errorOf(jobText, paramsText);
    expect(e.file).toBe(file);
    expect(e.jsonPath).toBe(jsonPath);
    expect(e.problem).toMatch(problem);
    expect(e.fix).toMatch(fix);
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
