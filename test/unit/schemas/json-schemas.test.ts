import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { groupedPhotometrySpec } from '../../../src/analyses/grouped-photometry/spec.js';
import { renderJsonSchemas } from '../../../src/schemas/json-schemas.js';

const dir = new URL('../../../schemas/', import.meta.url);

describe('committed JSON Schemas', () => {
  const rendered = renderJsonSchemas([groupedPhotometrySpec]);

  it('are exactly what scripts/export-schemas.ts writes (run it after changing a zod schema)', () => {
    const committed = readdirSync(dir).filter((f) => f.endsWith('.schema.json')).sort();
    expect(committed).toEqual(Object.keys(rendered).sort());
    for (const [name, content] of Object.entries(rendered)) {
      expect(readFileSync(new URL(name, dir), 'utf8'), `schemas/${name} is stale`).toBe(content);
    }
  });

  it('describe the job, parameters file, record and the analysis specification', () => {
    const job = JSON.parse(rendered['job.schema.json']) as { required: string[]; additionalProperties: unknown };
    expect(job.required).toEqual(['s3_location']);
    expect(job.additionalProperties).toEqual({}); // unknown job fields are kept
    const spec = JSON.parse(rendered['spec.grouped-analysis.schema.json']) as {
      properties: Record<string, { default?: unknown; description?: string }>;
      additionalProperties: boolean;
    };
    expect(spec.additionalProperties).toBe(false);
    expect(spec.properties.last_N_sess.default).toBe(5);
    expect(spec.properties.signal_window_s.default).toEqual([0.33, 1]);
    expect(spec.properties.plot_types.default).toEqual(['avg_lastN_sess']);
    for (const [name, prop] of Object.entries(spec.properties)) expect(prop.description, name).toBeTruthy();
    const params = JSON.parse(rendered['analysis-parameters.schema.json']) as { anyOf: unknown[] };
    expect(params.anyOf).toHaveLength(4);
    const record = JSON.parse(rendered['processing-record.schema.json']) as { required: string[] };
    expect(record.required).toContain('processing');
  });
});
