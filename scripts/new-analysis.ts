// `npm run new-analysis -- <name>`: scaffolds an analysis plugin that compiles and passes its test:
//   src/analyses/<name>/index.ts        the definition (spec, per-session and group stages)
//   src/analyses/<name>/README.md       its documentation stub
//   test/unit/analyses/<name>.test.ts   its test on generated data
//   schemas/analysis-<name>.schema.json its parameters' JSON Schema (what `npm run schemas` writes)
// and registers it in src/analyses/registry.ts, the only existing file it edits.
// `npm run new-analysis -- --python <name>` scaffolds a Python analysis instead (its own project,
// python/templates/analysis rendered):
//   python/analyses/<module>/           the project: analysis, pytest test, README, pyproject
//   python/manifests/<name>.json        its manifest, exported from it (what the dispatcher reads)
// installed editable into the Python venv; no existing file is edited.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
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
 * `TYPESCRIPT_ANALYSES` array (kept on one line, or one entry per line, as the file has it).
 */
export function registerIn(registry: string, name: string, identifier: string): string {
  const lastImport = [...registry.matchAll(/^import .*;\n/gm)].at(-1);
  const list = /(const TYPESCRIPT_ANALYSES\b[^=]*=\s*\[)([^\]]*)\]/.exec(registry);
  if (!lastImport || !list) throw new ScaffoldError(`cannot find the imports and the TYPESCRIPT_ANALYSES array in ${REGISTRY}: register ${identifier} by hand`);
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

const PY_TEMPLATE = fileURLToPath(new URL('../python/templates/analysis/', import.meta.url));

/** `lick-rates` -> `lick_rates`: the Python package the project holds. */
export function pythonModuleFor(name: string): string {
  return name.replaceAll('-', '_');
}

/**
 * Renders python/templates/analysis into `python/analyses/<module>/` of the repository at `root`
 * (`{{name}}`, `{{module}}` in paths and contents), installs it into the venv (`venvPython`
 * returns the venv's python, building the venv and installing every analysis project), and
 * exports its manifest into python/manifests.
 */
export async function scaffoldPythonAnalysis(name: string, root: string, venvPython: () => Promise<string>): Promise<Scaffolded> {
  const module = pythonModuleFor(name);
  if (!ANALYSIS_NAME_PATTERN.test(name) || !/^[a-z_][a-z0-9_]*$/.test(module)) {
    throw new ScaffoldError(`"${name}" is not a Python analysis name: lower-case letters, digits or "-", starting with a letter (e.g. lick-rates)`);
  }
  const project = `python/analyses/${module}`;
  const manifest = `python/manifests/${name}.json`;
  const existing = [project, manifest].filter((f) => existsSync(path.join(root, f)));
  if (existing.length) throw new ScaffoldError(`${existing.join(', ')} already exist(s): remove or choose another name`);
  const { ANALYSES } = (await import(pathToFileURL(path.join(root, REGISTRY)).href)) as { ANALYSES: readonly AnyAnalysis[] };
  if (ANALYSES.some((a) => a.parameters.name === name)) throw new ScaffoldError(`"${name}" is already registered: choose another name`);

  const fill = (text: string) => text.replaceAll('{{name}}', name).replaceAll('{{module}}', module);
  // Rendered into a temporary folder first: a failed step leaves no half project behind.
  const staging = path.join(root, 'python', 'analyses', `.${module}.new`);
  await rm(staging, { recursive: true, force: true });
  await cp(PY_TEMPLATE, staging, { recursive: true });
  for (const entry of (await readdir(staging, { recursive: true, withFileTypes: true })).reverse()) {
    const from = path.join(entry.parentPath, entry.name);
    if (entry.isFile()) await writeFile(from, fill(await readFile(from, 'utf8')));
    if (entry.name.includes('{{')) await rename(from, path.join(entry.parentPath, fill(entry.name)));
  }
  await rename(staging, path.join(root, project));
  const created = (await readdir(path.join(root, project), { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile())
    .map((e) => path.relative(root, path.join(e.parentPath, e.name)))
    .sort();
  try {
    const python = await venvPython();
    // A module of that name already importable from elsewhere would shadow (or be shadowed by) it.
    const run = promisify(execFile);
    const { stdout } = await run(python, ['-c', `import importlib.util as u; s = u.find_spec("${module}"); print(s.origin if s else "")`], { cwd: root });
    if (!stdout.trim().startsWith(path.join(root, project))) {
      throw new ScaffoldError(`the Python module "${module}" resolves to ${stdout.trim() || 'nothing'}, not ${project}: choose another name`);
    }
    await run(python, ['-m', 'grouped_analysis_py', 'export-manifest', '--analyses', `${module}:analysis`, '--out', path.join(root, 'python', 'manifests')], { cwd: root });
  } catch (e) {
    await rm(path.join(root, project), { recursive: true, force: true });
    throw e;
  }
  return { identifier: module, created: [...created, manifest] };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const python = args[0] === '--python';
  const rest = python ? args.slice(1) : args;
  if (rest.length !== 1 || rest[0].startsWith('-')) {
    console.error('usage: npm run new-analysis -- [--python] <name>   (e.g. lick-rate)');
    process.exit(2);
  }
  const [name] = rest;
  if (python) {
    const { pythonVenv } = await import('../src/client/python-worker.js');
    scaffoldPythonAnalysis(name, REPO_ROOT, pythonVenv).then(
      ({ identifier, created }) => {
        console.log(`Created the Python analysis "${name}":\n${created.map((f) => `  ${f}`).join('\n')}\ninstalled in the Python venv (editable).`);
        console.log(`\nNext:\n  npm run py -- test ${identifier}          its pytest test\n  npm run cli -- analyses ${name}\n  then make it yours: python/analyses/${identifier}/README.md says how; after changing it, npm run py -- export-manifest --out python/manifests`);
      },
      (e: unknown) => {
        console.error(e instanceof ScaffoldError ? e.message : e);
        process.exit(e instanceof ScaffoldError ? 2 : 1);
      },
    );
  } else {
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
}
