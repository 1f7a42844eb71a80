// A full garbage collection at points where we know much memory just became garbage. V8 collects
// when its own heuristics say so, which lets each session's garbage (parsed tables, Parquet
// buffers) pile onto the next one's peak, and did not count the pixel buffers figure rows pass
// through (RSS grew with every row drawn until something else prompted it). A collection is not
// free on a warm heap (bench/README.md, "Measured facts"), so callers may ask for one only if the JS heap
// and the buffers outside it have grown by some amount since the last: an incremental run, which
// draws a few rows, then collects about once instead of a dozen times. In a worker the analysis
// stages run on compute threads (src/compute/pool.ts): each collects its own heap there, and the
// pauses no longer hold the event loop that serves Temporal.
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gc: (() => void) | undefined;
/** Heap and off-heap bytes in use after the last collection made here, or the lowest seen since. */
let baseline = Infinity;

// process.memoryUsage()'s heapUsed and external, without the RSS it also reads from /proc.
const inUse = () => {
  const s = getHeapStatistics();
  return s.used_heap_size + s.external_memory;
};

/** A full collection if what is in use grew by `minGrowth` bytes since the last (0: always); true if collected. */
export function collectGarbage(minGrowth = 0): boolean {
  if (minGrowth > 0) {
    const now = inUse();
    baseline = Math.min(baseline, now); // V8 collected on its own meanwhile
    if (now - baseline < minGrowth) return false;
  }
  if (!gc) {
    // Exposes gc() to new contexts only; the process keeps its flags otherwise.
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  gc();
  baseline = inUse();
  return true;
}

// V8 drops a hidden class at a full collection when no object of that shape is alive, and with it
// the optimised code of every function that checked for it (--trace-deopt: "weak objects").
// collectGarbage() after each session runs when none of that session's writers and random streams
// are alive: hundreds of functions were deoptimised in a 20-session run and optimised again by
// the next session. One live object of each such class keeps its shape (and the code) between sessions.
const shapes: object[] = [];

/** Keeps `sample` alive for the life of the process, so that objects of its class keep their optimised code across collections. */
export function keepShape(sample: object): void {
  shapes.push(sample);
}
