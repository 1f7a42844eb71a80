// A full garbage collection between sessions. V8 collects when its own heuristics say so, which
// on a session-after-session workload lets each session's garbage (parsed tables, Parquet
// buffers, ~100-150 MB at 20 sessions) pile onto the next one's peak.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gc: (() => void) | undefined;

export function collectGarbage(): void {
  if (!gc) {
    // Exposes gc() to new contexts only; the process keeps its flags otherwise.
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  gc();
}
