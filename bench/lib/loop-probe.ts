// Loaded into a benchmark's worker processes (`node --import tsx --import bench/lib/loop-probe.ts`):
// every second, the longest the worker's event loop was held up in that second, appended to the
// file GA_BENCH_LOOP_FILE as `{"t":<ms since the epoch>,"maxMs":<ms>}`. Workflow tasks, activity
// heartbeats and polls all wait for the main thread's event loop, so this is how late any of them
// could be. Worker threads (compute threads inherit the process's --import) measure nothing.
import { appendFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { isMainThread } from 'node:worker_threads';

const file = process.env.GA_BENCH_LOOP_FILE;
if (isMainThread) {
  if (!file) throw new Error('bench/lib/loop-probe.ts: set GA_BENCH_LOOP_FILE to the file it writes to');
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  setInterval(() => {
    appendFileSync(file, `${JSON.stringify({ t: Date.now(), maxMs: delay.max / 1e6 })}\n`);
    delay.reset();
  }, 1000).unref();
}
