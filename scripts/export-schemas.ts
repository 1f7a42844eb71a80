// Writes the JSON Schemas generated from the zod schemas to schemas/ (run: npm run schemas): the
// job, parameters and record documents and one per registered analysis.
// A unit test fails when the committed files differ from what this would write.
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ANALYSES } from '../src/analyses/registry.js';
import { renderJsonSchemas } from '../src/schemas/json-schemas.js';

const outDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'schemas');
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
