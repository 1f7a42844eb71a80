// A small concurrency bound shared by S3 reads, store copies, job creation, figure drawing, the
// dispatcher's starts and the workflow's session activities (no Node APIs: workflows import it).

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

/**
 * Starts `fn` on every item through `limit` and returns the promises in item order, for the
 * caller to await in that order: work runs ahead (on S3 each task is a round trip) while results
 * and the first failure are taken in order. Rejections are not reported as unhandled meanwhile.
 */
export function startInOrder<T, R>(items: readonly T[], limit: ReturnType<typeof limiter>, fn: (item: T, index: number) => Promise<R>): Promise<R>[] {
  const started = items.map((item, i) => limit(() => fn(item, i)));
  for (const p of started) p.catch(() => undefined);
  return started;
}

/** `fn` on every item, at most `n` at once, started in item order; results in item order. */
export async function mapBounded<T, R>(items: readonly T[], n: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const limit = limiter(Math.max(1, n));
  return await Promise.all(items.map((item, i) => limit(() => fn(item, i))));
}
