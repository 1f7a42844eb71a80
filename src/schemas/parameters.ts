import { z } from 'zod';
import {
  closest,
  resolveParameters,
  type AnalysisParameterSpec,
  type ParameterSource,
  type SpecOutputBase,
} from './analysis-spec.js';
import {
  didYouMean,
  formatIssue,
  issuesFromZod,
  toJsonPath,
  ValidationError,
  type IssueCode,
  type PathSegment,
  type ValidationIssue,
} from './errors.js';
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
const FILE_FIELDS = ['analysis_parameter', 'distributed_parameters', 'fixed_parameters'];

/** Validates an already-parsed parameters document; shape errors come first and say which shape to use. */
export function validateParametersFile(data: unknown, file: string): AnalysisParametersFile {
  const fail = (code: IssueCode, path: PathSegment[], message: string, fix: string): never => {
    throw new ValidationError([{ code, file, jsonPath: path.length ? `$.${String(path[0])}` : '$', message, fix }]);
  };
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    fail('parameters.shape', [], 'the parameters file must be a JSON object', `use one of ${SHAPES}`);
  }
  const doc = data as Record<string, unknown>;
  const has = (k: string): boolean => Object.hasOwn(doc, k);
  const unknown = Object.keys(doc).filter((k) => !FILE_FIELDS.includes(k));
  const guesses = unknown.map((k) => closest(k, FILE_FIELDS));
  if (unknown.length > 0 && !FILE_FIELDS.some(has) && guesses.every((g) => g === undefined)) {
    fail(
      'parameters.shape',
      [],
      'none of "analysis_parameter", "distributed_parameters" or "fixed_parameters" is present (bare parameters?)',
      'wrap the parameters as {"analysis_parameter": {...}}',
    );
  }
  if (unknown.length > 0) {
    throw new ValidationError(
      unknown.map((k, i) => ({
        code: 'value.unknown_field' as const,
        file,
        jsonPath: toJsonPath([k]),
        message: `unknown top-level field "${k}"`,
        fix: didYouMean(guesses[i], `remove it; the file is one of ${SHAPES}`),
      })),
    );
  }
  if (has('analysis_parameter') && has('distributed_parameters')) {
    fail(
      'parameters.conflict',
      ['distributed_parameters'],
      'both "analysis_parameter" and "distributed_parameters" are given',
      'keep one: a single set as "analysis_parameter", or several as "distributed_parameters" (shared values in "fixed_parameters")',
    );
  }
  if (has('analysis_parameter') && has('fixed_parameters')) {
    fail(
      'parameters.conflict',
      ['fixed_parameters'],
      'both "analysis_parameter" and "fixed_parameters" are given',
      'move the fixed values into "analysis_parameter"',
    );
  }
  if (!has('analysis_parameter') && !has('distributed_parameters') && !has('fixed_parameters')) {
    fail('parameters.empty', [], 'the parameters file is empty', `use one of ${SHAPES}`);
  }
  if (Array.isArray(doc.distributed_parameters) && doc.distributed_parameters.length === 0) {
    fail(
      'parameters.empty',
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

/** Where problems that only a parameters file can fix are reported when none was given. */
export const NO_PARAMETERS_FILE = 'analysis_parameters.json (not given)';

/** Top-level parameters of the analysis that have no default (and are not optional). */
function requiredWithoutDefault(schema: z.ZodType): [string, z.ZodType][] {
  if (!(schema instanceof z.ZodObject)) return [];
  return Object.entries(schema.shape as Record<string, z.ZodType>).filter(([, field]) => !field.safeParse(undefined).success);
}

/**
 * A value to show in a parameters-file example, from the field's schema: its first `examples`
 * entry, else the JSON after "e.g." in its description, else an empty value of its JSON type.
 */
function exampleValue(field: z.ZodType): unknown {
  const examples = field.meta()?.examples;
  if (Array.isArray(examples) && examples.length > 0) return examples[0];
  const text = field.description ?? '';
  const at = text.indexOf('e.g. ');
  if (at >= 0) {
    const rest = text.slice(at + 5);
    // The longest prefix that is JSON: `{"G_1": "NAc dLight"}.` -> the object, `0.5,` -> 0.5.
    for (let end = rest.length; end > 0; end--) {
      try {
        return JSON.parse(rest.slice(0, end)) as unknown;
      } catch {
        // shorter
      }
    }
  }
  let type: unknown;
  try {
    type = (z.toJSONSchema(field, { io: 'input' }) as { type?: unknown }).type;
  } catch {
    type = undefined;
  }
  const empty: Record<string, unknown> = { object: {}, array: [], number: 0, integer: 0, boolean: false };
  return typeof type === 'string' && type in empty ? empty[type] : '...';
}

/** `{"a": [1, 2], "b": {}}`: JSON on one line, spaced as people write it. */
function oneLineJson(value: unknown): string {
  // Stringified JSON has newlines only between tokens (never inside strings).
  return JSON.stringify(value, null, 1)
    .replace(/([{[])\n\s*/g, '$1')
    .replace(/\n\s*([}\]])/g, '$1')
    .replace(/\n\s*/g, ' ');
}

/** A required parameter with no default, when no parameters file was given: the fix is that file. */
function noParametersFileIssue(analysisName: string, [key, field]: [string, z.ZodType]): ValidationIssue {
  const example = oneLineJson({ analysis_parameter: { [key]: exampleValue(field) } });
  return {
    code: 'parameters.needs_file',
    file: NO_PARAMETERS_FILE,
    jsonPath: toJsonPath(['analysis_parameter', key]),
    message: `analysis "${analysisName}" needs "${key}", which has no default, and no parameters file was given`,
    fix: `pass --parameters analysis_parameters.json containing ${example} (or set "${key}" in every job's distributed_parameters)`,
  };
}

/**
 * Jobs x parameter sets, as upstream: each set (fixed values under it) is merged with the
 * job's own `distributed_parameters`, which win key by key, then resolved against the
 * analysis's specification. Without a parameters file each job runs once with its own
 * parameters and the analysis's defaults; a required parameter with no default that a job does
 * not give is blamed on the missing parameters file. All problems across all combinations are
 * reported together.
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
  const add = (issue: ValidationIssue) => issues.set(formatIssue(issue), issue);
  const required = params ? [] : requiredWithoutDefault(spec.schema);
  for (const { file: jobFile, parsed } of jobs) {
    const own = parsed.job.distributed_parameters;
    const missing = required.filter(([key]) => !own || !Object.hasOwn(own, key));
    for (const entry of missing) add(noParametersFileIssue(spec.name, entry));
    // The same keys as "missing" on the job: already reported above, against the parameters file.
    const blamedElsewhere = new Set(missing.map(([key]) => toJsonPath(['distributed_parameters', key])));
    for (const set of sets) {
      const sources: ParameterSource[] = set.sources.map((s) => ({ file: params?.file ?? jobFile, ...s }));
      // Without a parameters file the job's own values are the only source: problems point at it.
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
        for (const issue of e.issues) if (!(issue.file === jobFile && blamedElsewhere.has(issue.jsonPath))) add(issue);
      }
    }
  }
  if (issues.size > 0) throw new ValidationError([...issues.values()]);
  return out;
}
