// Writes the JSON Schemas generated from the zod schemas to schemas/ (run: npm run schemas): the
// job, parameters and record documents and one per registered analysis; and the configuration
// table of README.md, from the configuration variables' schema (src/config/variables.ts).
// Unit tests fail when the committed files differ from what this would write.
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ANALYSES } from '../src/analyses/registry.js';
import { withConfigTable } from '../src/config/readme-table.js';
import { renderJsonSchemas } from '../src/schemas/json-schemas.js';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.join(root, 'schemas');
const files = renderJsonSchemas(ANALYSES.map((a) => a.parameters));
await mkdir(outDir, { recursive: true });
// Drop schemas that are no longer generated, so the folder mirrors the code.
for (const existing of await readdir(outDir)) {
  if (existing.endsWith('.schema.json') && !(existing in files)) await rm(path.join(outDir, existing));
}
for (const [name, content] of Object.entries(files)) {
  await writeFile(path.join(outDir, name), content);
}
console.log(`wrote ${Object.keys(files).length} schemas to ${path.relative(process.cwd(), outDir) || '.'}`);

const readme = path.join(root, 'README.md');
const before = await readFile(readme, 'utf8');
const after = withConfigTable(before);
if (after !== before) await writeFile(readme, after);
console.log(`README.md's configuration table ${after === before ? 'is current' : 'rewritten'}`);
