import { z } from 'zod';
import type { AnalysisParameterSpec } from './analysis-spec.js';
import { AnalysisDispatchModel } from './job.js';
import { AnalysisParametersFile } from './parameters.js';
import { ProcessingRecordSchema } from './record.js';

// Input files are described as users write them (`io: 'input'`: defaults shown, before
// normalisation); the record as it is stored.
function render(schema: z.ZodType, id: string, title: string, io: 'input' | 'output'): string {
  const json = z.toJSONSchema(schema, { io, target: 'draft-2020-12' });
  return `${JSON.stringify({ $id: id, title, ...json }, null, 2)}\n`;
}

/** The file under `schemas/` that holds the JSON Schema of the analysis named `name`. */
export const analysisSchemaName = (name: string) => `analysis-${name}.schema.json`;

/** The JSON Schema of one analysis's specification: `[file name, content]`. */
export function analysisSchemaFile(spec: AnalysisParameterSpec): [string, string] {
  const name = analysisSchemaName(spec.name);
  return [name, render(spec.schema, name, `Specification of the "${spec.name}" analysis (v${spec.version})`, 'input')];
}

/**
 * File name -> content of every committed JSON Schema under `schemas/`: the generic documents and
 * one per analysis specification given (the analyses live above this layer, so callers pass them).
 */
export function renderJsonSchemas(specs: readonly AnalysisParameterSpec[]): Record<string, string> {
  const files: Record<string, string> = {
    'job.schema.json': render(AnalysisDispatchModel, 'job.schema.json', 'Analysis job (AnalysisDispatchModel)', 'input'),
    'analysis-parameters.schema.json': render(
      AnalysisParametersFile,
      'analysis-parameters.schema.json',
      'analysis_parameters.json',
      'input',
    ),
    'processing-record.schema.json': render(
      ProcessingRecordSchema,
      'processing-record.schema.json',
      'Processing record',
      'output',
    ),
  };
  for (const [name, content] of specs.map(analysisSchemaFile)) {
    // An analysis named "parameters" would overwrite the parameters file's schema.
    if (name in files) throw new Error(`analysis schema ${name} collides with a generic schema: rename the analysis`);
    files[name] = content;
  }
  return files;
}
