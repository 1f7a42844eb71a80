// The scheduled re-dispatch (scripts/schedule-nightly.sh): one activity runs the dispatcher on a
// job folder; mice whose inputs did not change have the same key and are skipped as done.
import { proxyActivities } from '@temporalio/workflow';
import type { DispatchActivities, DispatchJobsInput, DispatchSummary } from '../activities/dispatch.js';

const { dispatchJobs } = proxyActivities<DispatchActivities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: 10 },
});

export async function dispatchWorkflow(input: DispatchJobsInput): Promise<DispatchSummary> {
  return await dispatchJobs(input);
}
