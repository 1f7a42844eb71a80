// `npm run new-analysis -- <name>`: scaffolds an analysis plugin that compiles and passes its test:
//   src/analyses/<name>/index.ts        the definition (spec, per-session and group stages)
//   src/analyses/<name>/README.md       its documentation stub
//   test/unit/analyses/<name>.test.ts   its test on generated data
//   schemas/analysis-<name>.schema.json its parameters' JSON Schema (what `npm run schemas` writes)
// and registers it in src/analyses/registry.ts, the only existing file it edits.
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { AnyAnalysis } from '../src/analyses/define.js';
import { ANALYSIS_NAME_PATTERN } from '../src/schemas/analysis-spec.js';
import { analysisSchemaFile, analysisSchemaName, renderJsonSchemas } from '../src/schemas/json-schemas.js';

const TEMPLATES = fileURLToPath(new URL('templates/analysis/', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const REGISTRY = 'src/analyses/registry.ts';

/** A name the scaffold refuses, or a repository it cannot edit; the message says why. */
export class ScaffoldError extends Error {
  override name = 'ScaffoldError';
}

export interface Scaffolded {
  /** The plugin's exported constant, e.g. `lickRateAnalysis`. */
  identifier: string;
  /** Files created, relative to the repository root (the registry is edited, not listed). */
  created: string[];
}

/** `lick-rate` -> `lickRateAnalysis`; the suffix keeps reserved words and the registry's own names out. */
export function identifierFor(name: string): string {
  const camel = name.replace(/-+([a-z0-9])/g, (_, c: string) => c.toUpperCase()).replace(/-+$/, '');
  return `${/^[0-9]/.test(camel) ? '_' : ''}${camel}Analysis`;
}

/**
 * Adds `import { <identifier> } ...` after the last import and `<identifier>` at the end of the
 * `ANALYSES` array (kept on one line, or one entry per line, as the file has it).
 */
export function registerIn(registry: string, name: string, identifier: string): string {
  const lastImport = [...registry.matchAll(/^import .*;\n/gm)].at(-1);
  const list = /(export const ANALYSES\b[^=]*=\s*\[)([^\]]*)\]/.exec(registry);
  if (!lastImport || !list) throw new ScaffoldError(`cannot find the imports and the ANALYSES array in ${REGISTRY}: register ${identifier} by hand`);
  const items = list[2];
  const entries = items.includes('\n') ? `${items.replace(/,?\s*$/, ',\n')}  ${identifier},\n` : `${items.trimEnd()}, ${identifier}`;
  const at = lastImport.index + lastImport[0].length;
  const withList = `${registry.slice(0, list.index)}${list[1]}${entries}]${registry.slice(list.index + list[0].length)}`;
  return `${withList.slice(0, at)}import { ${identifier} } from './${name}/index.js';\n${withList.slice(at)}`;
}

const titleFor = (name: string) => name.charAt(0).toUpperCase() + name.slice(1).replaceAll('-', ' ');

/** Creates the plugin `name` in the repository at `root` (this one by default); see the file header. */
export async function scaffoldAnalysis(name: string, root = REPO_ROOT): Promise<Scaffolded> {
  if (!ANALYSIS_NAME_PATTERN.test(name)) {
    throw new ScaffoldError(`"${name}" is not an analysis name: 1-64 lower-case letters, digits or "-", starting with a letter or digit (e.g. lick-rate)`);
  }
  const registryFile = path.join(root, REGISTRY);
  const { ANALYSES } = (await import(pathToFileURL(registryFile).href)) as { ANALYSES: readonly AnyAnalysis[] };
  const registered = ANALYSES.map((a) => a.parameters.name);
  if (registered.includes(name)) throw new ScaffoldError(`"${name}" is already registered (registered analyses: ${registered.join(', ')})`);
  if (analysisSchemaName(name) in renderJsonSchemas([])) throw new ScaffoldError(`"${name}" would overwrite schemas/${analysisSchemaName(name)}: choose another name`);
  const identifier = identifierFor(name);
  const registry = await readFile(registryFile, 'utf8');
  if (new RegExp(`\\b${identifier}\\b`).test(registry)) throw new ScaffoldError(`${identifier} is already used in ${REGISTRY}: choose another name`);

  const targets: [template: string, file: string][] = [
    ['index.ts.tmpl', `src/analyses/${name}/index.ts`],
    ['README.md.tmpl', `src/analyses/${name}/README.md`],
    ['test.ts.tmpl', `test/unit/analyses/${name}.test.ts`],
  ];
  const existing = [`src/analyses/${name}`, ...targets.map(([, f]) => f)].filter((f) => existsSync(path.join(root, f)));
  if (existing.length) throw new ScaffoldError(`${existing.join(', ')} already exist(s): remove or choose another name`);

  const fill = (text: string) => text.replaceAll('__NAME__', name).replaceAll('__IDENT__', identifier).replaceAll('__TITLE__', titleFor(name));
  for (const [template, file] of targets) {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await writeFile(path.join(root, file), fill(await readFile(path.join(TEMPLATES, template), 'utf8')));
  }
  await writeFile(registryFile, registerIn(registry, name, identifier));

  // The schema comes from the new module itself, so it is exactly what `npm run schemas` writes.
  const plugin = (await import(pathToFileURL(path.join(root, targets[0][1])).href)) as Record<string, AnyAnalysis>;
  const [schemaName, schema] = analysisSchemaFile(plugin[identifier].parameters);
  await mkdir(path.join(root, 'schemas'), { recursive: true });
  await writeFile(path.join(root, 'schemas', schemaName), schema);
  return { identifier, created: [...targets.map(([, f]) => f), `schemas/${schemaName}`] };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  if (args.length !== 1 || args[0].startsWith('-')) {
    console.error('usage: npm run new-analysis -- <name>   (e.g. lick-rate)');
    process.exit(2);
  }
  const [name] = args;
  scaffoldAnalysis(name).then(
    ({ created }) => {
      console.log(`Created the "${name}" analysis:\n${created.map((f) => `  ${f}`).join('\n')}\nand registered it in ${REGISTRY}.`);
      console.log(`\nNext:\n  npx vitest run test/unit/analyses/${name}.test.ts\n  npm run cli -- analyses ${name}`);
      console.log(`  then make it yours: src/analyses/${name}/README.md says how.`);
    },
    (e: unknown) => {
      console.error(e instanceof ScaffoldError ? e.message : e);
      process.exit(e instanceof ScaffoldError ? 2 : 1);
    },
  );
}
