import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ValidationError } from '../../../src/schemas/errors.js';
import { foragingSummarySpec } from '../../../src/analyses/foraging-summary/index.js';
import { groupedPhotometrySpec } from '../../../src/analyses/grouped-photometry/spec.js';
import { analysisTag, type AnalysisParameterSpec } from '../../../src/schemas/analysis-spec.js';
import { parseJob, validateJob } from '../../../src/schemas/job.js';
import {
  expandJobs,
  NO_PARAMETERS_FILE,
  parameterSets,
  parseParameters,
  validateParametersFile,
  type AnalysisParametersFile,
} from '../../../src/schemas/parameters.js';

const fixture = (name: string): string =>
  readFileSync(new URL(`../../fixtures/jobs/${name}`, import.meta.url), 'utf8');
const params = (name: string) => ({ file: name, parameters: parseParameters(fixture(name), name) });
const job = (name: string) => ({ file: name, parsed: parseJob(fixture(name), name) });

function failure(data: unknown): ValidationError {
  try {
    validateParametersFile(data, 'analysis_parameters.json');
  } catch (e) {
    if (e instanceof ValidationError) return e;
    throw e;
  }
  throw new Error('expected a ValidationError');
}

describe('analysis_parameters.json shapes', () => {
  it('reads the single shape as one set', () => {
    const p = parseParameters(fixture('analysis_parameters.single.json'), 'p.json');
    expect(parameterSets(p)).toEqual([
      { index: null, sources: [{ path: ['analysis_parameter'], values: (p as { analysis_parameter: object }).analysis_parameter }] },
    ]);
  });

  it('reads the distributed shape as one set per entry', () => {
    const sets = parameterSets(parseParameters(fixture('analysis_parameters.distributed.json'), 'p.json'));
    expect(sets.map((s) => s.index)).toEqual([0, 1]);
    expect(sets[1].sources.map((s) => s.path)).toEqual([['distributed_parameters', 1]]);
  });

  it('reads the fixed + distributed shape with fixed values under each set', () => {
    const sets = parameterSets(parseParameters(fixture('analysis_parameters.fixed-distributed.json'), 'p.json'));
    expect(sets).toHaveLength(2);
    expect(sets[0].sources.map((s) => s.path)).toEqual([['fixed_parameters'], ['distributed_parameters', 0]]);
  });

  it('reads fixed parameters alone as one set (upstream wrapper style)', () => {
    const sets = parameterSets(validateParametersFile({ fixed_parameters: { last_N_sess: 2 } }, 'p.json'));
    expect(sets).toEqual([{ index: null, sources: [{ path: ['fixed_parameters'], values: { last_N_sess: 2 } }] }]);
  });

  it('refuses both analysis_parameter and distributed_parameters', () => {
    const e = failure({ analysis_parameter: {}, distributed_parameters: [{}] });
    expect([e.file, e.jsonPath, e.code]).toEqual(['analysis_parameters.json', '$.distributed_parameters', 'parameters.conflict']);
  });

  it('refuses analysis_parameter with fixed_parameters', () => {
    const e = failure({ analysis_parameter: {}, fixed_parameters: {} });
    expect([e.jsonPath, e.code]).toEqual(['$.fixed_parameters', 'parameters.conflict']);
  });

  it('refuses an empty distributed list', () => {
    const e = failure({ distributed_parameters: [] });
    expect([e.jsonPath, e.code]).toEqual(['$.distributed_parameters', 'parameters.empty']);
    expect(failure({ fixed_parameters: {}, distributed_parameters: [] }).code).toBe('parameters.empty');
  });

  it('refuses bare parameters, unknown top-level fields, empty objects and non-objects', () => {
    const bare = failure({ channels: {} });
    expect([bare.jsonPath, bare.code]).toEqual(['$', 'parameters.shape']);
    const extra = failure({ analysis_parameter: {}, extra: 1 });
    expect([extra.jsonPath, extra.code]).toEqual(['$.extra', 'value.unknown_field']);
    expect(failure({}).code).toBe('parameters.empty');
    expect(failure([]).code).toBe('parameters.shape');
    expect([failure(null).jsonPath, failure(null).code]).toEqual(['$', 'parameters.shape']);
  });

  it('refuses misspelt top-level fields, every one, with the nearest known name', () => {
    const e = failure({ fixed_parameters: { last_N_sess: 2 }, distributed_paramters: [{ last_N_sess: 3 }], note: 'x' });
    expect(e.issues.map((i) => [i.file, i.jsonPath, i.code])).toEqual([
      ['analysis_parameters.json', '$.distributed_paramters', 'value.unknown_field'],
      ['analysis_parameters.json', '$.note', 'value.unknown_field'],
    ]);
    expect(e.fix).toMatch(/^did you mean "distributed_parameters"\? Otherwise remove it/);
    // Only a misspelt name: still "did you mean", not "bare parameters?".
    const plural = failure({ analysis_parameters: { last_N_sess: 2 } });
    expect(plural.jsonPath).toBe('$.analysis_parameters');
    expect(plural.fix).toMatch(/^did you mean "analysis_parameter"\?/);
  });

  it('refuses wrong types inside the shapes', () => {
    expect(failure({ analysis_parameter: [] }).jsonPath).toBe('$.analysis_parameter');
    expect(failure({ distributed_parameters: {} }).jsonPath).toBe('$.distributed_parameters');
    expect(failure({ distributed_parameters: [{}, 3] }).jsonPath).toBe('$.distributed_parameters[1]');
  });

  it('refuses MongoDB-unsafe keys at any depth', () => {
    const dollar = failure({ analysis_parameter: { $set: 1 } });
    expect(dollar.jsonPath).toBe('$.analysis_parameter["$set"]');
    const dotted = failure({ fixed_parameters: { channels: { 'a.b': 'x' } }, distributed_parameters: [{}] });
    expect(dotted.jsonPath).toBe('$.fixed_parameters.channels["a.b"]');
    expect(failure({ distributed_parameters: [{ a: [{ 'x.y': 1 }] }] }).jsonPath).toBe(
      '$.distributed_parameters[0].a[0]["x.y"]',
    );
  });

  it('refuses numbers that overflow to Infinity', () => {
    const e = (() => {
      try {
        parseParameters('{"analysis_parameter": {"last_N_sess": 1e400}}', 'p.json');
      } catch (err) {
        return err as ValidationError;
      }
      throw new Error('expected an error');
    })();
    expect([e.jsonPath, e.code]).toEqual(['$.analysis_parameter.last_N_sess', 'value.not_finite']);
  });
});

describe('expandJobs', () => {
  const spec = groupedPhotometrySpec;

  it('multiplies jobs by parameter sets, fixed values under each set', () => {
    const out = expandJobs(spec, [job('job-grouped.json'), job('job-lab-style.json')], params('analysis_parameters.fixed-distributed.json'));
    expect(out).toHaveLength(4);
    expect(out.map((e) => [e.jobFile, e.parameterSet, e.parameters.fitted_model, e.parameters.fit_seed])).toEqual([
      ['job-grouped.json', 0, 'QLearning_L2F1_CKfull_softmax', 0],
      ['job-grouped.json', 1, 'QLearning_L1F1_CK1_softmax', 7],
      ['job-lab-style.json', 0, 'QLearning_L2F1_CKfull_softmax', 0],
      ['job-lab-style.json', 1, 'QLearning_L1F1_CK1_softmax', 7],
    ]);
    expect(out[0].parameters.channels).toEqual({ G_1: 'NAc dLight', Iso_1: 'NAc isosbestic' });
    expect(out[0].subjectId).toBe('697062');
  });

  it('lets the job\'s own distributed_parameters win over the file', () => {
    const out = expandJobs(spec, [job('job-lab-style.json')], params('analysis_parameters.single.json'));
    expect(out).toHaveLength(1);
    expect(out[0].parameters.last_N_sess).toBe(3); // file says 5, the job says 3
    expect(out[0].parameters.analysis_tag).toBe('V1');
  });

  it('resolves defaults before anything is hashed', () => {
    const [a] = expandJobs(spec, [job('job-grouped.json')], params('analysis_parameters.distributed.json'));
    expect(a.parameters.fit_source).toBe('fit');
    expect(a.parameters.signal_window_s).toEqual([0.33, 1]);
  });

  it('runs each job once with its own parameters when there is no parameters file', () => {
    const own = { file: 'j.json', parsed: validateJob({ s3_location: ['s3://bucket-a/x'], distributed_parameters: { channels: { R_1: 'DMS' } } }, 'j.json') };
    const out = expandJobs(spec, [own]);
    expect(out).toHaveLength(1);
    expect(out[0].parameterSet).toBeNull();
    expect(out[0].parameters.channels).toEqual({ R_1: 'DMS' });
  });

  it('blames the file a bad value came from', () => {
    const bad = { file: 'job_dict/j.json', parsed: validateJob({ s3_location: ['s3://bucket-a/x'], distributed_parameters: { last_N_sess: -1 } }, 'j.json') };
    const e = (() => {
      try {
        expandJobs(spec, [bad], params('analysis_parameters.single.json'));
      } catch (err) {
        return err as ValidationError;
      }
      throw new Error('expected an error');
    })();
    expect(e.file).toBe('job_dict/j.json');
    expect(e.jsonPath).toBe('$.distributed_parameters.last_N_sess');
  });

  // Issue 25 item 13: job files without -p used to fail with 'required field "channels" is missing' on the job.
  const needsChannels: AnalysisParameterSpec = {
    name: 'needs-channels',
    version: '1.0.0',
    schema: z.strictObject({
      analysis_name: z.literal('needs-channels').default('needs-channels'),
      analysis_tag: analysisTag,
      channels: z.record(z.string(), z.string()).describe('Channels to analyse, e.g. {"G_1": "NAc dLight", "R_1": "VTA rAAV"}.'),
      threshold: z.number().meta({ examples: [0.5] }),
      last_N_sess: z.int().min(1).default(5),
    }),
  };
  const bare = (f: string) => ({ file: f, parsed: validateJob({ s3_location: ['s3://bucket-a/x'] }, f) });
  const caught = (f: () => unknown): ValidationError => {
    try {
      f();
    } catch (err) {
      if (err instanceof ValidationError) return err;
      throw err;
    }
    throw new Error('expected a ValidationError');
  };

  it('without a parameters file, uses the analysis\'s defaults', () => {
    const [out] = expandJobs(foragingSummarySpec, [bare('j1.json')]);
    expect(out.parameters).toEqual({ analysis_name: 'foraging-summary', analysis_tag: 'default', min_finished_trials: 50 });
  });

  it('without a parameters file, blames the missing file (not the job) for a required parameter, with an example from the schema', () => {
    const e = caught(() => expandJobs(needsChannels, [bare('j1.json'), bare('j2.json')]));
    expect(e.issues.map((i) => [i.file, i.jsonPath, i.code])).toEqual([
      [NO_PARAMETERS_FILE, '$.analysis_parameter.channels', 'parameters.needs_file'],
      [NO_PARAMETERS_FILE, '$.analysis_parameter.threshold', 'parameters.needs_file'],
    ]);
    expect(e.issues[0].fix).toContain(
      '--parameters analysis_parameters.json containing {"analysis_parameter": {"channels": {"G_1": "NAc dLight", "R_1": "VTA rAAV"}}}',
    );
    expect(e.issues[1].fix).toContain('{"analysis_parameter": {"threshold": 0.5}}');
  });

  it('without a parameters file, still blames the job for its own bad values, and accepts a job that gives the required ones', () => {
    const own = (f: string, values: Record<string, unknown>) => ({ file: f, parsed: validateJob({ s3_location: ['s3://bucket-a/x'], distributed_parameters: values }, f) });
    const e = caught(() => expandJobs(needsChannels, [own('j1.json', { last_N_sess: 0, threshold: 1 }), own('j2.json', { channels: { G_1: 'x' }, threshold: 1 })]));
    expect(e.issues.map((i) => [i.file, i.jsonPath])).toEqual([
      [NO_PARAMETERS_FILE, '$.analysis_parameter.channels'],
      ['j1.json', '$.distributed_parameters.last_N_sess'],
    ]);
    expect(expandJobs(needsChannels, [own('j2.json', { channels: { G_1: 'x' }, threshold: 1 })])).toHaveLength(1);
  });

  it('reports a file-level problem once', () => {
    const file: { file: string; parameters: AnalysisParametersFile } = {
      file: 'p.json',
      parameters: validateParametersFile({ analysis_parameter: { channels: { G_1: 'x' }, last_N_sess: 0 } }, 'p.json'),
    };
    const e2 = (() => {
      try {
        expandJobs(spec, [bare('j1.json'), bare('j2.json')], file);
      } catch (err) {
        return err as ValidationError;
      }
      throw new Error('expected an error');
    })();
    expect(e2.issues).toHaveLength(1);
    expect(e2.file).toBe('p.json');
    expect(e2.jsonPath).toBe('$.analysis_parameter.last_N_sess');
  });

  it('carries job and parameter warnings', () => {
    const j = { file: 'j.json', parsed: validateJob({ s3_location: ['s3://bucket-a/x'], extra: 1, distributed_parameters: { dry_run: 0 } }, 'j.json', { allowUnknownFields: true }) };
    const [out] = expandJobs(spec, [j], params('analysis_parameters.single.json'));
    expect(out.warnings).toEqual([
      'j.json: $.extra: unknown field ignored (--allow-unknown-fields)',
      'j.json: $.distributed_parameters.dry_run: ignored (upstream run switch, not a parameter)',
    ]);
  });
});
