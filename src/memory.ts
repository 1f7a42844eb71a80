// A full garbage collection at points where we know much memory just became garbage. V8 collects
// when its own heuristics say so, which lets each session's garbage (parsed tables, Parquet
// buffers, ~100-150 MB) pile onto the next one's peak, and did not count the pixel buffers
// figure rows pass through (RSS grew ~4 MB per row drawn until something else prompted it).
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
