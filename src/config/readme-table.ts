// The README's configuration table, made from the variables' schemas and docs: `npm run schemas`
// writes it into README.md, a unit test checks that the committed table is current.
import { z } from 'zod';
import { docOf, VARIABLE_NAMES, VARIABLES } from './variables.js';

const START = '<!-- configuration table: written by `npm run schemas` from src/config/variables.ts -->';
const END = '<!-- end of the configuration table -->';

export function configTable(): string {
  // Markdown: "|" would end the cell, "<...>" would be read as HTML.
  const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('<', '&lt;');
  const rows = VARIABLE_NAMES.map((name) => {
    const { description, example, secret, unset } = docOf(name);
    const schema: z.ZodType = VARIABLES[name];
    const fallback = schema instanceof z.ZodDefault ? `\`${String(schema.def.defaultValue)}\`` : cell(unset ?? '');
    const hidden = secret === true ? '**secret** (never printed): ' : secret === 'uri' ? '**password never printed**: ' : '';
    return `| \`${name}\` | ${hidden}${cell(description)} | \`${example.replaceAll('|', '\\|')}\` | ${fallback} |`;
  });
  return [START, '| variable | meaning | example | when unset |', '| --- | --- | --- | --- |', ...rows, END].join('\n');
}

/** `readme` with its configuration table replaced by the current one. */
export function withConfigTable(readme: string): string {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README.md has no configuration table: put the lines\n${START}\n${END}\nwhere it goes`);
  return readme.slice(0, start) + configTable() + readme.slice(end + END.length);
}
