// Several worker processes on one task queue: waiting for a worker to be busy before a fault,
// and who ran what, read back from the workflow histories (each ActivityTaskStarted event names
// the worker of that attempt: `<pid>@<host>`, src/runtime.ts).
import type { Client } from '@temporalio/client';
import { activityAttempts, liveActivities, type ActivityStart } from './checks.js';
import { sleep } from './random.js';

export interface Busy {
  /** Workflows still running among those watched. */
  open: string[];
  /** Activities started and not closed (on `pid` if given) when the wait ended. */
  running: { workflowId: string; activityId: string; type: string }[];
}

/**
 * Waits (at most `timeoutMs`) until an activity of the watched workflows runs, on worker `pid` if
 * given. If nothing runs after 2 s, `feed` is called once (a new batch; its workflow IDs are
 * watched too). Returns what runs, possibly nothing when the time is up.
 */
export async function untilBusy(client: Client, ids: string[], o: { pid?: number; feed: () => Promise<string[]>; timeoutMs?: number }): Promise<Busy> {
  const t0 = Date.now();
  let watched = ids;
  let fed = false;
  for (;;) {
    const live = await liveActivities(client, watched, o.pid);
    const running = live.running.map((r, i) => ({ ...r, type: live.activities[i] }));
    if (running.length > 0 || Date.now() - t0 > (o.timeoutMs ?? 30_000)) return { open: live.open, running };
    watched = live.open;
    if (!fed && Date.now() - t0 > 2_000) {
      watched = [...watched, ...(await o.feed())];
      fed = true;
    }
    await sleep(250);
  }
}

export interface Spread {
  /** Activities (completed attempts as the histories keep them) per worker name. */
  perWorker: Record<string, number>;
  /** Every activity start, by workflow. */
  starts: Map<string, ActivityStart[]>;
}

/** Who ran the activities of `ids`; `names` maps worker pids to names (an unknown pid is named as such). */
export async function spreadOver(client: Client, ids: string[], names: Map<number, string>): Promise<Spread> {
  const perWorker: Record<string, number> = Object.fromEntries([...new Set(names.values())].map((n) => [n, 0]));
  const starts = new Map<string, ActivityStart[]>();
  for (const id of ids) {
    const s = await activityAttempts(client, id);
    starts.set(id, s);
    for (const a of s) {
      const name = nameOf(a.identity, names);
      perWorker[name] = (perWorker[name] ?? 0) + 1;
    }
  }
  return { perWorker, starts };
}

export function nameOf(identity: string, names: Map<number, string>): string {
  return names.get(Number(identity.split('@')[0])) ?? `unknown worker ${identity}`;
}
