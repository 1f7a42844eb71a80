// Where the Temporal SDK's own log lines go: the TypeScript side (worker state changes, workflow
// and activity loggers) and, forwarded to it, the native core's (e.g. `[TMPRL1104] ... Workflow
// task duration exceeded 5 seconds`), which core otherwise prints itself, with colour codes,
// between a command's tables. With a file (`npm start`: results/worker.log) every line goes there
// as plain text and the command prints at most one line about them at the end (`notice()`);
// without one (a worker in the foreground) WARN and up go to stderr, plain text.
// GA_LOG_LEVEL (trace, debug, info, warn, error) sets the level; debug or trace also shows every
// line on stderr. The SDK itself is loaded only by installSdkLogging (what needs a worker).
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { LogLevel, LogMetadata, Logger } from '@temporalio/common';
import type { RuntimeOptions } from '@temporalio/worker';
import { readVariable } from '../config/variables.js';

const LEVELS: readonly LogLevel[] = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'];
/** The SDK's LogTimestamp meta key (nanoseconds since the epoch, a bigint). */
const LOG_TIMESTAMP = Symbol.for('log_timestamp');
/** Core's warning for a workflow task that took longer than TEMPORAL_WORKFLOW_TASK_DURATION_WARN_SECONDS (5). */
const SLOW_TASK = '[TMPRL1104]';

export interface SdkLog {
  /** The log file, when there is one. */
  readonly file?: string;
  /** One line for the terminal saying what the SDK warned about and where to read it; undefined when nothing did. */
  notice(): string | undefined;
  /** Closes the file (lines logged later are dropped). */
  close(): void;
}

function metaText(meta: LogMetadata | undefined): string {
  if (!meta || Object.keys(meta).length === 0) return '';
  const json = JSON.stringify(meta, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v instanceof Error ? { name: v.name, message: v.message } : v));
  return json === '{}' ? '' : ` ${json}`;
}

function timeOf(meta: LogMetadata | undefined): string {
  const nanos = (meta as Record<symbol, unknown> | undefined)?.[LOG_TIMESTAMP];
  return new Date(typeof nanos === 'bigint' ? Number(nanos / 1_000_000n) : Date.now()).toISOString();
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function joinAnd(parts: string[]): string {
  return parts.length <= 1 ? parts.join('') : `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}

/** The Runtime options that route the SDK's lines as described above, and the log they go to. */
export function sdkLogging(o: { file?: string; env?: NodeJS.ProcessEnv }): { options: RuntimeOptions; log: SdkLog } {
  const env = o.env ?? process.env;
  const level = readVariable('GA_LOG_LEVEL', env) ?? (o.file ? 'INFO' : 'WARN');
  const echo = !o.file || level === 'DEBUG' || level === 'TRACE';
  let fd: number | undefined;
  if (o.file) {
    mkdirSync(dirname(o.file), { recursive: true });
    fd = openSync(o.file, 'a');
  }
  const counts = { slow: 0, warn: 0, error: 0 };
  const threshold = LEVELS.indexOf(level);
  const log = (lvl: LogLevel, message: string, meta?: LogMetadata) => {
    if (LEVELS.indexOf(lvl) < threshold) return;
    if (lvl === 'WARN') message.includes(SLOW_TASK) ? counts.slow++ : counts.warn++;
    if (lvl === 'ERROR') counts.error++;
    const line = `${timeOf(meta)} ${lvl} ${message}${metaText(meta)}\n`;
    if (fd !== undefined) writeSync(fd, line);
    if (echo) process.stderr.write(line);
  };
  const logger: Logger = {
    log,
    trace: (m, meta) => log('TRACE', m, meta),
    debug: (m, meta) => log('DEBUG', m, meta),
    info: (m, meta) => log('INFO', m, meta),
    warn: (m, meta) => log('WARN', m, meta),
    error: (m, meta) => log('ERROR', m, meta),
  };
  const options: RuntimeOptions = {
    logger,
    // Core's own lines through `logger` too, instead of core printing them to the console.
    telemetryOptions: { logging: { filter: { core: level, other: 'ERROR' }, forward: {} } },
  };
  return {
    options,
    log: {
      file: o.file,
      notice() {
        if (!o.file || counts.slow + counts.warn + counts.error === 0) return undefined;
        const warnings = counts.slow ? (counts.warn ? [plural(counts.warn, 'other warning')] : []) : counts.warn ? [plural(counts.warn, 'warning')] : [];
        const parts = [...(counts.slow ? [plural(counts.slow, 'slow workflow task')] : []), ...warnings, ...(counts.error ? [plural(counts.error, 'error')] : [])];
        const what = parts.length === 1 && counts.slow ? `${parts[0]} (Temporal SDK ${counts.slow === 1 ? 'warning' : 'warnings'})` : `${joinAnd(parts)} from the Temporal SDK`;
        return `${what}, see ${o.file}`;
      },
      close() {
        if (fd !== undefined) closeSync(fd);
        fd = undefined;
      },
    },
  };
}

/** Installs the Temporal Runtime with `sdkLogging(o)`; call before creating any worker or native connection. */
export async function installSdkLogging(o: { file?: string; env?: NodeJS.ProcessEnv }): Promise<SdkLog> {
  const { Runtime } = await import('@temporalio/worker');
  const { options, log } = sdkLogging(o);
  const runtime = Runtime.install(options);
  // Core's forwarded lines wait up to 100 ms in the runtime's buffer: count them too.
  return { file: log.file, notice: () => (runtime.flushLogs(), log.notice()), close: () => (runtime.flushLogs(), log.close()) };
}
