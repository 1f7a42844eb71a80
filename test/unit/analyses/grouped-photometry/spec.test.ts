import { describe, expect, it } from 'vitest';
import { checkAnalysisParameterSpec, resolveParameters } from '../../../../src/schemas/analysis-spec.js';
import { ValidationError } from '../../../../src/schemas/errors.js';
import {
  GroupedPhotometrySpecSchema,
  groupedPhotometrySpec,
} from '../../../../src/analyses/grouped-photometry/spec.js';

const resolve = (values: Record<string, unknown>) =>
  resolveParameters(groupedPhotometrySpec, [{ file: 'analysis_parameters.json', path: ['analysis_parameter'], values }]);

function failure(values: Record<string, unknown>): ValidationError {
  try {
    resolve(values);
  } catch (e) {
    if (e instanceof ValidationError) return e;
    throw e;
  }
  throw new Error('expected a ValidationError');
}

const channels = { G_1: 'NAc dLight' };

describe('grouped photometry specification', () => {
  it('fills every default', () => {
    expect(resolve({ channels }).parameters).toEqual({
      analysis_name: 'grouped-analysis',
      analysis_tag: 'default',
      channels,
      plot_types: ['avg_lastN_sess'],
      last_N_sess: 5,
      fitted_model: 'QLearning_L2F1_CKfull_softmax',
      fit_source: 'fit',
      fit_seed: 0,
      preprocessing: 'dff-bright_mc-iso-IRLS',
      alignment_event: 'choice_time',
      data_column: 'data_z_norm',
      signal_window_s: [0.33, 1.0],
      psth_window_s: [-1, 4],
      baseline_window_s: [-1, 0],
    });
  });

  it('is a valid analysis parameter spec (name and semver version)', () => {
    expect(() => checkAnalysisParameterSpec(groupedPhotometrySpec)).not.toThrow();
    expect(() => checkAnalysisParameterSpec({ ...groupedPhotometrySpec, name: 'Grouped Analysis' })).toThrow();
    expect(() => checkAnalysisParameterSpec({ ...groupedPhotometrySpec, version: 'one' })).toThrow();
  });

  it('accepts one plot type or several, normalised to the canonical order without repeats', () => {
    expect(resolve({ channels, plot_types: 'weekly' }).parameters.plot_types).toEqual(['weekly']);
    expect(resolve({ channels, plot_types: ['weekly', 'avg_lastN_sess', 'weekly'] }).parameters.plot_types).toEqual([
      'avg_lastN_sess',
      'weekly',
    ]);
  });

  it('refuses unknown plot types, naming the allowed ones', () => {
    const single = failure({ channels, plot_types: 'daily' });
    expect(single.jsonPath).toBe('$.analysis_parameter.plot_types');
    expect(single.fix).toBe('use one of: "avg_lastN_sess", "all_sess", "weekly"');
    const inList = failure({ channels, plot_types: ['weekly', 'daily'] });
    expect(inList.jsonPath).toBe('$.analysis_parameter.plot_types[1]');
    expect(failure({ channels, plot_types: [] }).jsonPath).toBe('$.analysis_parameter.plot_types');
  });

  it('refuses a negative, zero or fractional last_N_sess', () => {
    const e = failure({ channels, last_N_sess: -2 });
    expect([e.jsonPath, e.code]).toEqual(['$.analysis_parameter.last_N_sess', 'value.out_of_range']);
    expect(failure({ channels, last_N_sess: 0 }).jsonPath).toBe('$.analysis_parameter.last_N_sess');
    expect(failure({ channels, last_N_sess: 2.5 }).code).toBe('value.wrong_type');
  });

  it('treats 1 and 1.0 alike', () => {
    const a = resolve({ channels, last_N_sess: JSON.parse('1.0') as number, signal_window_s: JSON.parse('[0.5, 1.0]') });
    const b = resolve({ channels, last_N_sess: 1, signal_window_s: [0.5, 1] });
    expect(a.parameters).toEqual(b.parameters);
  });

  it.each(['signal_window_s', 'psth_window_s', 'baseline_window_s'])('requires %s to be ordered and in range', (field) => {
    const e = failure({ channels, [field]: [1, 0.33] });
    expect([e.jsonPath, e.code]).toEqual([`$.analysis_parameter.${field}[1]`, 'value.invalid']);
    expect(failure({ channels, [field]: [0, 0] }).jsonPath).toBe(`$.analysis_parameter.${field}[1]`);
    expect(failure({ channels, [field]: [-100, 0] }).jsonPath).toBe(`$.analysis_parameter.${field}[0]`);
    expect(failure({ channels, [field]: [0, 1, 2] }).jsonPath).toBe(`$.analysis_parameter.${field}`);
  });

  it('checks channel names; channels must be given, and may be empty', () => {
    for (const name of ['G_1', 'R_12', 'Iso_0', 'G_1_dff-bright_mc-iso-IRLS', 'G_2_preprocessed']) {
      expect(resolve({ channels: { [name]: 'x' } }).parameters.channels).toEqual({ [name]: 'x' });
    }
    for (const name of ['g_1', 'G1', 'X_1', 'G_', 'Iso_a']) {
      const e = failure({ channels: { [name]: 'x' } });
      expect([e.jsonPath, e.code], name).toEqual([`$.analysis_parameter.channels.${name}`, 'value.bad_key']);
    }
    // Issue 25 item 12: {} is a mouse without photometry (behaviour outputs only).
    expect(resolve({ channels: {} }).parameters.channels).toEqual({});
    expect(failure({ channels: { G_1: '' } }).jsonPath).toBe('$.analysis_parameter.channels.G_1');
    const missing = failure({});
    expect([missing.jsonPath, missing.code]).toEqual(['$.analysis_parameter.channels', 'value.missing']);
  });

  it('accepts every plot type with no channels (PSTH figures are per channel: none are drawn)', () => {
    const { parameters, warnings } = resolve({ channels: {}, plot_types: ['avg_lastN_sess', 'all_sess', 'weekly'] });
    expect(parameters.plot_types).toEqual(['avg_lastN_sess', 'all_sess', 'weekly']);
    expect(warnings).toEqual([]);
    // --help and the JSON Schema say what {} means, and the example of a missing parameters file stays a real channel map.
    const described = GroupedPhotometrySpecSchema.shape.channels.description ?? '';
    expect(described).toMatch(/\{\} for a mouse without photometry/);
    expect(described).toMatch(/e\.g\. \{"G_1": "NAc dLight", "R_1": "VTA rAAV"\}/);
    expect(GroupedPhotometrySpecSchema.shape.plot_types.description).toMatch(/none with "channels": \{\}/);
  });

  it('checks the model, its source and seed', () => {
    expect(resolve({ channels, fitted_model: 'QLearning_L1F1_CK1_softmax' }).parameters.fitted_model).toBe(
      'QLearning_L1F1_CK1_softmax',
    );
    expect(failure({ channels, fitted_model: 'RW' }).fix).toMatch(/QLearning_L2F1_CKfull_softmax/);
    for (const src of ['fit', 's3://my-bucket/fits/697062.json', '/data/fits.json', 'fits/x.JSON']) {
      expect(resolve({ channels, fit_source: src }).parameters.fit_source).toBe(src);
    }
    expect(failure({ channels, fit_source: 'fits.csv' }).code).toBe('value.invalid');
    expect(failure({ channels, fit_source: '../fits.json' }).code).toBe('location.traversal');
    expect(failure({ channels, fit_seed: -1 }).jsonPath).toBe('$.analysis_parameter.fit_seed');
    expect(failure({ channels, fit_seed: 2 ** 32 }).jsonPath).toBe('$.analysis_parameter.fit_seed');
  });

  it('checks the preprocessing name, alignment event and data column', () => {
    expect(resolve({ channels, preprocessing: 'raw' }).parameters.preprocessing).toBe('raw');
    expect(failure({ channels, preprocessing: 'a b' }).jsonPath).toBe('$.analysis_parameter.preprocessing');
    expect(failure({ channels, alignment_event: 'lick' }).fix).toMatch(/choice_time/);
    expect(failure({ channels, data_column: 'dff' }).fix).toMatch(/data_z_norm/);
  });

  it('refuses another analysis\'s name and bad tags', () => {
    expect(failure({ channels, analysis_name: 'Unit Filtering' }).fix).toBe('use one of: "grouped-analysis"');
    expect(failure({ channels, analysis_tag: 'a/b' }).jsonPath).toBe('$.analysis_parameter.analysis_tag');
    expect(resolve({ channels, analysis_tag: 'V1' }).parameters.analysis_tag).toBe('V1');
  });

  it('refuses unknown parameters with a spelling hint', () => {
    const e = failure({ channels, last_n_sess: 3 });
    expect([e.jsonPath, e.code]).toEqual(['$.analysis_parameter.last_n_sess', 'value.unknown_field']);
    expect(e.fix).toBe('did you mean "last_N_sess"? Otherwise remove it');
    expect(failure({ channels, zzz: 1 }).fix).toMatch(/^remove it \(known parameters: analysis_name, /);
  });

  it('drops upstream-only keys with a warning naming where they were', () => {
    const { parameters, warnings } = resolve({ channels, name: 'summary plots', dry_run: 1 });
    expect(parameters).not.toHaveProperty('name');
    expect(warnings).toEqual([
      'analysis_parameters.json: $.analysis_parameter.name: ignored (upstream label of the analysis; use analysis_tag to label runs)',
      'analysis_parameters.json: $.analysis_parameter.dry_run: ignored (upstream run switch, not a parameter)',
    ]);
  });

  it('reports several problems at once', () => {
    const e = failure({ channels, last_N_sess: -1, fitted_model: 'x' });
    expect(e.issues.map((i) => i.jsonPath)).toEqual([
      '$.analysis_parameter.last_N_sess',
      '$.analysis_parameter.fitted_model',
    ]);
  });

  it('exposes the schema for the JSON Schema export and --help', () => {
    expect(GroupedPhotometrySpecSchema.shape.last_N_sess.description).toMatch(/last sessions|most recent/);
  });
});
