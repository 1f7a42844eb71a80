// Fresh namespaces on the real dev server, for tests of what happens in a namespace that was not
// set up by scripts/services.sh (no custom search attributes). Delete them after use.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { setTimeout } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import { requiredEnv } from './servers.js';

/** Creates `ga-test-<uuid>` with the temporal CLI and waits until the frontend knows it. */
export async function freshNamespace(admin: Client): Promise<string> {
  const namespace = `ga-test-${randomUUID()}`;
  execFileSync(requiredEnv('TEMPORAL_CLI'), ['operator', 'namespace', 'create', '--namespace', namespace, '--address', requiredEnv('TEMPORAL_ADDRESS')], { stdio: 'pipe' });
  for (let i = 0; ; i++) {
    try {
      await admin.connection.operatorService.listSearchAttributes({ namespace });
      return namespace;
    } catch (e) {
      if (i >= 100) throw e;
      await setTimeout(200);
    }
  }
}

export async function deleteNamespace(admin: Client, namespace: string): Promise<void> {
  await admin.connection.operatorService.deleteNamespace({ namespace });
}
