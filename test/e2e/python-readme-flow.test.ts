// The README's "Write your analysis in Python" commands, as a new user runs them, in a throw-away
// copy of the repository (the scaffold writes into it): scaffold a Python analysis, start the
// TypeScript and the Python workers, dispatch it with --wait, show its record. Real servers.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyRepo, type RepoCopy } from '../support/repo-copy.js';

const README = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');
const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'real-nwb');

/** The commands of the README section, comments dropped. */
function pythonSectionCommands(readme = README): string[] {
  const section = /## Write your analysis in Python\n([\s\S]*?)\n## /.exec(readme)?.[1] ?? '';
  const block = /```bash\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
  return block.split('\n').map((l) => l.replace(/\s+#.*$/, '').trim()).filter(Boolean);
}

describe('README: from a Python scaffold to a completed, recorded run', () => {
  let repo: RepoCopy;
  const workers: ChildProcess[] = [];
  const env = {
    ...process.env,
    FORCE_COLOR: '0',
    // This test's own queues: no other worker takes its runs.
    TEMPORAL_TASK_QUEUE: `readme-py-${randomUUID()}`,
    GA_PY_TASK_QUEUE: `readme-py-${randomUUID()}-py`,
  };
  const run = (cmd: string, timeout = 600_000) => {
    const r = spawnSync('bash', ['-c', cmd], { cwd: repo.root, encoding: 'utf8', timeout, env });
    return { code: r.status, out: `${r.stdout}\n${r.stderr}` };
  };
  const background = (cmd: string, started: RegExp) =>
    new Promise<void>((resolve, reject) => {
      const child = spawn('bash', ['-c', `exec ${cmd}`], { cwd: repo.root, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      workers.push(child);
      let log = '';
      const timer = setTimeout(() => reject(new Error(`${cmd} did not start in 5 min:\n${log}`)), 300_000);
      const onData = (d: Buffer) => {
        log += d.toString();
        if (started.test(log)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', (code) => (clearTimeout(timer), reject(new Error(`${cmd} exited (${code}):\n${log}`))));
    });

  beforeAll(async () => {
    repo = await copyRepo(['python', 'scripts', 'tsconfig.build.json']);
    // The folder the README dispatches (npm start writes it): one job, a real session.
    const jobs = join(repo.root, 'results', 'jobs', 'behaviour', 'job_dict');
    await mkdir(jobs, { recursive: true });
    await writeFile(join(jobs, 'job_697062.json'), JSON.stringify({ s3_location: [join(FIXTURES, '697062_2023-11-15_10-02-05.nwb')], group_metadata: { 'subject.subject_id': '697062' } }));
  }, 120_000);
  afterAll(async () => {
    for (const w of workers) {
      if (w.exitCode !== null || w.signalCode !== null) continue;
      const exited = new Promise((r) => w.once('exit', r));
      process.kill(-w.pid!, 'SIGTERM');
      await exited;
    }
    // The copy's venv (keyed by its path, ~0.5 GB) would otherwise stay in the cache.
    const venv = repo && run('bash scripts/python-venv.sh').out.trim().split('\n').find((l) => l.endsWith('/bin/python'));
    if (venv) await rm(dirname(dirname(venv)), { recursive: true, force: true });
    await repo?.remove();
  });

  it('is five commands, and each does what the README says', async () => {
    const commands = pythonSectionCommands();
    expect(commands).toHaveLength(5);
    const [scaffold, tsWorker, pyWorker, dispatch, show] = commands;

    const created = run(scaffold);
    expect(created.code, created.out).toBe(0);
    expect(existsSync(join(repo.root, 'python', 'analyses', 'lick_rates', 'lick_rates', 'analysis.py'))).toBe(true);
    expect(JSON.parse(readFileSync(join(repo.root, 'python', 'manifests', 'lick-rates.json'), 'utf8'))).toMatchObject({ name: 'lick-rates', entry: 'lick_rates:analysis' });

    await Promise.all([background(tsWorker, /worker started|Worker started/), background(pyWorker, /"worker started"/)]);

    const dispatched = run(dispatch);
    expect(dispatched.code, dispatched.out).toBe(0);
    const row = /697062\s+lick-rates\s+completed\s+([0-9a-f]{16})/.exec(dispatched.out);
    expect(row, dispatched.out).not.toBeNull();

    const shown = run(show.replace('<record id>', row![1]));
    expect(shown.code, shown.out).toBe(0);
    expect(shown.out).toContain('lick-rates');
    expect(shown.out).toMatch(/completed/);
  });
});
