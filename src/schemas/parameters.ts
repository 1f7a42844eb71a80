import { z } from 'zod';
import {
  resolveParameters,
  type AnalysisParameterSpec,
  type ParameterSource,
  type SpecOutputBase,
} from './analysis-spec.js';
import { formatIssue, issuesFromZod, ValidationError, type PathSegment, type ValidationIssue } from './errors.js';
import type { ParsedJob } from './job.js';
import { StorableJsonObject } from './json-values.js';
import { parseJsonText } from './json-text.js';

const ParameterSet = StorableJsonObject.describe('Analysis parameters (names and values of the analysis specification).');
const DistributedList = z
  .array(ParameterSet)
  .min(1)
  .describe('Parameter sets; every job runs once per set.');

export const SingleParametersFile = z
  .strictObject({ analysis_parameter: ParameterSet })
  .describe('One parameter set for every job.');
export const DistributedParametersFile = z
  .strictObject({ distributed_parameters: DistributedList })
  .describe('Several parameter sets: jobs x sets.');
export const FixedAndDistributedParametersFile = z
  .strictObject({
    fixed_parameters: ParameterSet.describe('Parameters shared by every set; a set overrides them key by key.'),
    distributed_parameters: DistributedList,
  })
  .describe('Shared parameters merged under each of several sets: jobs x sets.');
// Upstream's wrapper reads fixed_parameters alone when the jobs carry their own
// distributed_parameters, so a file with only fixed_parameters is a set of one.
export const FixedParametersFile = z
  .strictObject({ fixed_parameters: ParameterSet.describe('Parameters shared by every job.') })
  .describe('Shared parameters only; the jobs\' distributed_parameters override them.');

/** `analysis_parameters.json`, in the shapes users of the upstream tools have. */
export const AnalysisParametersFile = z
  .union([
    SingleParametersFile,
    DistributedParametersFile,
    FixedAndDistributedParametersFile,
    FixedParametersFile,
  ])
  .describe('analysis_parameters.json: the analysis parameters for a batch of jobs.');
export type AnalysisParametersFile = z.output<typeof AnalysisParametersFile>;

const SHAPES =
  '{"analysis_parameter": {...}}, {"distributed_parameters": [{...}, ...]} or {"fixed_parameters": {...}, "distributed_parameters": [{...}, ...]}';

/** Validates an already-parsed parameters document; shape errors come first and say which shape to use. */
export function validateParametersFile(data: unknown, file: string): AnalysisParametersFile {
  const fail = (path: PathSegment[], message: string, fix: string): never => {
    throw new ValidationError([{ file, jsonPath: path.length ? `$.${String(path[0])}` : '$', message, fix }]);
  };
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    fail([], 'the parameters file must be a JSON object', `use one of ${SHAPES}`);
  }
  const doc = data as Record<string, unknown>;
  const has = (k: string): boolean => Object.hasOwn(doc, k);
  const unknown = Object.keys(doc).filter(
    (k) => !['analysis_parameter', 'distributed_parameters', 'fixed_parameters'].includes(k),
  );
  if (unknown.length > 0 && !has('analysis_parameter') && !has('distributed_parameters') && !has('fixed_parameters')) {
    fail(
      [],
      'none of "analysis_parameter", "distributed_parameters" or "fixed_parameters" is present (bare parameters?)',
      'wrap the parameters as {"analysis_parameter": {...}}',
    );
  }
  if (unknown.length > 0) {
    fail([unknown[0]], `unknown top-level field "${unknown[0]}"`, `remove it; the file is one of ${SHAPES}`);
  }
  if (has('analysis_parameter') && has('distributed_parameters')) {
    fail(
      ['distributed_parameters'],
      'both "analysis_parameter" and "distributed_parameters" are given',
      'keep one: a single set as "analysis_parameter", or several as "distributed_parameters" (shared values in "fixed_parameters")',
    );
  }
  if (has('analysis_parameter') && has('fixed_parameters')) {
    fail(
      ['fixed_parameters'],
      'both "analysis_parameter" and "fixed_parameters" are given',
      'move the fixed values into "analysis_parameter"',
    );
  }
  if (!has('analysis_parameter') && !has('distributed_parameters') && !has('fixed_parameters')) {
    fail([], 'the parameters file is empty', `use one of ${SHAPES}`);
  }
  if (Array.isArray(doc.distributed_parameters) && doc.distributed_parameters.length === 0) {
    fail(
      ['distributed_parameters'],
      'the distributed_parameters list is empty, so no job would run',
      'add at least one parameter set, or use {"analysis_parameter": {...}} for a single set',
    );
  }
  const schema = has('analysis_parameter')
    ? SingleParametersFile
    : has('fixed_parameters')
      ? has('distributed_parameters')
        ? FixedAndDistributedParametersFile
        : FixedParametersFile
      : DistributedParametersFile;
  const result = schema.safeParse(doc, { reportInput: true });
  if (!result.success) throw new ValidationError(issuesFromZod(result.error, file));
  return result.data;
}

/** Parses and validates `analysis_parameters.json` text. */
export function parseParameters(text: string, file: string): AnalysisParametersFile {
  return validateParametersFile(parseJsonText(text, file), file);
}

export interface ParameterSetSources {
  /** Index in `distributed_parameters`, or null for a single set. */
  index: number | null;
  /** Lowest priority first. */
  sources: { path: PathSegment[]; values: Record<string, unknown> }[];
}

/** The parameter sets a file defines, each as the layers that make it up. */
export function parameterSets(params: AnalysisParametersFile): ParameterSetSources[] {
  if ('analysis_parameter' in params) {
    return [{ index: null, sources: [{ path: ['analysis_parameter'], values: params.analysis_parameter }] }];
  }
  const fixed = 'fixed_parameters' in params ? [{ path: ['fixed_parameters'], values: params.fixed_parameters }] : [];
  if (!('distributed_parameters' in params)) return [{ index: null, sources: fixed }];
  return params.distributed_parameters.map((values, i) => ({
    index: i,
    sources: [...fixed, { path: ['distributed_parameters', i], values }],
  }));
}

export interface JobSource {
  file: string;
  parsed: ParsedJob;
}

export interface ExpandedJob<P> {
  jobFile: string;
  job: ParsedJob['job'];
  subjectId: string | undefined;
  /** Which `distributed_parameters` entry of the parameters file, or null. */
  parameterSet: number | null;
  /** Defaults filled: this is what gets hashed and recorded. */
  parameters: P;
  warnings: string[];
}

/**
 * Jobs x parameter sets, as upstream: each set (fixed values under it) is merged with the
 * job's own `distributed_parameters`, which win key by key, then resolved against the
 * analysis's specification. Without a parameters file each job runs once with its own
 * parameters. All problems across all combinations are reported together.
 */
export function expandJobs<S extends z.ZodType<SpecOutputBase>>(
  spec: AnalysisParameterSpec<S>,
  jobs: readonly JobSource[],
  params?: { file: string; parameters: AnalysisParametersFile },
): ExpandedJob<z.output<S>>[] {
  const sets: ParameterSetSources[] = params
    ? parameterSets(params.parameters)
    : [{ index: null, sources: [] }];
  const out: ExpandedJob<z.output<S>>[] = [];
  const issues = new Map<string, ValidationIssue>();
  for (const { file: jobFile, parsed } of jobs) {
    for (const set of sets) {
      const sources: ParameterSource[] = set.sources.map((s) => ({ file: params?.file ?? jobFile, ...s }));
      const own = parsed.job.distributed_parameters;
      // With nothing else to blame, problems (e.g. a missing required parameter) point at the job.
      if (own || sources.length === 0) {
        sources.push({ file: jobFile, path: ['distributed_parameters'], values: own ?? {} });
      }
      try {
        const resolved = resolveParameters(spec, sources);
        out.push({
          jobFile,
          job: parsed.job,
          subjectId: parsed.subjectId,
          parameterSet: set.index,
          parameters: resolved.parameters,
          warnings: [...parsed.warnings, ...resolved.warnings],
        });
      } catch (e) {
        if (!(e instanceof ValidationError)) throw e;
        // The same bad file value fails every job it is combined with: report it once.
        for (const issue of e.issues) issues.set(formatIssue(issue), issue);
      }
    }
  }
  if (issues.size > 0) throw new ValidationError([...issues.values()]);
  return out;
}
