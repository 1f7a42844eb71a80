// Analyses served by a worker in another language (today: Python, docs/python-analyses.md). The
// other worker exports a manifest (name, version, code version, task queue, JSON Schema of its
// parameters); from it we build an analysis the generic layers treat like a TypeScript one:
// dispatch validates its parameters (same messages), the dedup key hashes its code version, the
// resolver caches its partials, and the workflow sends its two analysis steps to its task queue.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { analysisTag, ANALYSIS_NAME_PATTERN, type AnalysisParameterSpec, type SpecOutputBase } from '../schemas/analysis-spec.js';
import { CODE_VERSION_PATTERN } from '../schemas/code-version.js';
import type { AnyAnalysis } from './define.js';

const SEMVER = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/;

export const ExternalManifestSchema = z.strictObject({
  manifest_version: z.literal(1),
  language: z.literal('python'),
  language_version: z.string().min(1),
  name: z.string().regex(ANALYSIS_NAME_PATTERN),
  version: z.string().regex(SEMVER),
  code_version: z.string().regex(CODE_VERSION_PATTERN),
  title: z.string().min(1),
  description: z.string(),
  task_queue: z.string().min(1),
  /**
   * What the Python worker's --analyses loads (npm start serves every manifest's): `module:object`,
   * or a script or package folder relative to the repository, optionally `:object`.
   */
  entry: z.string().regex(/^(?!(?:.*\/)?\.\.(?:[/:]|$))[\w./-]+(?::[A-Za-z_]\w*)?$/),
  mode: z.enum(['job', 'session-group']),
  parameters_schema: z.record(z.string(), z.unknown()),
  outputs_schema: z.record(z.string(), z.unknown()).nullable(),
  session_parameters: z.array(z.string()).nullable(),
  figures: z.array(z.strictObject({ name: z.string(), description: z.string() })),
});
export type ExternalManifest = z.output<typeof ExternalManifestSchema>;

/** Why an external analysis's own code cannot run here (it is scheduled on its task queue). */
class ServedElsewhereError extends Error {
  override name = 'ServedElsewhereError';
}

/**
 * The analysis a manifest describes. Its parameters are the JSON Schema's, plus the
 * `analysis_name` / `analysis_tag` every analysis has, and strict whatever the model's `extra`
 * setting: a misspelt parameter must be refused, not dropped.
 */
export function externalAnalysis(m: ExternalManifest, file = '<manifest>'): AnyAnalysis {
  let base: z.ZodType;
  try {
    base = z.fromJSONSchema(m.parameters_schema as Parameters<typeof z.fromJSONSchema>[0]);
  } catch (e) {
    throw new TypeError(`${file}: parameters_schema cannot be used (${(e as Error).message}); export the manifest again`, { cause: e });
  }
  if (!(base instanceof z.ZodObject)) throw new TypeError(`${file}: parameters_schema must describe an object (a pydantic model)`);
  for (const reserved of ['analysis_name', 'analysis_tag']) {
    if (reserved in base.shape) throw new TypeError(`${file}: the parameters model must not declare "${reserved}" (every analysis gets it)`);
  }
  const schema = base
    .extend({ analysis_name: z.literal(m.name).default(m.name).describe('Which analysis to run.'), analysis_tag: analysisTag })
    .strict() as unknown as z.ZodType<SpecOutputBase>;
  const parameters: AnalysisParameterSpec = { name: m.name, version: m.version, schema };
  const elsewhere = () => {
    throw new ServedElsewhereError(`${m.name} runs on the ${m.language} worker of task queue "${m.task_queue}", not in this process`);
  };
  return {
    parameters,
    title: m.title,
    description: m.description,
    summary: z.unknown(),
    figures: m.figures,
    sessionRequest: elsewhere,
    perSession: {
      // The parameters a partial depends on; all of them unless the analysis says which.
      cacheParameters: (spec: SpecOutputBase) => {
        const { analysis_name: _n, analysis_tag: _t, ...rest } = spec as SpecOutputBase & Record<string, unknown>;
        return m.session_parameters === null ? rest : Object.fromEntries(m.session_parameters.map((k) => [k, rest[k] ?? null]));
      },
      run: elsewhere,
    },
    group: elsewhere,
    servedBy: { language: m.language, languageVersion: m.language_version, taskQueue: m.task_queue, codeVersion: m.code_version, mode: m.mode, entry: m.entry },
  };
}

/** Every `*.json` manifest in the given folders (missing folders are skipped), sorted by name. */
export function loadExternalAnalyses(folders: readonly string[]): AnyAnalysis[] {
  const out: AnyAnalysis[] = [];
  for (const folder of folders) {
    let names: string[];
    try {
      if (!statSync(folder).isDirectory()) continue;
      names = readdirSync(folder).filter((f) => f.endsWith('.json')).sort();
    } catch {
      continue;
    }
    for (const name of names) {
      const file = join(folder, name);
      let data: unknown;
      try {
        data = JSON.parse(readFileSync(file, 'utf8'));
      } catch (e) {
        throw new TypeError(`${file}: not valid JSON (${(e as Error).message}); export the manifest again`, { cause: e });
      }
      const parsed = ExternalManifestSchema.safeParse(data);
      if (!parsed.success) {
        const where = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
        throw new TypeError(`${file}: not an analysis manifest (${where}); export it with "grouped-analysis-py export-manifest"`);
      }
      out.push(externalAnalysis(parsed.data, file));
    }
  }
  return out;
}
