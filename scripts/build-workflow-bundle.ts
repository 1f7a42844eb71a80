// Prebuilds the workflow bundle for production workers (`npm run build:workflows`): workers then
// start without webpack and run exactly the code that was reviewed (GA_WORKFLOW_BUNDLE=<path>).
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { workflowSource } from '../src/temporal/worker-factory.js';

const out = process.argv[2] ?? 'dist/workflow-bundle.js';
const { code } = await bundleWorkflowCode({ workflowsPath: workflowSource().workflowsPath! });
await mkdir(dirname(out), { recursive: true });
await writeFile(out, code);
console.log(`wrote ${out} (${(code.length / 1024).toFixed(0)} KiB); run workers with GA_WORKFLOW_BUNDLE=${out}`);
