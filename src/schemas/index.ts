// The schema layer: zod schemas (single source of truth) and pure helpers for jobs, analysis
// parameters, processing records and the dedup key. File reading lives in files.ts only and is
// not re-exported here, so importing the index never pulls in file-system access.
export * from './errors.js';
export * from './json-text.js';
export * from './json-values.js';
export * from './canonical-json.js';
export * from './locations.js';
export * from './job.js';
export * from './analysis-spec.js';
export * from './parameters.js';
export * from './code-version.js';
export * from './dedup-key.js';
export * from './record.js';
export * from './json-schemas.js';
