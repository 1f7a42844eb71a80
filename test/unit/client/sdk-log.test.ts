// The Temporal SDK's own log lines (the TypeScript side and, forwarded, its native core: worker
// state changes, TMPRL1104 slow workflow tasks, ...) go to a log file, not between the CLI's
// tables; the terminal gets at most one line saying what is there. GA_LOG_LEVEL=debug shows them.
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { sdkLogging } from '../../../src/temporal/sdk-log.js';

const SLOW = '[TMPRL1104] 019af:5:1 Workflow task duration exceeded 5 seconds.';

describe('SDK logging', () => {
  afterEach(() => vi.restoreAllMocks());

  it('writes every SDK line to the file, plain text, and nothing to the terminal; one notice line sums it up', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const file = join(await mkdtemp(join(tmpdir(), 'ga-sdk-log-')), 'worker.log');
    const { options, log } = sdkLogging({ file, env: {} });
    // Native (core) lines are forwarded to the logger, not printed by core itself.
    expect(options.telemetryOptions?.logging).toHaveProperty('forward');
    options.logger!.info('Worker state changed', { state: 'RUNNING', sdkComponent: 'worker' });
    options.logger!.warn(SLOW, { workflow_type: 'analysisWorkflow', workflow_task_duration: 5120 });
    options.logger!.warn(SLOW.replace(':5:', ':9:'), { workflow_type: 'analysisWorkflow' });
    options.logger!.debug('not kept at the default level');
    log.close();

    const lines = (await readFile(file, 'utf8')).trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z INFO Worker state changed \{"state":"RUNNING","sdkComponent":"worker"\}$/);
    expect(lines[1]).toContain(`WARN ${SLOW}`);
    expect(lines.join('\n')).not.toMatch(/\u001b\[/); // no colour codes
    expect(stderr).not.toHaveBeenCalled();
    expect(stdout).not.toHaveBeenCalled();
    expect(log.notice()).toBe(`2 slow workflow tasks (Temporal SDK warnings), see ${file}`);
  });

  it('says nothing when the SDK had nothing to say above INFO, and counts other warnings and errors', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'ga-sdk-log-')), 'worker.log');
    const quiet = sdkLogging({ file, env: {} });
    quiet.options.logger!.info('Worker state changed');
    expect(quiet.log.notice()).toBeUndefined();
    quiet.log.close();

    const { options, log } = sdkLogging({ file, env: {} });
    options.logger!.warn(SLOW);
    options.logger!.warn('something else');
    options.logger!.error('the failed run could not be recorded', { error: 'x' });
    log.close();
    expect(log.notice()).toBe(`1 slow workflow task, 1 other warning and 1 error from the Temporal SDK, see ${file}`);
  });

  it('with GA_LOG_LEVEL=debug also shows every line (DEBUG and up) on stderr', async () => {
    const seen: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => (seen.push(String(s)), true));
    const file = join(await mkdtemp(join(tmpdir(), 'ga-sdk-log-')), 'worker.log');
    const { options, log } = sdkLogging({ file, env: { GA_LOG_LEVEL: 'debug' } });
    options.logger!.debug('polling', { queue: 'q' });
    options.logger!.warn(SLOW);
    log.close();
    expect(seen.join('')).toMatch(/DEBUG polling \{"queue":"q"\}\n[\s\S]*WARN \[TMPRL1104\]/);
    expect(await readFile(file, 'utf8')).toContain('DEBUG polling');
  });

  it('without a file (a worker in the foreground) writes WARN and up to stderr, plain text', () => {
    const seen: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => (seen.push(String(s)), true));
    const { options } = sdkLogging({ env: {} });
    options.logger!.info('Worker state changed');
    options.logger!.warn(SLOW);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatch(/^\S+Z WARN \[TMPRL1104\]/);
    expect(seen[0]).not.toMatch(/\u001b\[/);
  });
});
