// Is a worker's event loop free while it computes? Measured three ways, for the benchmarks that
// load a worker: how late this process's timers fire (event-loop delay: a heartbeat, a poll or a
// workflow activation waits that long at worst), how long the workflow tasks took as the server
// saw them (a task held by a busy worker shows here, whichever process the worker is), and the
// process's resident memory (the compute threads' heaps included).
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Client } from '@temporalio/client';
import { runTimeline } from './history.js';
import { quantile } from './report.js';

export interface LoopDelay {
  p99Ms: number;
  maxMs: number;
}

/** Starts measuring this thread's event-loop delay; `stop()` ends and reports it. */
export function watchEventLoop(): { stop(): LoopDelay } {
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  return {
    stop() {
      h.disable();
      return { p99Ms: h.percentile(99) / 1e6, maxMs: h.max / 1e6 };
    },
  };
}

/** Samples this process's RSS every `everyMs` until `stop()`, which returns the peak in MB. */
export function watchRss(everyMs = 250): { stop(): number } {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), everyMs);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, process.memoryUsage.rss()) / 2 ** 20;
    },
  };
}

export interface WorkflowTaskStats {
  count: number;
  p99Ms: number;
  maxMs: number;
  /** Workflow tasks that took over a second from started to completed. */
  overOneSecond: number;
  /** Activities whose earlier attempt timed out on its heartbeat. */
  heartbeatTimeouts: number;
}

/** Durations of every workflow task (started to completed, the server's clock) of these finished workflows. */
export async function workflowTaskStats(client: Client, workflowIds: readonly string[]): Promise<WorkflowTaskStats> {
  const timelines = await Promise.all(workflowIds.map((id) => runTimeline(client, id)));
  const durations = timelines.flatMap((t) => t.workflowTasks.map((w) => w.closed - w.started)).filter(Number.isFinite);
  return {
    count: durations.length,
    p99Ms: quantile(durations, 0.99),
    maxMs: Math.max(...durations),
    overOneSecond: durations.filter((d) => d > 1000).length,
    heartbeatTimeouts: timelines.flatMap((t) => t.activities).filter((a) => a.afterHeartbeatTimeout || a.status === 'timed-out').length,
  };
}
