// Timings of a finished workflow from its Temporal history: its start and close, and per activity
// (in scheduling order) when it was scheduled, started (picked up by a worker) and closed. Times
// are the server's event times (ms since the epoch); on one machine, the workers' clocks too.
import type { Client } from '@temporalio/client';

export interface ActivitySpan {
  type: string;
  taskQueue: string;
  scheduled: number;
  /** Of the last attempt (the history keeps only that one's start). */
  started: number;
  closed: number;
  attempt: number;
  status: 'completed' | 'failed' | 'timed-out' | 'canceled';
}

export interface RunTimeline {
  started: number;
  closed: number;
  activities: ActivitySpan[];
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
  let started = NaN;
  let closed = NaN;
  for (const e of events) {
    const at = timestampMs(e.eventTime);
    const id = String(e.eventId);
    if (e.workflowExecutionStartedEventAttributes) started = at;
    if (e.workflowExecutionCompletedEventAttributes || e.workflowExecutionFailedEventAttributes || e.workflowExecutionCanceledEventAttributes) closed = at;
    const s = e.activityTaskScheduledEventAttributes;
    if (s) {
      const span: ActivitySpan = { type: s.activityType?.name ?? '?', taskQueue: s.taskQueue?.name ?? '?', scheduled: at, started: NaN, closed: NaN, attempt: 0, status: 'completed' };
      byScheduled.set(id, span);
      activities.push(span);
    }
    const st = e.activityTaskStartedEventAttributes;
    if (st) {
      const span = byScheduled.get(String(st.scheduledEventId));
      if (span) {
        span.started = at;
        span.attempt = st.attempt ?? 1;
      }
    }
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
  return { started, closed, activities };
}
