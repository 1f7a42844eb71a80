// Worker and CLI processes of the suite: real `src/cli.ts` processes (the same code path as
// `npx tsx src/cli.ts worker`, without npx's wrapper process, so a SIGKILL hits the worker
// itself), each in its own process group, logs in files, every pid remembered for teardown.
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './env.js';

const CLI = join(REPO_ROOT, 'src', 'cli.ts');

function spawnCli(args: string[], env: Record<string, string>, logFile: string, pidsFile: string, nodeArgs: string[] = []): ChildProcess {
  const out = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(process.execPath, ['--import', 'tsx', ...nodeArgs, CLI, ...args], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    // Own process group: a kill reaches anything the process started, and nothing else.
    detached: true,
  });
  child.stdout!.pipe(out, { end: false });
  child.stderr!.pipe(out, { end: false });
  child.on('close', () => out.end());
  if (child.pid !== undefined) appendFileSync(pidsFile, `${child.pid}\n`);
  return child;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const exited = (c: ChildProcess) =>
  new Promise<Exit>((res) => {
    if (c.exitCode !== null || c.signalCode !== null) res({ code: c.exitCode, signal: c.signalCode });
    else c.once('exit', (code, signal) => res({ code, signal }));
  });

/**
 * One worker "slot": started, SIGKILLed and restarted by the test. An exit the test did not
 * cause is a crash (counted, with the log named).
 */
export class WorkerProcess {
  private child?: ChildProcess;
  private expectingExit = false;
  private startedCount = 0;
  readonly crashes: string[] = [];
  kills = 0;
  readonly logFile: string;

  constructor(
    private readonly env: Record<string, string>,
    private readonly logDir: string,
    private readonly name: string,
    private readonly pidsFile: string,
    /** More node options, after tsx's (e.g. `--import` of a probe, for the benchmarks). */
    private readonly nodeArgs: string[] = [],
  ) {
    mkdirSync(logDir, { recursive: true });
    this.logFile = join(logDir, `${name}.log`);
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get alive(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts the worker and resolves when it polls (its "worker started" line), else rejects. */
  async start(timeoutMs = 90_000): Promise<void> {
    if (this.alive) throw new Error(`${this.name} is already running`);
    this.startedCount++;
    appendFileSync(this.logFile, `\n=== start #${this.startedCount} ${new Date().toISOString()} ===\n`);
    const child = spawnCli(['worker'], this.env, this.logFile, this.pidsFile, this.nodeArgs);
    this.child = child;
    this.expectingExit = false;
    void exited(child).then((e) => {
      if (!this.expectingExit) this.crashes.push(`${this.name} (pid ${child.pid}) exited on its own: ${JSON.stringify(e)}; see ${this.logFile}`);
    });
    await new Promise<void>((res, rej) => {
      let buf = '';
      const timer = setTimeout(() => rej(new Error(`${this.name} not ready after ${timeoutMs} ms; see ${this.logFile}`)), timeoutMs);
      const onData = (d: Buffer) => {
        buf += d.toString();
        if (buf.includes('"msg":"worker started"')) {
          clearTimeout(timer);
          child.stdout!.off('data', onData);
          res();
        }
      };
      child.stdout!.on('data', onData);
      void exited(child).then((e) => {
        clearTimeout(timer);
        rej(new Error(`${this.name} exited during start-up (${JSON.stringify(e)}); see ${this.logFile}:\n${tail(this.logFile)}`));
      });
    });
  }

  /** SIGKILL to the worker's process group: no shutdown, no cleanup, as a machine crash. */
  async kill(): Promise<void> {
    const c = this.child;
    if (!c || !this.alive) throw new Error(`${this.name} is not running`);
    this.expectingExit = true;
    process.kill(-c.pid!, 'SIGKILL');
    await exited(c);
    this.kills++;
  }

  /** SIGTERM (graceful: in-flight activities finish), then SIGKILL after the grace time. */
  async stop(graceMs = 40_000): Promise<void> {
    const c = this.child;
    if (!c || !this.alive) return;
    this.expectingExit = true;
    process.kill(-c.pid!, 'SIGTERM');
    const timer = setTimeout(() => {
      if (this.alive) process.kill(-c.pid!, 'SIGKILL');
    }, graceMs);
    await exited(c);
    clearTimeout(timer);
  }
}

export interface CliResult extends Exit {
  output: string;
  ms: number;
}

/** Runs one CLI command to the end (bounded), returning its combined output. */
export async function runCli(args: string[], env: Record<string, string>, logFile: string, pidsFile: string, timeoutMs = 180_000): Promise<CliResult> {
  const t0 = Date.now();
  const child = spawnCli(args, env, logFile, pidsFile);
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), timeoutMs);
  const e = await exited(child);
  clearTimeout(timer);
  // 'exit' can precede the last 'data' events; 'close' follows them.
  if (child.stdout!.readable || child.stderr!.readable) await new Promise((r) => child.once('close', r));
  return { ...e, output, ms: Date.now() - t0 };
}

export function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Kills (SIGKILL, by process group) every suite process still alive: teardown after a failure. */
export function killLeftovers(pidsFile: string): number {
  let killed = 0;
  let pids: number[];
  try {
    pids = readFileSync(pidsFile, 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    return 0;
  }
  for (const pid of pids) {
    try {
      // Only our own CLI processes: a pid may have been reused since.
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(CLI)) continue;
      process.kill(-pid, 'SIGKILL');
      killed++;
    } catch {
      /* already gone */
    }
  }
  return killed;
}
