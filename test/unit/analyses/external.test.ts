// Analyses served by a worker of another language, known from their manifests: validated at
// dispatch like TypeScript ones, keyed by their own code version, routed to their task queue.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { externalAnalysis, ExternalManifestSchema, loadExternalAnalyses, type ExternalManifest } from '../../../src/analyses/external.js';
import { resolveParameters } from '../../../src/schemas/analysis-spec.js';
import { ValidationError } from '../../../src/schemas/errors.js';

// What pydantic's model_json_schema() gives for a model with defaults, a bound, an enum and an
// optional field (extra="ignore", pydantic's default: no additionalProperties).
const manifest = (over: Partial<ExternalManifest> = {}): ExternalManifest => ({
  manifest_version: 1,
  language: 'python',
  language_version: '3.11',
  name: 'trial-counts-py',
  version: '0.2.0',
  code_version: '0.2.0+src.0123456789ab',
  title: 'Trial counts',
  description: 'Counts trials per session.',
  task_queue: 'grouped-analysis-py',
  entry: 'trial_counts:analysis',
  mode: 'job',
  parameters_schema: {
    title: 'TrialCountParams',
    type: 'object',
    properties: {
      min_trials: { default: 0, description: 'Sessions with fewer trials are skipped.', minimum: 0, title: 'Min Trials', type: 'integer' },
      side: { default: 'both', enum: ['left', 'right', 'both'], title: 'Side', type: 'string' },
      label: { anyOf: [{ type: 'string' }, { type: 'null' }], default: null, title: 'Label' },
    },
  },
  outputs_schema: null,
  session_parameters: null,
  figures: [{ name: 'trials_<subject>', description: 'Trials per session.' }],
  ...over,
});

const source = (values: Record<string, unknown>) => [{ file: 'analysis_parameters.json', path: ['analysis_parameter'], values: values as never }];

describe('an external analysis from its manifest', () => {
  const a = externalAnalysis(manifest());

  it('fills the defaults of the JSON Schema and adds analysis_name / analysis_tag', () => {
    const { parameters } = resolveParameters(a.parameters, source({ analysis_name: 'trial-counts-py' }));
    expect(parameters).toEqual({ analysis_name: 'trial-counts-py', analysis_tag: 'default', min_trials: 0, side: 'both', label: null });
  });

  it('refuses a misspelt parameter with did-you-mean, although the model ignores extras', () => {
    const err = (() => {
      try {
        resolveParameters(a.parameters, source({ min_trails: 3 }));
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).issues[0]).toMatchObject({
      file: 'analysis_parameters.json',
      jsonPath: '$.analysis_parameter.min_trails',
      fix: expect.stringContaining('did you mean "min_trials"'),
    });
  });

  it('names the JSON path of a value the schema refuses', () => {
    expect(() => resolveParameters(a.parameters, source({ min_trials: -1 }))).toThrow(expect.objectContaining({ jsonPath: '$.analysis_parameter.min_trials', code: 'value.out_of_range' }));
    expect(() => resolveParameters(a.parameters, source({ side: 'up' }))).toThrow(expect.objectContaining({ jsonPath: '$.analysis_parameter.side', code: 'value.not_allowed' }));
  });

  it('caches partials by every parameter, or by the ones it names', () => {
    const spec = { analysis_name: 'trial-counts-py', analysis_tag: 'x', min_trials: 3, side: 'left', label: null };
    expect(a.perSession.cacheParameters(spec)).toEqual({ min_trials: 3, side: 'left', label: null });
    const some = externalAnalysis(manifest({ session_parameters: ['side'] }));
    expect(some.perSession.cacheParameters(spec)).toEqual({ side: 'left' });
  });

  it('says where it runs, and refuses to run here', () => {
    expect(a.servedBy).toEqual({ language: 'python', languageVersion: '3.11', taskQueue: 'grouped-analysis-py', codeVersion: '0.2.0+src.0123456789ab', mode: 'job', entry: 'trial_counts:analysis' });
    expect(() => a.group([], {} as never, {} as never)).toThrow(/task queue "grouped-analysis-py"/);
  });

  it('refuses a parameters model that declares analysis_name itself', () => {
    const bad = manifest({ parameters_schema: { type: 'object', properties: { analysis_name: { type: 'string' } } } });
    expect(() => externalAnalysis(bad, 'm.json')).toThrow('m.json: the parameters model must not declare "analysis_name"');
  });
});

describe('manifest folders', () => {
  it('load every manifest, and name the file of a bad one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ga-manifests-'));
    await writeFile(join(dir, 'b.json'), JSON.stringify(manifest({ name: 'b-py' })));
    await writeFile(join(dir, 'a.json'), JSON.stringify(manifest({ name: 'a-py' })));
    expect(loadExternalAnalyses([dir, join(dir, 'missing')]).map((x) => x.parameters.name)).toEqual(['a-py', 'b-py']);
    await writeFile(join(dir, 'c.json'), JSON.stringify({ ...manifest(), code_version: 'latest' }));
    expect(() => loadExternalAnalyses([dir])).toThrow(new RegExp(`${join(dir, 'c.json')}: not an analysis manifest \\(code_version`));
  });
});

describe('dispatching an external analysis', () => {
  it('routes its stages to its task queue and hashes its code version into the key', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ga-external-'));
    const write = async (code: string) => {
      const folder = await mkdtemp(join(dir, 'm-'));
      await writeFile(join(folder, 'trial-counts-py.json'), JSON.stringify(manifest({ code_version: code })));
      return folder;
    };
    await writeFile(join(dir, 'job.json'), JSON.stringify({ s3_location: ['s3://bucket/behavior_700001_2025-01-02_10-00-00'] }));
    await writeFile(join(dir, 'p.json'), JSON.stringify({ analysis_parameter: { analysis_name: 'trial-counts-py' } }));
    const plan = async (code: string) => {
      vi.resetModules();
      vi.stubEnv('GA_PYTHON_MANIFESTS', await write(code));
      const { planDispatch } = await import('../../../src/client/dispatch.js');
      return (await planDispatch({ jobs: [join(dir, 'job.json')], parametersFile: join(dir, 'p.json'), codeVersion: '0.1.0+src.aaaaaaaaaaaa' }))[0];
    };
    try {
      const first = await plan('0.2.0+src.0123456789ab');
      expect(first.input).toMatchObject({ analysisName: 'trial-counts-py', analysisTaskQueue: 'grouped-analysis-py', analysisCodeVersion: '0.2.0+src.0123456789ab' });
      expect(first.workflowId).toMatch(/^trial-counts-py\/700001\/default\/[0-9a-f]{20}$/);
      const changed = await plan('0.2.0+src.ba9876543210');
      expect(changed.input.dedupKey).not.toBe(first.input.dedupKey);
    } finally {
      vi.unstubAllEnvs();
      vi.resetModules();
    }
  });
});

describe('manifest entries', () => {
  it('are a module:object, or a script or package folder in the repository, never above it', () => {
    const ok = (entry: string) => ExternalManifestSchema.shape.entry.safeParse(entry).success;
    expect(['example_py:analysis', 'pkg.mod:obj', 'python/analyses/x/run_capsule.py', 'scripts/a.py:analysis', 'python/analyses/lick_rates'].map(ok)).toEqual([true, true, true, true, true]);
    expect(['../x.py', 'a/../../b.py:obj', 'a b:c', 'mod:1obj', ''].map(ok)).toEqual([false, false, false, false, false]);
  });
});
