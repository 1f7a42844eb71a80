import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/schemas/errors.js';
import { parseJob, subjectFromAssetName, subjectIdOf, validateJob } from '../../../src/schemas/job.js';

const fixture = (name: string): string =>
  readFileSync(new URL(`../../fixtures/jobs/${name}`, import.meta.url), 'utf8');

function failure(data: unknown): ValidationError {
  try {
    validateJob(data, 'job_dict/a.json');
  } catch (e) {
    if (e instanceof ValidationError) return e;
    throw e;
  }
  throw new Error('expected a ValidationError');
}

const S3 = 's3://bucket-a/behavior_697062_2023-11-14_11-12-44';

describe('AnalysisDispatchModel', () => {
  it('parses the lab\'s example job file unchanged', () => {
    const { job, subjectId, warnings } = parseJob(fixture('job-lab-style.json'), 'job-lab-style.json');
    expect(job.s3_location).toEqual([
      's3://codeocean-s3datasetsbucket-1u41qdg42ur9/50fa9416-4e21-482f-8901-889322a87ae3',
    ]);
    expect(job.file_location).toBeNull();
    expect(job.distributed_parameters).toEqual({ last_N_sess: 3 });
    expect(subjectId).toBe('774659');
    expect(warnings).toEqual([]);
  });

  it('parses a grouped dispatcher job with docdb ids, query and analysis_code', () => {
    const { job, subjectId } = parseJob(fixture('job-grouped.json'), 'job-grouped.json');
    expect(job.docdb_record_id).toHaveLength(2);
    expect(job.file_location).toHaveLength(2);
    expect(job.analysis_code?.object_type).toBe('Code');
    expect(subjectId).toBe('697062');
  });

  it('parses a local job whose subject is left to the NWB files', () => {
    const { job, subjectId } = parseJob(fixture('job-local.json'), 'job-local.json');
    expect(job.s3_location).toEqual(['test/fixtures/real-nwb']);
    expect(subjectId).toBeUndefined();
  });

  it('refuses an unknown top-level field, with the nearest known name (a typo must not silently drop an override)', () => {
    const e = failure({ s3_location: [S3], distributed_paramters: { last_N_sess: 2 } });
    expect(e.issues).toHaveLength(1);
    expect(e.file).toBe('job_dict/a.json');
    expect(e.jsonPath).toBe('$.distributed_paramters');
    expect(e.code).toBe('value.unknown_field');
    expect(e.fix).toMatch(/^did you mean "distributed_parameters"\? Otherwise remove it/);
    expect(e.fix).toMatch(/--allow-unknown-fields/);
  });

  it('refuses an unknown field with no near name, listing the known fields; every unknown field and schema problem together', () => {
    const e = failure({ s3_locaton: [S3], priority: 3 });
    expect(e.issues.map((i) => [i.jsonPath, i.code])).toEqual([
      ['$.s3_locaton', 'value.unknown_field'],
      ['$.priority', 'value.unknown_field'],
      ['$.s3_location', 'value.missing'],
    ]);
    expect(e.issues[0].fix).toMatch(/did you mean "s3_location"/);
    expect(e.issues[1].fix).toMatch(/known fields: s3_location, docdb_record_id, asset_id, asset_name, file_location/);
  });

  it('accepts every upstream field: AnalysisDispatchModel\'s and older files\' asset_id / asset_name', () => {
    const { warnings } = validateJob(
      {
        s3_location: [S3],
        docdb_record_id: ['r'],
        asset_id: ['a'],
        asset_name: ['behavior_697062_2023-11-14_11-12-44'],
        file_location: null,
        distributed_parameters: null,
        group_metadata: { 'subject.subject_id': '697062' },
        query: '{}',
        analysis_code: null,
      },
      'a.json',
    );
    expect(warnings).toEqual([]);
  });

  it('with allowUnknownFields ignores unknown fields and warns about each (the old behaviour)', () => {
    const { job, warnings } = validateJob({ s3_location: [S3], priority: 3, distributed_paramters: { a: 1 } }, 'a.json', {
      allowUnknownFields: true,
    });
    expect(job.s3_location).toEqual([S3]);
    expect(job.distributed_parameters).toBeUndefined();
    expect(warnings).toEqual([
      'a.json: $.priority: unknown field ignored (--allow-unknown-fields)',
      'a.json: $.distributed_paramters: unknown field ignored (--allow-unknown-fields); did you mean "distributed_parameters"?',
    ]);
  });

  it('normalises locations (trailing slash, file:// URI)', () => {
    const { job } = validateJob(
      { s3_location: ['file:///data/x/'], file_location: ['/data/x/a.nwb'] },
      'a.json',
    );
    expect(job.s3_location).toEqual(['/data/x']);
  });

  it('requires s3_location with at least one entry', () => {
    expect([failure({}).jsonPath, failure({}).code]).toEqual(['$.s3_location', 'value.missing']);
    const empty = failure({ s3_location: [] });
    expect([empty.jsonPath, empty.code]).toEqual(['$.s3_location', 'value.out_of_range']);
  });

  it('reports wrong types with the JSON path', () => {
    const e = failure({ s3_location: 's3://bucket-a/x' });
    expect([e.jsonPath, e.code]).toEqual(['$.s3_location', 'value.wrong_type']);
    const e2 = failure({ s3_location: [S3, 5] });
    expect(e2.jsonPath).toBe('$.s3_location[1]');
    expect(failure({ s3_location: [S3], query: 3 }).jsonPath).toBe('$.query');
    expect(failure({ s3_location: [S3], distributed_parameters: [] }).jsonPath).toBe('$.distributed_parameters');
  });

  it.each(['docdb_record_id', 'asset_id', 'asset_name'])('requires %s to match s3_location in length', (field) => {
    const e = failure({ s3_location: [S3, `${S3}-b`], [field]: ['only-one'] });
    expect([e.jsonPath, e.code]).toEqual([`$.${field}`, 'job.lengths_differ']);
  });

  it('refuses an empty file_location list (null means "find the files")', () => {
    expect(failure({ s3_location: [S3], file_location: [] }).jsonPath).toBe('$.file_location');
  });

  it('refuses path traversal in local locations', () => {
    const e = failure({ s3_location: ['/data/../etc'] });
    expect([e.jsonPath, e.code]).toEqual(['$.s3_location[0]', 'location.traversal']);
    expect(failure({ s3_location: ['/data/x'], file_location: ['/data/x/../../y.nwb'] }).jsonPath).toBe(
      '$.file_location[0]',
    );
  });

  it('refuses mixing S3 and local locations in one job', () => {
    const e = failure({ s3_location: [S3, '/data/x'] });
    expect([e.jsonPath, e.code]).toEqual(['$.s3_location', 'job.mixed_location_kinds']);
  });

  it('refuses dollar and dotted keys in distributed_parameters', () => {
    const dollar = failure({ s3_location: [S3], distributed_parameters: { $where: 1 } });
    expect([dollar.jsonPath, dollar.code]).toEqual(['$.distributed_parameters["$where"]', 'value.operator_key']);
    const dotted = failure({ s3_location: [S3], distributed_parameters: { channels: { 'G_1.x': 'a' } } });
    expect([dotted.jsonPath, dotted.code]).toEqual(['$.distributed_parameters.channels["G_1.x"]', 'value.dotted_key']);
    expect(dotted.fix).toMatch(/G_1_x/);
  });
});

describe('subject of a job', () => {
  it.each([
    ['behavior_697062_2023-11-14_11-12-44', '697062'],
    ['697062_2023-11-14_11-12-44', '697062'],
    ['behavior_774659_2025-06-07_14-31-15_processed_2025-06-08_03-49-49', '774659'],
    ['697062_2023-11-14_11-12-44.nwb', '697062'],
    ['50fa9416-4e21-482f-8901-889322a87ae3', undefined],
    ['ecephys_123_2024-01-01_01-02-03', undefined],
    ['behavior_697062', undefined],
  ])('reads %s as %s', (name, subject) => {
    expect(subjectFromAssetName(name)).toBe(subject);
  });

  it('prefers group_metadata (flat, dotted or nested; string or number)', () => {
    for (const group_metadata of [
      { 'subject.subject_id': '697062' },
      { subject_id: 697062 },
      { subject: { subject_id: '697062' } },
    ]) {
      expect(validateJob({ s3_location: ['s3://bucket-a/uuid'], group_metadata }, 'a.json').subjectId).toBe('697062');
    }
  });

  it('falls back to asset names, then location names, then undefined', () => {
    expect(validateJob({ s3_location: ['s3://bucket-a/uuid'], asset_name: ['697062_2023-11-14_11-12-44'] }, 'a').subjectId).toBe('697062');
    expect(validateJob({ s3_location: [S3] }, 'a').subjectId).toBe('697062');
    const { job } = validateJob({ s3_location: ['s3://bucket-a/uuid'] }, 'a');
    expect(subjectIdOf(job)).toBeUndefined();
  });

  it('refuses a job whose assets belong to several subjects', () => {
    const e = failure({
      s3_location: ['s3://bucket-a/a', 's3://bucket-a/b'],
      asset_name: ['behavior_697062_2023-11-14_11-12-44', 'behavior_700000_2023-11-15_10-02-05'],
    });
    expect([e.jsonPath, e.code]).toEqual(['$.asset_name[1]', 'job.mixed_subjects']);
    // The message names both subjects and where the other one is.
    expect(e.problem).toContain('"700000"');
    expect(e.problem).toContain('$.asset_name[0]');
  });

  it('refuses group metadata that disagrees with the assets', () => {
    const e = failure({ s3_location: [S3], group_metadata: { 'subject.subject_id': '1' } });
    expect([e.jsonPath, e.code]).toEqual(['$.s3_location[0]', 'job.mixed_subjects']);
    expect(e.problem).toContain('$.group_metadata["subject.subject_id"]');
  });

  it('refuses a subject id that cannot be part of a workflow ID', () => {
    const e = failure({ s3_location: ['s3://bucket-a/x'], group_metadata: { subject_id: 'a/b' } });
    expect([e.jsonPath, e.code]).toEqual(['$.group_metadata.subject_id', 'job.bad_subject_id']);
  });
});
