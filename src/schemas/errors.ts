import type { z } from 'zod';

/**
 * Stable, machine-readable kinds of input problem: tools and tests match these, never the prose
 * (which may be reworded). Renaming one is a breaking change.
 */
export type IssueCode =
  // A job, parameters or settings file as a whole.
  | 'file.not_found'
  | 'file.unreadable'
  | 'file.too_large'
  | 'file.not_utf8'
  | 'file.json_syntax'
  | 'file.too_deep'
  // One value, as the zod schemas judge it (and the refinements shared by several files).
  | 'value.missing'
  | 'value.wrong_type'
  | 'value.not_allowed'
  | 'value.unknown_field'
  | 'value.out_of_range'
  | 'value.bad_format'
  | 'value.bad_key'
  | 'value.invalid'
  | 'value.not_finite'
  | 'value.operator_key'
  | 'value.dotted_key'
  // Data locations in job files.
  | 'location.invalid'
  | 'location.traversal'
  // Job files.
  | 'job.lengths_differ'
  | 'job.mixed_location_kinds'
  | 'job.mixed_subjects'
  | 'job.bad_subject_id'
  | 'job.no_subject'
  // Parameter files and the parameter sets they make with the jobs.
  | 'parameters.shape'
  | 'parameters.conflict'
  | 'parameters.empty'
  | 'parameters.needs_file'
  // A dispatch as a whole.
  | 'dispatch.no_job_files'
  | 'dispatch.several_analyses'
  | 'dispatch.unknown_analysis'
  | 'dispatch.bucket_not_allowed'
  // The configuration (environment variables, GA_CONFIG_FILE, the Temporal profile).
  | 'config.missing'
  | 'config.invalid'
  | 'config.conflict'
  | 'config.incomplete'
  | 'config.not_found'
  | 'config.unknown_variable'
  | 'config.temporal_profile'
  | 'config.namespace_setup';

/** One problem in the input (a job or parameters file, or a configuration variable), phrased for the person who has to fix it. */
export interface ValidationIssue {
  code: IssueCode;
  /** The file (or other named source, e.g. `environment`) the problem is in. */
  file: string;
  /** JSONPath of the offending value, e.g. `$.s3_location[2]`; `$` for the whole document; `$.NAME` for a variable. */
  jsonPath: string;
  /** What is wrong. */
  message: string;
  /** What to do about it. */
  fix: string;
  /** 1-based position, for syntax errors. */
  line?: number;
  column?: number;
  /** The configuration variable, for configuration problems. */
  variable?: string;
}

/**
 * Input that cannot be used. Carries every issue found; the first one is also exposed as the
 * error's own `code` / `file` / `jsonPath` / `problem` / `fix` so callers can report one line.
 */
abstract class InputError extends Error {
  readonly code: IssueCode;
  readonly file: string;
  readonly jsonPath: string;
  /** The first issue's bare message (`message` holds the full, formatted text). */
  readonly problem: string;
  readonly fix: string;
  readonly line?: number;
  readonly column?: number;
  readonly issues: readonly ValidationIssue[];

  constructor(issues: readonly ValidationIssue[], message: string) {
    if (issues.length === 0) throw new TypeError(`${new.target.name} needs at least one issue`);
    super(message);
    const first = issues[0];
    this.code = first.code;
    this.file = first.file;
    this.jsonPath = first.jsonPath;
    this.problem = first.message;
    this.fix = first.fix;
    if (first.line !== undefined) this.line = first.line;
    if (first.column !== undefined) this.column = first.column;
    this.issues = issues;
  }
}

/** A bad job or parameters file (exit code 2; a non-retryable failure in an activity). */
export class ValidationError extends InputError {
  override readonly name = 'ValidationError';
  constructor(issues: readonly ValidationIssue[]) {
    super(issues, issues.map(formatIssue).join('\n'));
  }
}

/** A configuration that cannot work: every problem with it, in one error (exit code 2). */
export class ConfigError extends InputError {
  override readonly name = 'ConfigError';
  /** The first problem's variable. */
  readonly variable: string;
  constructor(issues: readonly ValidationIssue[]) {
    super(issues, `Invalid configuration:\n${issues.map((i) => `  ${formatIssue(i)}`).join('\n')}`);
    this.variable = issues[0].variable ?? issues[0].jsonPath;
  }
}

/** Where configuration values come from unless a file is named. */
export const ENVIRONMENT = 'environment';

/** A problem with one configuration variable (`file`: where its value came from). */
export function configIssue(variable: string, code: IssueCode, message: string, fix: string, file = ENVIRONMENT): ValidationIssue {
  return { code, file, jsonPath: toJsonPath([variable]), variable, message, fix };
}

export function formatIssue(issue: ValidationIssue): string {
  if (issue.variable !== undefined) {
    const from = issue.file === ENVIRONMENT ? '' : ` (in ${issue.file}${issue.line !== undefined ? `:${issue.line}:${issue.column ?? 1}` : ''})`;
    return `${issue.variable}${from}: ${issue.message}. Fix: ${issue.fix}`;
  }
  const where =
    issue.line !== undefined ? `${issue.file}:${issue.line}:${issue.column ?? 1}` : issue.file;
  return `${where}: ${issue.jsonPath}: ${issue.message}. Fix: ${issue.fix}`;
}

export type PathSegment = string | number;

/**
 * The fix for an unknown field: "did you mean" its nearest known name (`closest` in
 * analysis-spec.ts), else `otherwise`.
 */
export function didYouMean(guess: string | undefined, otherwise: string): string {
  return guess ? `did you mean "${guess}"? Otherwise remove it` : otherwise;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `['a', 0, 'b.c']` -> `$.a[0]["b.c"]` */
export function toJsonPath(path: readonly PropertyKey[]): string {
  let out = '$';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (typeof seg === 'string' && IDENTIFIER.test(seg)) out += `.${seg}`;
    else out += `[${JSON.stringify(String(seg))}]`;
  }
  return out;
}

/** Custom zod issues carry their fix in `params.fix` (and their kind in `params.code`); this is how refinements attach them. */
export interface FixParams {
  fix: string;
  code?: IssueCode;
}

/**
 * Turns zod issues into file-level issues. `prefix` is where the validated value sits in the
 * file (e.g. `['distributed_parameters', 1]` when a parameter set is validated on its own).
 */
export function issuesFromZod(
  error: z.ZodError,
  file: string,
  prefix: readonly PathSegment[] = [],
): ValidationIssue[] {
  return error.issues.map((issue) => issueFromZod(issue, file, prefix));
}

export function issueFromZod(
  issue: z.core.$ZodIssue,
  file: string,
  prefix: readonly PathSegment[] = [],
): ValidationIssue {
  return describeZodIssue(issue as ZodIssueLike, file, prefix);
}

// The subset of zod's issue shapes that we read; typed loosely so zod minor versions can add fields.
interface ZodIssueLike {
  code: string;
  path: PropertyKey[];
  message: string;
  input?: unknown;
  expected?: string;
  values?: unknown[];
  keys?: string[];
  minimum?: number | bigint;
  maximum?: number | bigint;
  inclusive?: boolean;
  origin?: string;
  format?: string;
  pattern?: string;
  params?: Partial<FixParams>;
  errors?: ZodIssueLike[][];
  issues?: ZodIssueLike[];
}

function describeZodIssue(
  issue: ZodIssueLike,
  file: string,
  prefix: readonly PathSegment[],
): ValidationIssue {
  if (issue.code === 'invalid_union' && issue.errors && issue.errors.length > 0) {
    const inner = pickUnionBranch(issue.errors);
    if (inner) {
      return describeZodIssue(
        { ...inner, path: [...issue.path, ...inner.path] },
        file,
        prefix,
      );
    }
  }
  const path = [...prefix, ...(issue.path as PathSegment[])];
  const jsonPath = toJsonPath(path);
  const { message, fix } = explain(issue, path);
  return { code: codeOf(issue), file, jsonPath, message, fix };
}

// zod's kinds of issue as ours; a refinement names its own in `params.code`.
function codeOf(issue: ZodIssueLike): IssueCode {
  if (issue.params?.code) return issue.params.code;
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined ? 'value.missing' : 'value.wrong_type';
    case 'invalid_value':
      return 'value.not_allowed';
    case 'unrecognized_keys':
      return 'value.unknown_field';
    case 'too_small':
    case 'too_big':
      return 'value.out_of_range';
    case 'invalid_format':
      return 'value.bad_format';
    case 'invalid_key':
      return 'value.bad_key';
    default:
      return 'value.invalid';
  }
}

// Of a union's failed branches, the one that got furthest: the deepest first error, and on a
// tie one that is not merely "wrong kind of value" (e.g. an array given to a string branch).
function pickUnionBranch(branches: ZodIssueLike[][]): ZodIssueLike | undefined {
  const firsts = branches.map((errs) => errs[0]).filter((e): e is ZodIssueLike => e !== undefined);
  const score = (e: ZodIssueLike): number => e.path.length * 2 + (isKindMismatch(e) ? 0 : 1);
  return firsts.reduce<ZodIssueLike | undefined>((best, e) => (!best || score(e) > score(best) ? e : best), undefined);
}

function isKindMismatch(e: ZodIssueLike): boolean {
  if (e.code === 'invalid_type') return true;
  if (e.code !== 'invalid_value') return false;
  const kind = (v: unknown): string => (Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v);
  return (e.values ?? []).every((v) => kind(v) !== kind(e.input));
}

function lastKey(path: readonly PathSegment[]): string {
  const last = path[path.length - 1];
  return last === undefined ? 'the document' : typeof last === 'number' ? `item ${last}` : `"${last}"`;
}

function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  const text = JSON.stringify(v);
  return text.length > 60 ? `${typeof v} ${text.slice(0, 57)}...` : `${typeof v} ${text}`;
}

function article(expected: string): string {
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

function explain(issue: ZodIssueLike, path: readonly PathSegment[]): { message: string; fix: string } {
  const fixFromSchema = issue.params?.fix;
  switch (issue.code) {
    case 'custom':
      return { message: issue.message, fix: fixFromSchema ?? 'correct this value' };
    case 'invalid_type': {
      const expected = issue.expected ?? 'value';
      if (issue.input === undefined) {
        return {
          message: `required field ${lastKey(path)} is missing`,
          fix: `add ${lastKey(path)} (${article(expected)})`,
        };
      }
      return {
        message: `expected ${article(expected)}, got ${describeValue(issue.input)}`,
        fix: fixFromSchema ?? `make ${lastKey(path)} ${article(expected)}`,
      };
    }
    case 'invalid_value': {
      const options = (issue.values ?? []).map((v) => JSON.stringify(v)).join(', ');
      return {
        message: `${describeValue(issue.input)} is not allowed`,
        fix: `use one of: ${options}`,
      };
    }
    case 'unrecognized_keys': {
      const keys = issue.keys ?? [];
      return {
        message: `unknown field${keys.length > 1 ? 's' : ''} ${keys.map((k) => `"${k}"`).join(', ')}`,
        fix: fixFromSchema ?? 'remove it or correct its spelling',
      };
    }
    case 'too_small':
    case 'too_big': {
      const bound = issue.code === 'too_small' ? issue.minimum : issue.maximum;
      const cmp =
        issue.code === 'too_small' ? (issue.inclusive ? '>=' : '>') : issue.inclusive ? '<=' : '<';
      if (issue.origin === 'array') {
        return {
          message: `has ${describeLength(issue.input)}, needs ${cmp} ${String(bound)} items`,
          fix:
            issue.code === 'too_small'
              ? `list at least ${String(bound)} item${bound === 1 ? '' : 's'}`
              : `list at most ${String(bound)} items`,
        };
      }
      if (issue.origin === 'string') {
        return {
          message: `text length must be ${cmp} ${String(bound)}`,
          fix: issue.code === 'too_small' ? 'give a non-empty value' : 'shorten the value',
        };
      }
      return {
        message: `${describeValue(issue.input)} is out of range (must be ${cmp} ${String(bound)})`,
        fix: `use a number ${cmp} ${String(bound)}`,
      };
    }
    case 'invalid_format':
      return {
        message: `${describeValue(issue.input)} does not have the expected form${
          issue.pattern ? ` ${issue.pattern}` : issue.format ? ` (${issue.format})` : ''
        }`,
        fix: fixFromSchema ?? 'correct the value to the expected form',
      };
    case 'invalid_key': {
      const inner = issue.issues?.[0];
      return {
        message: `key ${lastKey(path)} is not allowed${inner ? ` (${inner.message})` : ''}`,
        fix: fixFromSchema ?? 'rename the key',
      };
    }
    default:
      return { message: issue.message, fix: fixFromSchema ?? 'correct this value' };
  }
}

function describeLength(v: unknown): string {
  return Array.isArray(v) ? `${v.length} item${v.length === 1 ? '' : 's'}` : 'the wrong size';
}
