// Timings of a finished workflow from its Temporal history: its start and close, and per activity
// (in scheduling order) when it was scheduled, started (picked up by a worker) and closed, and by
// which worker; the same for each workflow task. Times are the server's event times (ms since the
// epoch); on one machine, the workers' clocks too.
import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';

// The default import: the package is CommonJS, and Node's ESM loader (tsx) finds no named `temporal`.
const TimeoutType = proto.temporal.api.enums.v1.TimeoutType;

export interface ActivitySpan {
  type: string;
  taskQueue: string;
  scheduled: number;
  /** Of the last attempt (the history keeps only that one's start). */
  started: number;
  closed: number;
  attempt: number;
  status: 'completed' | 'failed' | 'timed-out' | 'canceled';
  /** The worker of the last attempt (`<pid>@<host>` for ours). */
  identity: string;
  /** The attempt before the last one ended in a heartbeat timeout. */
  afterHeartbeatTimeout: boolean;
}

/** One workflow task: queued, picked up by a worker, completed by it (or failed / timed out). */
export interface WorkflowTaskSpan {
  scheduled: number;
  started: number;
  closed: number;
}

export interface RunTimeline {
  started: number;
  closed: number;
  activities: ActivitySpan[];
  workflowTasks: WorkflowTaskSpan[];
}

interface Timestamp {
  seconds?: { toString(): string } | number | null;
  nanos?: number | null;
}

export const timestampMs = (t: Timestamp | null | undefined): number =>
  t ? Number(typeof t.seconds === 'number' ? t.seconds : (t.seconds?.toString() ?? 0)) * 1000 + (t.nanos ?? 0) / 1e6 : NaN;

export async function runTimeline(client: Client, workflowId: string): Promise<RunTimeline> {
  const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const byScheduled = new Map<string, ActivitySpan>();
  const activities: ActivitySpan[] = [];
  const workflowTasks: WorkflowTaskSpan[] = [];
  let started = NaN;
  let closed = NaN;
  for (const e of events) {
    const at = timestampMs(e.eventTime);
    const id = String(e.eventId);
    if (e.workflowExecutionStartedEventAttributes) started = at;
    if (e.workflowExecutionCompletedEventAttributes || e.workflowExecutionFailedEventAttributes || e.workflowExecutionCanceledEventAttributes) closed = at;
    const s = e.activityTaskScheduledEventAttributes;
    if (s) {
      const span: ActivitySpan = {
        type: s.activityType?.name ?? '?',
        taskQueue: s.taskQueue?.name ?? '?',
        scheduled: at,
        started: NaN,
        closed: NaN,
        attempt: 0,
        status: 'completed',
        identity: '',
        afterHeartbeatTimeout: false,
      };
      byScheduled.set(id, span);
      activities.push(span);
    }
    const st = e.activityTaskStartedEventAttributes;
    if (st) {
      const span = byScheduled.get(String(st.scheduledEventId));
      if (span) {
        span.started = at;
        span.attempt = st.attempt ?? 1;
        span.identity = st.identity ?? '';
        span.afterHeartbeatTimeout = st.lastFailure?.timeoutFailureInfo?.timeoutType === TimeoutType.TIMEOUT_TYPE_HEARTBEAT;
      }
    }
    if (e.workflowTaskScheduledEventAttributes) workflowTasks.push({ scheduled: at, started: NaN, closed: NaN });
    const task = workflowTasks.at(-1);
    if (task && e.workflowTaskStartedEventAttributes) task.started = at;
    if (task && (e.workflowTaskCompletedEventAttributes || e.workflowTaskFailedEventAttributes || e.workflowTaskTimedOutEventAttributes)) task.closed = at;
    for (const [attrs, status] of [
      [e.activityTaskCompletedEventAttributes, 'completed'],
      [e.activityTaskFailedEventAttributes, 'failed'],
      [e.activityTaskTimedOutEventAttributes, 'timed-out'],
      [e.activityTaskCanceledEventAttributes, 'canceled'],
    ] as const) {
      const span = attrs ? byScheduled.get(String(attrs.scheduledEventId)) : undefined;
      if (span) {
        span.closed = at;
        span.status = status;
      }
    }
  }
  return { started, closed, activities, workflowTasks };
}
