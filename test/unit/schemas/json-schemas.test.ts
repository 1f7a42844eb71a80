import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ANALYSES } from '../../../src/analyses/registry.js';
import { renderJsonSchemas } from '../../../src/schemas/json-schemas.js';

const dir = new URL('../../../schemas/', import.meta.url);

describe('committed JSON Schemas', () => {
  // From the registry, so a newly registered analysis is covered without editing this test.
  const rendered = renderJsonSchemas(ANALYSES.map((a) => a.parameters));

  it('are exactly what `npm run schemas` writes (run it after changing a zod schema or adding an analysis)', () => {
    const committed = readdirSync(dir).filter((f) => f.endsWith('.schema.json')).sort();
    expect(committed).toEqual(Object.keys(rendered).sort());
    for (const [name, content] of Object.entries(rendered)) {
      expect(readFileSync(new URL(name, dir), 'utf8'), `schemas/${name} is stale`).toBe(content);
    }
  });

  it('include one schema per registered analysis, each parameter described', () => {
    for (const a of ANALYSES) {
      const spec = JSON.parse(rendered[`analysis-${a.parameters.name}.schema.json`]) as {
        properties: Record<string, { description?: string }>;
        additionalProperties: boolean;
      };
      expect(spec.additionalProperties, a.parameters.name).toBe(false);
      for (const [name, prop] of Object.entries(spec.properties)) expect(prop.description, `${a.parameters.name}.${name}`).toBeTruthy();
    }
  });

  it('refuse an analysis whose schema file would overwrite a generic one', () => {
    expect(() => renderJsonSchemas([{ ...ANALYSES[0].parameters, name: 'parameters' }])).toThrow(/collides/);
  });

  it('describe the job, parameters file, record and the grouped analysis specification', () => {
    const job = JSON.parse(rendered['job.schema.json']) as { required: string[]; additionalProperties: unknown };
    expect(job.required).toEqual(['s3_location']);
    expect(job.additionalProperties).toEqual({}); // the schema lets extras through; validateJob refuses them unless allowUnknownFields
    const spec = JSON.parse(rendered['analysis-grouped-analysis.schema.json']) as {
      properties: Record<string, { default?: unknown; description?: string }>;
      additionalProperties: boolean;
    };
    expect(spec.additionalProperties).toBe(false);
    expect(spec.properties.last_N_sess.default).toBe(5);
    expect(spec.properties.signal_window_s.default).toEqual([0.33, 1]);
    expect(spec.properties.plot_types.default).toEqual(['avg_lastN_sess']);
    const params = JSON.parse(rendered['analysis-parameters.schema.json']) as { anyOf: unknown[] };
    expect(params.anyOf).toHaveLength(4);
    const record = JSON.parse(rendered['processing-record.schema.json']) as { required: string[] };
    expect(record.required).toContain('processing');
  });
});
