import { describe, expect, it, vi } from 'vitest';
import { limiter, startInOrder } from '../../src/concurrency.js';

/** A task that records when it runs and finishes when `release` is called. */
function gate(log: string[], name: string) {
  let release!: () => void;
  const done = new Promise<void>((r) => (release = r));
  return {
    release: () => release(),
    task: async () => {
      log.push(`start ${name}`);
      await done;
      log.push(`end ${name}`);
      return name;
    },
  };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('limiter', () => {
  it('runs at most n tasks at once, the rest in arrival order', async () => {
    const limit = limiter(2);
    const log: string[] = [];
    const gates = ['a', 'b', 'c', 'd'].map((n) => gate(log, n));
    const results = gates.map((g) => limit(g.task));
    await tick();
    expect(log).toEqual(['start a', 'start b']);
    gates[1].release();
    await tick();
    expect(log).toEqual(['start a', 'start b', 'end b', 'start c']);
    for (const g of gates) g.release();
    expect(await Promise.all(results)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('a task of weight n runs alone, and the light tasks after it wait for it', async () => {
    const limit = limiter(2);
    const log: string[] = [];
    const [a, heavy, b] = ['a', 'heavy', 'b'].map((n) => gate(log, n));
    const results = [limit(a.task), limit(heavy.task, 2), limit(b.task)];
    await tick();
    expect(log).toEqual(['start a']); // b does not overtake the heavy task waiting for room
    a.release();
    await tick();
    expect(log).toEqual(['start a', 'end a', 'start heavy']);
    heavy.release();
    await tick();
    expect(log.slice(-2)).toEqual(['end heavy', 'start b']);
    b.release();
    await Promise.all(results);
  });

  it('a weight above n counts as n; a failed task frees its room', async () => {
    const limit = limiter(2);
    await expect(limit(async () => 'alone', 5)).resolves.toBe('alone');
    await expect(limit(() => Promise.reject(new Error('boom')), 2)).rejects.toThrow('boom');
    await expect(Promise.all([limit(async () => 1), limit(async () => 2)])).resolves.toEqual([1, 2]);
  });
});

describe('startInOrder', () => {
  it('starts through the limiter, keeps item order, and holds a rejection back until awaited', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    // Only setTimeout is faked: the real setImmediate (tick) lets Node report unhandled rejections.
    vi.useFakeTimers({ toFake: ['setTimeout'] });
    try {
      let inFlight = 0;
      let most = 0;
      const started = startInOrder([30, 10, 20, -1], limiter(2), async (ms, i) => {
        most = Math.max(most, ++inFlight);
        await new Promise((r) => setTimeout(r, Math.abs(ms)));
        inFlight--;
        if (ms < 0) throw new Error(`item ${i} failed`);
        return `${i}:${ms}`;
      });
      await vi.advanceTimersByTimeAsync(80); // the failure has happened, nobody awaits it yet
      await tick();
      expect(unhandled).toEqual([]);
      expect(most).toBe(2);
      expect(await Promise.all(started.slice(0, 3))).toEqual(['0:30', '1:10', '2:20']);
      await expect(started[3]).rejects.toThrow('item 3 failed');
    } finally {
      vi.useRealTimers();
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
