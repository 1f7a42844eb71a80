import { execFileSync, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient, connectWorker } from '../../src/temporal/connection.js';
import { checkNamespace, NamespaceSetupError } from '../../src/temporal/namespace-check.js';
import { createWorker } from '../../src/temporal/worker-factory.js';
import { createSelfCheckActivities } from '../../src/activities/self-check.js';
import { selfCheckWorkflow } from '../../src/workflows/self-check.js';
import { deleteNamespace, freshNamespace } from '../support/namespaces.js';
import { temporalSettingsForTests } from '../support/servers.js';

const ROOT = join(import.meta.dirname, '..', '..');
const FIXTURE = join(ROOT, 'test', 'fixtures', 'real-nwb', '697062_2023-11-14_11-12-44.nwb');

describe('real Temporal dev server', () => {
  it('runs a workflow and its activity on a real worker', async () => {
    const settings = temporalSettingsForTests(`self-check-${randomUUID()}`);
    const client = await connectClient(settings);
    const worker = await createWorker({
      connection: await connectWorker(settings),
      namespace: settings.namespace,
      taskQueue: settings.taskQueue,
      activities: createSelfCheckActivities(),
    });
    const workflowId = `test-self-check-${randomUUID()}`;
    const result = await worker.runUntil(
      client.workflow.execute(selfCheckWorkflow, { taskQueue: settings.taskQueue, workflowId, args: ['ping'] }),
    );
    expect(result).toBe('ping (activity attempt 1)');
    // The history is on the server (not an in-memory test server): describe it back.
    const described = await client.workflow.getHandle(workflowId).describe();
    expect(described.status.name).toBe('COMPLETED');
    expect(described.taskQueue).toBe(settings.taskQueue);
    await client.connection.close();
  });

  it('has the custom search attributes registered: the namespace check finds nothing to say', async () => {
    const settings = temporalSettingsForTests('unused');
    const client = await connectClient(settings);
    await expect(checkNamespace(client.connection, settings)).resolves.toBeUndefined();
    await client.connection.close();
  });
});

// Issue 25 item 6: a namespace without the custom search attributes. Each test gets a fresh
// namespace on the real dev server (deleted afterwards).
describe('a namespace without the custom search attributes', () => {
  const settings = temporalSettingsForTests('unused');
  let admin: Client;
  const created: string[] = [];
  const fresh = async () => {
    const namespace = await freshNamespace(admin);
    created.push(namespace);
    return namespace;
  };
  beforeAll(async () => {
    admin = await connectClient(settings);
  });
  afterAll(async () => {
    for (const namespace of created) await deleteNamespace(admin, namespace);
    await admin.connection.close();
  });

  it('is refused when a client connects, naming the missing attributes and the command that adds them; after it, nothing is said', async () => {
    const namespace = await fresh();
    const error = await connectClient({ ...settings, namespace }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(NamespaceSetupError);
    const message = (error as Error).message;
    expect(message).toContain(
      `Temporal namespace "${namespace}" at ${settings.address} lacks the custom search attributes SubjectId (Keyword), AnalysisName (Keyword), AnalysisTag (Keyword), DedupKey (Keyword), CodeVersion (Keyword), SessionCount (Int), BatchTag (Keyword)`,
    );
    const command = /^ {2}(temporal operator search-attribute create .*)$/m.exec(message)?.[1];
    expect(command).toBe(
      `temporal operator search-attribute create --namespace ${namespace} --name SubjectId --type Keyword --name AnalysisName --type Keyword --name AnalysisTag --type Keyword --name DedupKey --type Keyword --name CodeVersion --type Keyword --name SessionCount --type Int --name BatchTag --type Keyword --address ${settings.address}`,
    );
    // The command as printed, with the local dev server's temporal binary, fixes the namespace.
    execFileSync('bash', ['-c', command!.replace(/^temporal /, '"$TEMPORAL_CLI" ')], { env: process.env, stdio: 'pipe' });
    const client = await connectClient({ ...settings, namespace });
    await expect(checkNamespace(client.connection, { ...settings, namespace })).resolves.toBeUndefined();
    await client.connection.close();
  });

  it('`dispatch` exits 2 with that message, no stack trace and nothing started', async () => {
    const namespace = await fresh();
    const dir = await mkdtemp(join(tmpdir(), 'ga-ns-'));
    await writeFile(join(dir, 'job_697062.json'), JSON.stringify({ s3_location: [FIXTURE], group_metadata: { 'subject.subject_id': '697062' } }));
    await writeFile(join(dir, 'analysis_parameters.json'), JSON.stringify({ analysis_parameter: { analysis_name: 'foraging-summary', analysis_tag: `ns-${randomUUID().slice(0, 8)}` } }));
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'dispatch', join(dir, 'job_697062.json'), '-p', join(dir, 'analysis_parameters.json')], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, TEMPORAL_NAMESPACE: namespace, FORCE_COLOR: '0' },
      timeout: 120_000,
    });
    expect(r.stderr).toContain(`Temporal namespace "${namespace}" at ${settings.address} lacks the custom search attributes SubjectId (Keyword)`);
    expect(r.stderr).toContain(`temporal operator search-attribute create --namespace ${namespace} --name SubjectId --type Keyword`);
    expect(r.stderr).not.toMatch(/ServiceError|Failed to start Workflow|\n\s+at /);
    expect(r.status, r.stdout + r.stderr).toBe(2);
    const { executions } = await admin.workflowService.listWorkflowExecutions({ namespace });
    expect(executions).toEqual([]);
  });
});
