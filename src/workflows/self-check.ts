import { proxyActivities } from '@temporalio/workflow';
import type { SelfCheckActivities } from '../activities/self-check.js';

const { echo } = proxyActivities<SelfCheckActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 3 },
});

/** Round trip through a real worker: proves server, task queue, bundle and activities work. */
export async function selfCheckWorkflow(message: string): Promise<string> {
  return await echo(message);
}
