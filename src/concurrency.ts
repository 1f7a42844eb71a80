// A small concurrency bound shared by S3 reads, store copies, job creation and figure drawing.

/**
 * Runs tasks with at most `n` units of weight at once (a task weighs 1 unless told; more than `n`
 * counts as `n`, i.e. the task runs alone). First come, first served: a heavy task waiting for
 * room holds back the light ones after it.
 */
export function limiter(n: number): <T>(task: () => Promise<T>, weight?: number) => Promise<T> {
  let used = 0;
  const waiting: { weight: number; go: () => void }[] = [];
  const admit = () => {
    while (waiting.length > 0 && used + waiting[0].weight <= n) {
      const w = waiting.shift()!;
      used += w.weight;
      w.go();
    }
  };
  return async (task, weight = 1) => {
    const w = Math.min(Math.max(weight, 1), n);
    if (waiting.length > 0 || used + w > n) await new Promise<void>((go) => waiting.push({ weight: w, go }));
    else used += w;
    try {
      return await task();
    } finally {
      used -= w;
      admit();
    }
  };
}
