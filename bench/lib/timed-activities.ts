// Activities wrapped to time each call (performance.now() at start and end), for the benchmarks
// that split a run's time between the activities' own work and the rest.
type Activity = (...args: unknown[]) => Promise<unknown>;

export function timeActivities<A extends object>(activities: A, onCall: (name: string, started: number, ended: number) => void): A {
  return Object.fromEntries(
    Object.entries(activities).map(([name, fn]) => [
      name,
      async (...args: unknown[]) => {
        const started = performance.now();
        try {
          return await (fn as Activity)(...args);
        } finally {
          onCall(name, started, performance.now());
        }
      },
    ]),
  ) as A;
}
