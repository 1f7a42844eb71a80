// A compute thread of the worker (started by ./pool.ts through piscina): builds its own stores,
// NWB reader and analysis registry from the worker's configuration once, then runs the session
// and group stages it is sent, reporting progress on the task's port. Its event loop is its own:
// reading, computing, drawing and storing here never delays the main thread's Temporal work.
import { workerData, type MessagePort } from 'node:worker_threads';
import { loadConfig } from '../config.js';
import { stageDeps } from './deps.js';
import { sendError, type StageReply, type StageTask } from './messages.js';
import { createStages } from './stages.js';

export interface ThreadData {
  env: NodeJS.ProcessEnv;
  codeVersion: string;
}

const { env, codeVersion } = workerData as ThreadData;
const stages = createStages({ ...(await stageDeps(loadConfig(env))), codeVersion });

export default async function run({ port, ...task }: StageTask & { port: MessagePort }): Promise<StageReply> {
  const progress = (details: Record<string, unknown>) => port.postMessage(details);
  try {
    return { value: task.stage === 'session' ? await stages.analyzeSession(task.args, progress) : await stages.computeGroup(task.args, progress) };
  } catch (e) {
    return { error: sendError(e) };
  } finally {
    port.close();
  }
}
