// The Python worker as a child process (npm start, the tests): its venv, which
// scripts/python-venv.sh builds once into the cache outside the repository, and a
// `grouped-analysis-py worker` process in its own process group, so a signal reaches the worker
// and whatever it started, and nothing else.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const run = promisify(execFile);

let venv: Promise<string> | undefined;

/** The venv's python (built on first use: minutes cold, instant after). */
export function pythonVenv(): Promise<string> {
  venv ??= run('bash', [join(repoRoot, 'scripts', 'python-venv.sh')], { cwd: repoRoot, maxBuffer: 64 * 2 ** 20 }).then(
    ({ stdout }) => stdout.trim().split('\n').at(-1)!,
    (e: { stderr?: string; message: string }) => {
      throw new Error(`scripts/python-venv.sh could not build the Python venv (is PyPI reachable?):\n${e.stderr ?? e.message}`);
    },
  );
  return venv;
}

/** The venv's `grouped-analysis-py` command. */
export async function pythonCli(): Promise<string> {
  return join(dirname(await pythonVenv()), 'grouped-analysis-py');
}

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** One Python worker process; `start` resolves once it polls its task queue. */
export class PythonWorkerProcess {
  private child?: ChildProcess;
  /** How many times it was started (a test restarts it after a SIGKILL). */
  starts = 0;

  constructor(
    private readonly env: NodeJS.ProcessEnv,
    /** `module:object` entries of the analyses it serves. */
    private readonly analyses: readonly string[],
    /** Its stdout and stderr. */
    readonly logFile: string,
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(timeoutMs = 120_000): Promise<void> {
    const cli = await pythonCli();
    const log = createWriteStream(this.logFile, { flags: 'a' });
    const child = spawn(cli, ['worker', ...this.analyses.flatMap((a) => ['--analyses', a])], {
      cwd: repoRoot,
      env: { ...this.env, PYTHONUNBUFFERED: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    this.child = child;
    this.starts += 1;
    child.stderr!.pipe(log, { end: false });
    child.once('close', () => log.end());
    await new Promise<void>((resolveStart, reject) => {
      let seen: string | undefined = ''; // stdout until the start line, then no longer kept
      const fail = (why: string) => reject(new Error(`the Python worker ${why}; its log: ${this.logFile}`));
      const timer = setTimeout(() => fail(`did not start within ${timeoutMs / 1000} s`), timeoutMs);
      const onExit = (code: number | null, signal: string | null) => (clearTimeout(timer), fail(`exited (${code ?? signal}) while starting`));
      child.once('exit', onExit);
      child.stdout!.on('data', (chunk: Buffer) => {
        log.write(chunk);
        if (seen === undefined) return;
        seen += chunk.toString();
        if (seen.includes('"worker started"')) {
          seen = undefined;
          clearTimeout(timer);
          child.off('exit', onExit);
          resolveStart();
        }
      });
    });
  }

  /** Signals the worker's process group; resolves when it has exited. */
  async signal(sig: NodeJS.Signals): Promise<ProcessExit> {
    const child = this.child;
    if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return { code: child?.exitCode ?? null, signal: child?.signalCode ?? null };
    const exited = new Promise<ProcessExit>((res) => child.once('exit', (code, signal) => res({ code, signal })));
    process.kill(-child.pid, sig);
    return await exited;
  }

  /** Graceful: the worker stops polling and lets in-flight activities finish. */
  stop(): Promise<ProcessExit> {
    return this.signal('SIGTERM');
  }
}
