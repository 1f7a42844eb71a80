import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { connectClient, connectWorker } from '../../src/temporal/connection.js';
import { createWorker } from '../../src/temporal/worker-factory.js';
import { createSelfCheckActivities } from '../../src/activities/self-check.js';
import { selfCheckWorkflow } from '../../src/workflows/self-check.js';
import { temporalSettingsForTests } from '../support/servers.js';

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

  it('has the custom search attributes registered', async () => {
    const client = await connectClient(temporalSettingsForTests('unused'));
    const { customAttributes } = await client.connection.operatorService.listSearchAttributes({ namespace: 'default' });
    for (const name of ['SubjectId', 'AnalysisName', 'AnalysisTag', 'DedupKey', 'CodeVersion', 'SessionCount']) {
      expect(Object.keys(customAttributes ?? {})).toContain(name);
    }
    await client.connection.close();
  });
});
