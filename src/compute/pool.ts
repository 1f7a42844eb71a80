// The worker's compute threads: the session and group stages (NWB decoding, tables, model fits,
// figures, Parquet) run here, in a piscina pool of worker threads, so that the main thread's
// event loop stays free for what must be on time: workflow tasks, activity polls, heartbeats and
// cancellations. Synchronous analysis on the main thread held it for seconds (Temporal's
// TMPRL1104 "Workflow task duration exceeded 5 seconds"; see bench:orchestration).
//
// The main thread sends a stage's arguments (object keys, URIs, the workflow input) and gets its
// small result back; each thread builds its own stores, reader and registry from the worker's
// configuration (./thread.ts). Threads: config.concurrency.computeThreads (GA_COMPUTE_THREADS;
// by default one per core up to the worker's activity slots): activities beyond that wait for a
// thread, holding no session data, so a worker's memory is bounded by its threads whatever its
// slots. They start on first use and end after IDLE_MS without work.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MessageChannel } from 'node:worker_threads';
import type { Piscina } from 'piscina';
import type { SessionResult } from '../workflows/analysis-types.js';
import { receivedError, type StageReply, type StageTask } from './messages.js';
import type { GroupResult, Progress, StageRunner } from './stages.js';
import type { ThreadData } from './thread.js';

/** A thread left without work this long ends (its heap and loaded modules freed). */
const IDLE_MS = 30_000;
/**
 * Compute threads yield the CPU to the main thread (and the Temporal SDK's threads) when both
 * want it: on a worker whose every core computes, polls, heartbeats and workflow tasks still run
 * at once. Threads the analyses start (figure rasterisers) inherit it.
 */
const NICE = 5;

export interface ComputePool extends StageRunner {
  readonly threads: number;
  /** Ends the threads (a task still running is stopped). */
  close(): Promise<void>;
}

/** The thread's module: the compiled one (dist/), else the sources' through their loader. */
function threadEntry(): { filename: string; execArgv?: string[] } {
  const built = fileURLToPath(new URL('./thread.js', import.meta.url));
  if (existsSync(built)) return { filename: built };
  // Without the parent's loader flags (tsx's --import), with stack traces mapped to the sources.
  // The loader's TypeScript transform is experimental in Node 24: its warning is left out.
  return { filename: fileURLToPath(new URL('./dev-thread.ts', import.meta.url)), execArgv: ['--enable-source-maps', '--disable-warning=ExperimentalWarning'] };
}

export function createComputePool(o: { threads: number; env: NodeJS.ProcessEnv; codeVersion: string }): ComputePool {
  let pool: Promise<Piscina> | undefined;
  const started = () =>
    (pool ??= import('piscina').then(({ Piscina }) => {
      const piscina = new Piscina({
        ...threadEntry(),
        minThreads: 0,
        maxThreads: o.threads,
        idleTimeout: IDLE_MS,
        // Between tasks a thread's event loop keeps running (its S3 sockets, its rasterisers'
        // idle timers), instead of piscina's default blocking wait for the next task.
        atomics: 'disabled',
        niceIncrement: NICE,
        workerData: { env: o.env, codeVersion: o.codeVersion } satisfies ThreadData,
      });
      // A thread that fails between tasks is replaced; unheard, the event would end the worker.
      piscina.on('error', (e: unknown) => console.error(`a compute thread failed between tasks and was replaced: ${e instanceof Error ? e.message : String(e)}`));
      return piscina;
    }));

  /** Runs `task` on a thread; its progress messages go to `progress`; `signal` stops it (its thread is ended). */
  const run = async (task: StageTask, progress: Progress, signal?: AbortSignal): Promise<SessionResult | GroupResult> => {
    const piscina = await started();
    const { port1, port2 } = new MessageChannel();
    let done = false;
    port1.on('message', (details: Record<string, unknown>) => {
      if (!done) progress(details);
    });
    try {
      const reply = (await piscina.run({ ...task, port: port2 }, { transferList: [port2], signal }).catch((e: unknown) => {
        // An activity cancelled (or timed out, or its worker shutting down): fails as the SDK's own reason.
        throw signal?.aborted ? signal.reason : e;
      })) as StageReply;
      if ('error' in reply) throw receivedError(reply.error);
      return reply.value;
    } finally {
      done = true;
      port1.close();
    }
  };

  return {
    threads: o.threads,
    analyzeSession: async (args, progress, signal) => (await run({ stage: 'session', args }, progress, signal)) as SessionResult,
    computeGroup: async (args, progress, signal) => (await run({ stage: 'group', args }, progress, signal)) as GroupResult,
    async close() {
      if (pool) await (await pool).destroy();
    },
  };
}
