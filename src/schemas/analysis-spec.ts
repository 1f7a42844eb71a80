import { z } from 'zod';
import { issueFromZod, toJsonPath, ValidationError, type PathSegment, type ValidationIssue } from './errors.js';
import type { JsonObject } from './json-values.js';

/** Analysis names prefix workflow IDs and object keys: keep them plain tokens. */
export const ANALYSIS_NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}$/;
/** Tags appear in workflow IDs and result paths. */
export const ANALYSIS_TAG_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const SEMVER = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/;

/** Fields every analysis specification has; the generic layers read only these. */
export const analysisTag = z
  .string()
  .regex(ANALYSIS_TAG_PATTERN, {
    error: 'a tag is 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit',
  })
  .default('default')
  .describe(
    'Free label that separates runs of the same analysis (e.g. "V1", "pilot"); part of the workflow ID and the results path.',
  );

export interface SpecOutputBase {
  analysis_name: string;
  analysis_tag: string;
}

/**
 * What the generic layers need to know about one analysis's parameters: its name (the
 * `analysis_name` parameter, the registry key and the workflow-ID prefix), its version (part
 * of the dedup key: bump it whenever the same inputs and parameters would give different
 * results), and the zod schema of its specification. A later analysis-plugin API wraps this.
 */
export interface AnalysisParameterSpec<S extends z.ZodType<SpecOutputBase> = z.ZodType<SpecOutputBase>> {
  name: string;
  version: string;
  schema: S;
  /** Upstream parameter names accepted for compatibility and dropped before hashing: name -> why. */
  ignoredKeys?: Readonly<Record<string, string>>;
}

export function checkAnalysisParameterSpec(spec: AnalysisParameterSpec): void {
  if (!ANALYSIS_NAME_PATTERN.test(spec.name)) throw new TypeError(`bad analysis name "${spec.name}"`);
  if (!SEMVER.test(spec.version)) throw new TypeError(`analysis version "${spec.version}" is not semver`);
}

/** One contributor to a job's parameters, lowest priority first: where it sits and what it says. */
export interface ParameterSource {
  file: string;
  path: PathSegment[];
  values: JsonObject;
}

export interface ResolvedParameters<P> {
  parameters: P;
  warnings: string[];
}

/**
 * Merges parameter sources (later ones override earlier ones key by key, as upstream), drops
 * ignored upstream keys, and validates against the analysis's schema, filling defaults. Errors
 * name the file and path the offending key came from.
 */
export function resolveParameters<S extends z.ZodType<SpecOutputBase>>(
  spec: AnalysisParameterSpec<S>,
  sources: readonly ParameterSource[],
): ResolvedParameters<z.output<S>> {
  const merged: JsonObject = {};
  const origin = new Map<string, ParameterSource>();
  const warnings: string[] = [];
  for (const source of sources) {
    for (const [key, value] of Object.entries(source.values)) {
      merged[key] = value;
      origin.set(key, source);
    }
  }
  for (const [key, why] of Object.entries(spec.ignoredKeys ?? {})) {
    const source = origin.get(key);
    if (source && key in merged) {
      delete merged[key];
      warnings.push(`${source.file}: ${toJsonPath([...source.path, key])}: ignored (${why})`);
    }
  }
  const result = spec.schema.safeParse(merged, { reportInput: true });
  if (result.success) return { parameters: result.data, warnings };

  // Re-attribute each issue to the source its top-level key came from; missing keys and
  // whole-object issues go to the first source (the parameters file when there is one).
  const fallback: ParameterSource = sources[0] ?? { file: '<parameters>', path: [], values: {} };
  const known = knownKeys(spec.schema);
  const issues: ValidationIssue[] = result.error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys' && issue.path.length === 0) {
      return issue.keys.map((key) => {
        const source = origin.get(key) ?? fallback;
        const guess = closest(key, known);
        return {
          code: 'value.unknown_field' as const,
          file: source.file,
          jsonPath: toJsonPath([...source.path, key]),
          message: `unknown parameter "${key}" for analysis "${spec.name}"`,
          fix: guess ? `did you mean "${guess}"? Otherwise remove it` : `remove it (known parameters: ${known.join(', ')})`,
        };
      });
    }
    const top = issue.path[0];
    const source = (typeof top === 'string' && origin.get(top)) || fallback;
    return [issueFromZod(issue, source.file, source.path)];
  });
  throw new ValidationError(issues);
}

function knownKeys(schema: z.ZodType): string[] {
  return schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
}

// Nearest known key by edit distance, for typos like "last_n_sess" or "analysis_tg".
export function closest(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(key.length / 3)) + 1;
  for (const candidate of known) {
    const d = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length];
}
