// CPU time, read from /proc (Linux): of whole process trees (a server and what it started, e.g.
// PostgreSQL's backends), and of the machine. Differences of two readings give the CPU a process
// group used over a window, and how busy the machine's cores were, other users included.
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

const TICK_MS = 10; // USER_HZ is 100 on Linux

interface Stat {
  ppid: number;
  /** utime + stime + cutime + cstime: the process's own CPU and its reaped children's. */
  ms: number;
}

function stat(pid: string): Stat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces), from its closing parenthesis.
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(f[1]), ms: (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) * TICK_MS };
  } catch {
    return undefined; // exited meanwhile
  }
}

/**
 * CPU milliseconds of each tree rooted at the given pids (the root and all its live descendants,
 * plus what the reaped ones had used), in the order given.
 */
export function treeCpuMs(roots: number[][]): number[] {
  const stats = new Map<number, Stat>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const s = stat(d);
    if (s) stats.set(Number(d), s);
  }
  const children = new Map<number, number[]>();
  for (const [pid, s] of stats) children.set(s.ppid, [...(children.get(s.ppid) ?? []), pid]);
  return roots.map((pids) => {
    let ms = 0;
    const todo = [...pids];
    const seen = new Set<number>();
    while (todo.length) {
      const p = todo.pop()!;
      if (seen.has(p)) continue;
      seen.add(p);
      ms += stats.get(p)?.ms ?? 0;
      todo.push(...(children.get(p) ?? []));
    }
    return ms;
  });
}

/** Busy and total CPU milliseconds of the machine since boot (all cores). */
export function machineCpuMs(): { busy: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is counted in user already)
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0) * TICK_MS;
  const idle = (f[3] + f[4]) * TICK_MS;
  return { busy: total - idle, total };
}

export const CORES = availableParallelism();
