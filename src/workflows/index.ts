// The workflow bundle's entry point: every workflow type the worker serves is exported here.
export { selfCheckWorkflow } from './self-check.js';
export { analysisWorkflow } from './analysis.js';
export { dispatchWorkflow } from './dispatch.js';
