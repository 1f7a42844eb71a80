// The registry's contract, checked for every registered analysis (a new one is covered without
// editing this file), and the rule that makes plugins possible: the generic layers know no analysis.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { ANALYSES, DEFAULT_ANALYSIS, getAnalysis, UnknownAnalysisError } from '../../../src/analyses/registry.js';
import { planDispatch } from '../../../src/client/dispatch.js';
import { ANALYSIS_NAME_PATTERN, checkAnalysisParameterSpec } from '../../../src/schemas/analysis-spec.js';
import { ValidationError } from '../../../src/schemas/errors.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const names = ANALYSES.map((a) => a.parameters.name);

describe('unknown analysis names', () => {
  it('fail the lookup with the list of registered analyses', () => {
    expect(() => getAnalysis('no-such-analysis')).toThrow(UnknownAnalysisError);
    expect(() => getAnalysis('no-such-analysis')).toThrow(`unknown analysis "no-such-analysis": registered analyses are ${names.join(', ')}`);
  });

  it('fail a dispatch before anything starts, naming the registered analyses', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ga-registry-'));
    await writeFile(join(dir, 'job.json'), JSON.stringify({ s3_location: ['s3://bucket/behavior_700001_2025-01-02_10-00-00'] }));
    await writeFile(join(dir, 'analysis_parameters.json'), JSON.stringify({ analysis_parameter: { analysis_name: 'no-such-analysis' } }));
    const err = await planDispatch({ jobs: [join(dir, 'job.json')], parametersFile: join(dir, 'analysis_parameters.json'), codeVersion: 'test' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    const issue = (err as ValidationError).issues[0];
    expect(issue).toMatchObject({ file: join(dir, 'analysis_parameters.json'), jsonPath: '$..analysis_name' });
    for (const n of names) expect(issue.message).toContain(n);
  });
});

describe.each(ANALYSES.map((a) => [a.parameters.name, a] as const))('registered analysis %s', (name, analysis) => {
  const { schema, version } = analysis.parameters;
  const json = z.toJSONSchema(schema, { io: 'input' }) as { properties?: Record<string, { description?: string; default?: unknown }>; required?: string[] };

  it('has a unique plain-token name and a semver version', () => {
    expect(names.filter((n) => n === name)).toHaveLength(1);
    expect(name).toMatch(ANALYSIS_NAME_PATTERN);
    expect(() => checkAnalysisParameterSpec(analysis.parameters), `version "${version}"`).not.toThrow();
  });

  it('selects itself by default (analysis_name) and labels runs (analysis_tag)', () => {
    expect(json.properties?.analysis_name?.default).toBe(name);
    expect(json.properties?.analysis_tag?.default).toBe('default');
  });

  it('parses {} with its defaults, or fails only on required fields that are documented', () => {
    const parsed = schema.safeParse({});
    if (parsed.success) {
      expect(parsed.data).toMatchObject({ analysis_name: name, analysis_tag: 'default' });
      return;
    }
    // Required fields: listed as such in the JSON Schema (and so in --help), each described.
    const missing = [...new Set(parsed.error.issues.map((i) => String(i.path[0])))].sort();
    expect(missing).toEqual([...(json.required ?? [])].sort());
    for (const field of missing) expect(json.properties?.[field]?.description, `${name}.${field}`).toBeTruthy();
  });

  it('has a summary schema, a title, a description and described figures', () => {
    expect(analysis.summary).toBeInstanceOf(z.ZodType);
    expect(analysis.title.trim()).not.toBe('');
    expect(analysis.description.trim()).not.toBe('');
    for (const f of analysis.figures) expect(f.description.trim(), f.name).not.toBe('');
  });
});

it('the default analysis is the first registered one', () => {
  expect(DEFAULT_ANALYSIS).toBe(names[0]);
});

describe('generic layers', () => {
  // Everything but src/analyses/ (the plugins), src/nwb/, src/science/, src/figures/ and the
  // generator: the workflow, activities, stores, client, schemas and wiring serve any analysis.
  const GENERIC = ['src/workflows', 'src/activities', 'src/stores', 'src/client', 'src/schemas', 'src/temporal', 'src/report', 'src/worker.ts', 'src/runtime.ts'];
  const ANALYSIS_TERMS = /photometr|channel|q-?learning|\bfip\b|\brpe\b/i;
  const pluginFolders = readdirSync(join(ROOT, 'src/analyses')).filter((f) => statSync(join(ROOT, 'src/analyses', f)).isDirectory());
  const importsPlugin = new RegExp(`analyses/(${pluginFolders.join('|')})/`);

  const files = GENERIC.flatMap((p) => {
    const abs = join(ROOT, p);
    if (!statSync(abs).isDirectory()) return [abs];
    return (readdirSync(abs, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts')).map((f) => join(abs, f));
  });
  const hits = (pattern: RegExp) =>
    files.flatMap((f) =>
      readFileSync(f, 'utf8')
        .split('\n')
        .flatMap((line, i) => (pattern.test(line) ? [`${relative(ROOT, f)}:${i + 1}: ${line.trim()}`] : [])),
    );

  it('are found', () => {
    expect(files.length).toBeGreaterThan(20);
  });

  it('contain no reference to photometry, channels or Q-learning', () => {
    const found = hits(ANALYSIS_TERMS);
    expect(
      found,
      `analysis-specific terms in generic code (move them into the analysis plugin under src/analyses/<name>/):\n  ${found.join('\n  ')}\n`,
    ).toEqual([]);
  });

  it('import no analysis plugin (only define.js, registry.js and codec.js)', () => {
    const found = hits(importsPlugin);
    expect(found, `generic code importing a plugin:\n  ${found.join('\n  ')}\n`).toEqual([]);
  });
});
