// `npm run worker` finds the local services as the CLI does (issue 25 item 5): from the env file of
// `${GA_STATE_DIR}` when the environment does not say, and prints where it connected; a namespace
// without the workflows' search attributes stops it at once (item 6), exit code 2. The worker runs
// as its own process (the compiled entry's source, through tsx), as `npm run worker` runs it.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { connectClient } from '../../src/temporal/connection.js';
import { servicesEnv, servicesEnvFile } from '../../src/services-env.js';
import { deleteNamespace, freshNamespace } from '../support/namespaces.js';
import { temporalSettingsForTests } from '../support/servers.js';

const ROOT = join(import.meta.dirname, '..', '..');
const services = servicesEnv();

// The environment of a shell where nothing of the services was exported by hand (GA_STATE_DIR kept).
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, FORCE_COLOR: '0' };
  for (const name of Object.keys(services)) delete env[name];
  delete env.TEMPORAL_TASK_QUEUE;
  return { ...env, ...extra };
}

function startWorker(env: NodeJS.ProcessEnv): { child: ChildProcess; out: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/worker.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, out: () => out, exited };
}

describe('the worker process', () => {
  const running: ChildProcess[] = [];
  afterAll(() => {
    for (const c of running) if (c.exitCode === null) c.kill('SIGKILL');
  });

  it('reads the services env file of GA_STATE_DIR, says where it connected (no secrets), and stops on SIGINT', async () => {
    // A state dir of its own: the services' env file plus a task queue only this file names.
    const stateDir = await mkdtemp(join(tmpdir(), 'ga-worker-state-'));
    const taskQueue = `worker-env-${randomUUID()}`;
    const file = join(stateDir, 'env');
    await writeFile(file, `${readFileSync(servicesEnvFile(), 'utf8')}TEMPORAL_TASK_QUEUE=${taskQueue}\n`);
    const w = startWorker(cleanEnv({ GA_STATE_DIR: stateDir }));
    running.push(w.child);
    const ready = await Promise.race([
      (async () => {
        while (!w.out().includes('"msg":"worker started"')) await setTimeout(100);
        return true;
      })(),
      w.exited.then(() => false),
    ]);
    expect(ready, w.out()).toBe(true);
    const line = JSON.parse(w.out().split('\n').find((l) => l.includes('"msg":"worker started"'))!);
    expect(line).toMatchObject({
      temporal: { address: services.TEMPORAL_ADDRESS, namespace: services.TEMPORAL_NAMESPACE, taskQueue },
      results: `${services.ANALYSIS_BUCKET} (S3 at ${services.S3_ENDPOINT})`,
      records: `${services.MONGODB_URI} (database grouped_analysis, collection processing_records)`,
      codeVersion: expect.stringMatching(/\S/),
      settingsFile: file,
    });
    expect(w.out()).not.toContain(services.AWS_SECRET_ACCESS_KEY);
    // It polls the server it names: the task queue has this worker as a poller.
    const client = await connectClient(temporalSettingsForTests(taskQueue));
    const pollers = async () =>
      (await client.workflowService.describeTaskQueue({ namespace: client.options.namespace, taskQueue: { name: taskQueue }, taskQueueType: 1 })).pollers ?? [];
    for (let i = 0; i < 50 && (await pollers()).length === 0; i++) await setTimeout(200);
    expect((await pollers()).length).toBeGreaterThan(0);
    await client.connection.close();
    w.child.kill('SIGINT');
    expect(await w.exited, w.out()).toBe(0);
  });

  it('stops at once, exit code 2, on a namespace without the search attributes, naming them and the fix', async () => {
    const admin = await connectClient(temporalSettingsForTests('unused'));
    const namespace = await freshNamespace(admin);
    try {
      const w = startWorker(cleanEnv({ TEMPORAL_NAMESPACE: namespace, TEMPORAL_TASK_QUEUE: `worker-ns-${randomUUID()}` }));
      running.push(w.child);
      expect(await w.exited, w.out()).toBe(2);
      expect(w.out()).toContain(`Temporal namespace "${namespace}" at ${services.TEMPORAL_ADDRESS} lacks the custom search attributes SubjectId (Keyword)`);
      expect(w.out()).toContain(`  temporal operator search-attribute create --namespace ${namespace} --name SubjectId --type Keyword`);
      expect(w.out()).not.toContain('worker started');
    } finally {
      await deleteNamespace(admin, namespace);
      await admin.connection.close();
    }
  });
});
