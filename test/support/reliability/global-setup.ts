// Global set-up of the reliability suite: its own Temporal, FerretDB and SeaweedFS (own state
// folder, own ports: never the default services), a prebuilt workflow bundle so that restarted
// workers poll within seconds, and the generated mice in S3. Teardown prints the results table
// and stops the servers, also after a failure.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { TestProject } from 'vitest/node';
import { createBucket, prepareDataset, s3Client } from './data.js';
import { assertPortsAllowed, OTHER_BUCKET, REPO_ROOT, services, type SuiteInfo } from './env.js';
import { killLeftovers } from './processes.js';
import { formatTable, readRows } from './report.js';

export const isFull = () => process.env.GA_RELIABILITY_FULL === '1';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  assertPortsAllowed();
  const t0 = Date.now();
  const stateDir = mkdtempSync(join(tmpdir(), 'ga-reliability-'));
  const hex = () => randomBytes(8).toString('hex');
  const secrets = {
    awsSecret: `GARELFAKEAWSSECRET${hex()}`,
    mongoPassword: `GARELFAKEMONGOPW${hex()}`,
    temporalApiKey: `GARELFAKETEMPORALKEY${hex()}`,
  };
  const base = { stateDir, secrets };
  const teardown = async () => {
    killLeftovers(join(stateDir, 'pids'));
    const table = formatTable(readRows(join(stateDir, 'results.jsonl')));
    mkdirSync(join(REPO_ROOT, 'test-results'), { recursive: true });
    writeFileSync(join(REPO_ROOT, 'test-results', 'reliability-table.md'), `${table}\n`);
    console.log(`\nReliability suite (${isFull() ? 'full' : 'reduced'}), ${((Date.now() - t0) / 1000).toFixed(0)} s, state ${stateDir}\n${table}\n`);
    await services(base, 'down').catch((e: unknown) => console.error(`stopping the suite's servers failed: ${String(e)}`));
    if (process.env.GA_RELIABILITY_KEEP !== '1') rmSync(stateDir, { recursive: true, force: true });
  };
  try {
    mkdirSync(join(stateDir, 'logs'), { recursive: true });
    await services(base, 'up');
    const bundlePath = join(stateDir, 'workflow-bundle.js');
    const { code } = await bundleWorkflowCode({ workflowsPath: join(REPO_ROOT, 'src', 'workflows', 'index.ts') });
    writeFileSync(bundlePath, code);
    const s3 = s3Client(secrets.awsSecret);
    await createBucket(s3, OTHER_BUCKET);
    s3.destroy();
    const dataset = await prepareDataset(stateDir, secrets.awsSecret, isFull() ? { mice: 8, sessions: 4, trials: 150 } : { mice: 4, sessions: 3, trials: 150 });
    const suite: SuiteInfo = {
      stateDir,
      full: isFull(),
      secrets,
      // A release-style version: stable while other sessions edit src/, new keys for every run.
      codeVersion: `0.1.0-rel.${hex()}`,
      bundlePath,
      dataset,
      resultsFile: join(stateDir, 'results.jsonl'),
      pidsFile: join(stateDir, 'pids'),
    };
    project.provide('suite', suite);
    console.log(`reliability suite set up in ${((Date.now() - t0) / 1000).toFixed(0)} s (state ${stateDir})`);
  } catch (e) {
    await teardown();
    throw e;
  }
  return teardown;
}
