// Help text for the registered analyses, generated from their specifications (via the same JSON
// Schema conversion as `schemas/`), so --help cannot drift from what validation accepts.
import type { Command } from 'commander';
import { z } from 'zod';
import { analysisSchemaName } from '../schemas/json-schemas.js';
import type { AnyAnalysis } from './define.js';
import { ANALYSES, DEFAULT_ANALYSIS, getAnalysis, UnknownAnalysisError } from './registry.js';

/** The parts of a JSON Schema that zod's conversion of a specification produces. */
interface JsonSchema {
  type?: string;
  const?: unknown;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  items?: JsonSchema | false;
  prefixItems?: JsonSchema[];
  additionalProperties?: JsonSchema | boolean;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  minimum?: number;
  maximum?: number;
  default?: unknown;
  description?: string;
}

const WIDTH = 100;

/** A parameter's type in TypeScript-like notation, e.g. `integer 0..100` or `"a" | "b"`. */
export function typeText(s: JsonSchema): string {
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(' | ');
  if (s.anyOf) return s.anyOf.map(typeText).join(' | ');
  if (s.type === 'array') {
    if (s.prefixItems) return `[${s.prefixItems.map(typeText).join(', ')}]`;
    const item = s.items ? typeText(s.items) : 'unknown';
    return item.includes(' | ') ? `(${item})[]` : `${item}[]`;
  }
  if (s.type === 'object' && typeof s.additionalProperties === 'object') return `{ [name]: ${typeText(s.additionalProperties)} }`;
  if ((s.type === 'integer' || s.type === 'number') && (s.minimum !== undefined || s.maximum !== undefined)) {
    // zod bounds every integer by the safe range: not a bound anyone chose.
    const bound = (v?: number) => (v === undefined || Math.abs(v) === Number.MAX_SAFE_INTEGER ? '' : v);
    const range = `${bound(s.minimum)}..${bound(s.maximum)}`;
    return range === '..' ? s.type : `${s.type} ${range}`;
  }
  return s.type ?? 'any';
}

/** Greedy word wrap, every line indented. */
function wrap(text: string, indent: string): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && indent.length + line.length + 1 + word.length > WIDTH) {
      lines.push(line);
      line = '';
    }
    line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines.map((l) => indent + l).join('\n');
}

function describeAnalysis(a: AnyAnalysis): string {
  const { name, version, schema } = a.parameters;
  const json = z.toJSONSchema(schema, { io: 'input' }) as JsonSchema;
  const required = new Set(json.required ?? []);
  const where = a.servedBy ? ` [Python, ${a.servedBy.mode === 'job' ? 'one run per job' : 'per session + group'}, task queue ${a.servedBy.taskQueue}]` : '';
  const out = [`${name} ${version}${name === DEFAULT_ANALYSIS ? ' (default)' : ''}: ${a.title}${where}`, wrap(a.description, '  '), '', '  Parameters:'];
  for (const [key, prop] of Object.entries(json.properties ?? {})) {
    const given = 'default' in prop ? `default ${JSON.stringify(prop.default)}` : required.has(key) ? 'required' : 'optional';
    out.push(`    ${key}: ${typeText(prop)}  (${given})`);
    if (prop.description) out.push(wrap(prop.description, '        '));
  }
  if (a.figures.length) {
    out.push('', '  Figures:');
    for (const f of a.figures) out.push(`    ${f.name}`, wrap(f.description, '        '));
  }
  out.push('', `  JSON Schema: schemas/${analysisSchemaName(name)}`);
  return out.join('\n');
}

/**
 * One analysis's help (title, description, every parameter with its type, default and
 * description, its figures), or, without a name, that of every registered analysis.
 * Throws UnknownAnalysisError (listing the registered names) for an unknown name.
 */
export function analysisHelp(name?: string): string {
  const chosen = name === undefined ? ANALYSES : [getAnalysis(name)];
  const header =
    name === undefined
      ? 'Analyses (pick one with "analysis_name" in the parameters or --analysis NAME):\n\n'
      : '';
  return `${header}${chosen.map(describeAnalysis).join('\n\n')}\n`;
}

/** `grouped-analysis analyses [name]`, and the analyses' parameters appended to `dispatch --help`. */
export function registerAnalysesCommand(program: Command): void {
  const command = program
    .command('analyses')
    .description('List the registered analyses with their parameters (type, default, description).')
    .argument('[name]', 'show only this analysis');
  command.action((name?: string) => {
    try {
      process.stdout.write(analysisHelp(name));
    } catch (e) {
      // Same exit code as other bad input (2), with the registered names in the message.
      if (e instanceof UnknownAnalysisError) command.error(e.message, { exitCode: 2, code: 'analyses.unknown' });
      throw e;
    }
  });
  program.commands.find((c) => c.name() === 'dispatch')?.addHelpText('after', () => `\n${analysisHelp()}`);
}
