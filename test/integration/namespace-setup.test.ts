// `npm run cli -- setup-namespace`, the admin's step before workers run, against whichever Temporal
// the tests point at: the dev server in `npm test`, the PostgreSQL cluster of scripts/cluster.sh in
// `npm run test:cluster` (where new namespaces and attributes reach each service's cache only after
// its refresh). On a fresh namespace: the first run creates it and the workflows' search
// attributes, a second run changes nothing, and then clients accept the namespace and a start that
// sets every attribute is listed by it.
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { SearchAttributeType, type SearchAttributePair } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient } from '../../src/temporal/connection.js';
import { checkNamespace, indexedValueType, REQUIRED_SEARCH_ATTRIBUTES, searchAttributeTypeName } from '../../src/temporal/namespace-check.js';
import { SA } from '../../src/workflows/search-attributes.js';
import { waitUntilListed } from '../support/e2e.js';
import { deleteNamespace } from '../support/namespaces.js';
import { temporalSettingsForTests } from '../support/servers.js';

const ROOT = join(import.meta.dirname, '..', '..');

// A value of each type, to set every attribute the workflows set.
const SAMPLE = {
  [SearchAttributeType.KEYWORD]: 'setup-test',
  [SearchAttributeType.TEXT]: 'setup test',
  [SearchAttributeType.INT]: 7,
  [SearchAttributeType.DOUBLE]: 0.5,
  [SearchAttributeType.BOOL]: true,
  [SearchAttributeType.DATETIME]: new Date(0),
  [SearchAttributeType.KEYWORD_LIST]: ['setup-test'],
};

describe('setup-namespace', () => {
  const settings = temporalSettingsForTests(`setup-${randomUUID()}`);
  const namespace = `ga-setup-${randomUUID()}`;
  let admin: Client;
  beforeAll(async () => {
    admin = await connectClient(settings);
  });
  afterAll(async () => {
    await deleteNamespace(admin, namespace).catch(() => undefined);
    await admin.connection.close();
  });

  const setup = () =>
    spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'setup-namespace', '--timeout', '120'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, TEMPORAL_NAMESPACE: namespace, FORCE_COLOR: '0' },
      timeout: 180_000,
    });

  it('creates the namespace and the search attributes once, changes nothing the second time, and then clients accept the namespace', async () => {
    const first = setup();
    expect(first.status, first.stdout + first.stderr).toBe(0);
    expect(first.stdout).toContain(`Temporal namespace "${namespace}" at ${settings.address}: created`);
    expect(first.stdout).toContain(`Search attributes added: ${REQUIRED_SEARCH_ATTRIBUTES.map((a) => `${a.name} (${searchAttributeTypeName(a.type)})`).join(', ')}`);

    const second = setup();
    expect(second.status, second.stdout + second.stderr).toBe(0);
    expect(second.stdout).toContain(`Temporal namespace "${namespace}" at ${settings.address}: exists`);
    expect(second.stdout).toContain(`Search attributes: all ${REQUIRED_SEARCH_ATTRIBUTES.length} present`);
    expect(second.stdout).not.toContain('added');

    // The server holds exactly the workflows' attributes, with their types.
    const { customAttributes } = await admin.connection.operatorService.listSearchAttributes({ namespace });
    expect(customAttributes).toEqual(Object.fromEntries(REQUIRED_SEARCH_ATTRIBUTES.map((a) => [a.name, indexedValueType(a.type)])));

    // No waiting here: the command returned only once the frontend accepts them.
    const client = await connectClient({ ...settings, namespace });
    try {
      await expect(checkNamespace(client.connection, { ...settings, namespace })).resolves.toBeUndefined();
      const workflowId = `setup-${randomUUID()}`;
      // No worker polls this queue: an accepted start is what is checked, then the run is ended.
      const handle = await client.workflow.start('setupProbe', {
        taskQueue: settings.taskQueue,
        workflowId,
        typedSearchAttributes: Object.values(SA).map((key) => ({ key, value: SAMPLE[key.type] }) as SearchAttributePair),
      });
      const filter = REQUIRED_SEARCH_ATTRIBUTES.map((a) => (a.type === SearchAttributeType.KEYWORD ? `${a.name} = "setup-test"` : `${a.name} IS NOT NULL`)).join(' AND ');
      expect(await waitUntilListed(client, `WorkflowId = "${workflowId}" AND ${filter}`)).toEqual([workflowId]);
      await handle.terminate('setup-namespace test done');
    } finally {
      await client.connection.close();
    }
  });
});
