// Every command in the README's bash blocks is exercised: run here against the real local servers
// (with placeholders filled in), or named as covered by another test. A README command with no
// entry below fails the first test, so the README cannot drift from what is tested.
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { uploadToS3 } from '../support/e2e.js';

const ROOT = join(import.meta.dirname, '..', '..');
const FIXTURE = join(ROOT, 'test', 'fixtures', 'real-nwb', '697062_2023-11-14_11-12-44.nwb');

function readmeCommands(): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  return [...readme.matchAll(/```bash\n([\s\S]*?)```/g)].flatMap((m) =>
    m[1].split('\n').map((l) => l.replace(/\s+#.*$/, '').trim()).filter((l) => l && !l.startsWith('#')),
  );
}

/** Commands run by other tests (the runner cannot run itself; some need set-ups those tests own). */
const COVERED_ELSEWHERE: Record<string, string> = {
  'npm test': '.ci/run (CI runs exactly this)',
  'npm run cli -- jobs create --collection': 'test/integration/jobs-create.test.ts (metadata collection source)',
  'npm run cli -- jobs create s3://my-bucket/sessions -o job_dict --dispatch': 'test/integration/jobs-create.test.ts (--dispatch)',
  // "Write your analysis in Python": run in order, in a copy of the repository (the scaffold writes).
  'npm run new-analysis -- --python lick-rates': 'test/e2e/python-readme-flow.test.ts',
  'npm run py:worker': 'test/e2e/python-readme-flow.test.ts',
  'npm run dispatch -- results/jobs/behaviour/job_dict -a lick-rates --wait': 'test/e2e/python-readme-flow.test.ts',
  // "Production-like cluster": npm test runs test:cluster, which runs cluster.sh up.
  'bash scripts/cluster.sh up': 'npm run test:cluster (package.json)',
  'npm run test:cluster': 'scripts/test.sh (npm test)',
  'npm run cli -- setup-namespace': 'test/integration/namespace-setup.test.ts',
};

// Commands share one task queue with the worker this test starts (not the default queue).
const env = { ...process.env, FORCE_COLOR: '0', TEMPORAL_TASK_QUEUE: `readme-${randomUUID()}` };

function run(cmd: string, timeoutMs = 300_000) {
  const r = spawnSync('bash', ['-c', cmd], { cwd: ROOT, encoding: 'utf8', timeout: timeoutMs, env });
  return { code: r.status, out: `${r.stdout}\n${r.stderr}` };
}

describe('README commands', () => {
  const tag = `readme-${randomUUID().slice(0, 8)}`;
  let dir: string;
  let s3Sessions: string;
  const ran = new Set<string>();
  // Runs a README command with its placeholders replaced, and records that it was exercised.
  const readme = (template: string, concrete: string, timeoutMs?: number) => {
    ran.add(template);
    return run(concrete, timeoutMs);
  };

  let worker: ReturnType<typeof spawn> | undefined;
  afterAll(async () => {
    // The whole process group: npm's child (node dist/worker.js) would outlive npm itself.
    if (worker?.pid && worker.exitCode === null) {
      const exited = new Promise((r) => worker!.once('exit', r));
      process.kill(-worker.pid, 'SIGTERM');
      await exited;
    }
  });

  beforeAll(async () => {
    ran.add('npm run worker');
    worker = spawn('npm', ['run', 'worker'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let log = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`worker did not start:\n${log}`)), 120_000);
      const onData = (b: Buffer) => {
        log += b.toString();
        if (log.includes('worker started')) {
          clearTimeout(timer);
          resolve();
        }
      };
      worker!.stdout!.on('data', onData);
      worker!.stderr!.on('data', onData);
      worker!.once('exit', (code) => reject(new Error(`worker exited (${code}):\n${log}`)));
    });
    dir = await mkdtemp(join(tmpdir(), 'ga-readme-'));
    await mkdir(join(dir, 'job_dict'));
    await writeFile(join(dir, 'job_dict', 'job_697062.json'), JSON.stringify({ s3_location: [FIXTURE], group_metadata: { 'subject.subject_id': '697062' } }));
    await writeFile(join(dir, 'analysis_parameters.json'), JSON.stringify({ analysis_parameter: { analysis_name: 'foraging-summary', analysis_tag: tag } }));
    s3Sessions = (await uploadToS3(loadConfig(), FIXTURE, `readme-${tag}/sessions/behavior_697062_2023-11-14_11-12-44`, '697062_2023-11-14_11-12-44.nwb')).replace(
      /\/behavior_[^/]+\/[^/]+$/,
      '',
    );
  });

  it('has an entry for every command in the README', () => {
    const commands = readmeCommands();
    expect(commands.length).toBeGreaterThan(10);
    const known = [...KNOWN, ...Object.keys(COVERED_ELSEWHERE)];
    const missing = commands.filter((c) => !known.some((k) => c.startsWith(k)));
    expect(missing, 'README commands that no test exercises: add them to test/e2e/readme-commands.test.ts').toEqual([]);
  });

  it('npm start: runs the sample batch, then finds every mouse already done; --fresh starts a new batch the index keeps beside the others', () => {
    // Every workflow task counts as slow (TMPRL1104), so the SDK has warnings to route.
    const slow = 'TEMPORAL_WORKFLOW_TASK_DURATION_WARN_SECONDS=0';
    const first = readme('npm start', `${slow} npm start`);
    expect(first.code, first.out).toBe(0);
    expect(first.out).toMatch(/Summary\nmouse +analysis/);
    expect(first.out).toContain('Reports: ');
    const fresh = readme('npm start', `${slow} npm start -- --fresh`);
    expect(fresh.code, fresh.out).toBe(0);
    // One job file per mouse, named after it; the pair left out named with the reason.
    expect(fresh.out).toMatch(/job_dict\/job_889451\.json +889451 +grouped-analysis +started/);
    expect(fresh.out).not.toMatch(/job_\d\.json/);
    expect(fresh.out).toMatch(/^Not run: 697062 × grouped-analysis-py: .*no photometry/m);
    expect(fresh.out).toMatch(/697062 +grouped-analysis +started/); // behaviour only ("channels": {})
    // The SDK's lines are in results/worker.log; the terminal gets one line about them.
    expect(fresh.out).not.toMatch(/TMPRL1104|\u001b\[|\[(INFO|WARN)\]|Worker state changed/);
    expect(fresh.out).toMatch(/^\d+ slow workflow tasks? .*see .*results\/worker\.log$/m);
    expect(readFileSync(join(ROOT, 'results', 'worker.log'), 'utf8')).toContain('[TMPRL1104]');
    const freshTag = /grouped-analysis\/889451\/(sample-\d{8}T\d{6})\//.exec(fresh.out)?.[1];
    expect(freshTag, fresh.out).toBeDefined();

    const again = readme('npm start', 'npm start');
    expect(again.code).toBe(0);
    const rows = again.out.split('Summary')[1].split('\n').filter((l) => /^\d{6} /.test(l));
    expect(rows.length).toBe(16);
    expect(rows.every((l) => l.includes('already done'))).toBe(true);
    expect(again.out).toMatch(/^Not run: 697062 × grouped-analysis-py/m);
    // Both batches stay reachable from the index.
    const index = readFileSync(join(ROOT, 'results', 'outputs', 'index.html'), 'utf8');
    expect(index).toContain('href="batches/sample/');
    expect(index).toContain(`href="batches/${freshTag}/`);
  }, 600_000);

  it('jobs create on S3 and on a local folder', async () => {
    const s3 = readme('npm run cli -- jobs create s3://my-bucket/sessions -o job_dict --dry-run', `npm run cli -- jobs create ${s3Sessions} -o ${dir}/s3-jobs --dry-run`);
    expect(s3.code, s3.out).toBe(0);
    expect(s3.out).toMatch(/job_697062\.json +697062 +1 /);
    expect(existsSync(join(dir, 's3-jobs'))).toBe(false); // --dry-run writes nothing
    const synthetic = join(ROOT, '.cache', 'sample-data', 'synthetic-seed7');
    const local = readme(
      'npm run cli -- jobs create /data/sessions -o job_dict --min-sessions 3 --from 2025-01-01',
      `npm run cli -- jobs create ${synthetic} -o ${dir}/local-jobs --min-sessions 3 --from 2025-01-01`,
    );
    expect(local.code, local.out).toBe(0);
    expect((await readdir(join(dir, 'local-jobs'))).filter((f) => f.endsWith('.json'))).toHaveLength(3);
  }, 300_000);

  it('dispatch (dry run, then wait), result queries and operator scripts', () => {
    const dry = readme('npm run dispatch -- path/to/job_dict --parameters analysis_parameters.json --dry-run', `npm run dispatch -- ${dir}/job_dict --parameters ${dir}/analysis_parameters.json --dry-run`);
    expect(dry.code, dry.out).toBe(0);
    const key = /foraging-summary\/697062\/[^/]+\/([0-9a-f]{20})/.exec(dry.out)?.[1];
    expect(key, dry.out).toBeDefined();
    const wait = readme('npm run dispatch -- path/to/job_dict --parameters analysis_parameters.json --wait', `npm run dispatch -- ${dir}/job_dict --parameters ${dir}/analysis_parameters.json --wait`);
    expect(wait.code, wait.out).toBe(0);
    expect(wait.out).toMatch(/started/);

    const list = readme('npm run cli -- results list --subject 697062', `npm run cli -- results list --subject 697062 --analysis foraging-summary --tag ${tag} --status completed --since 2026-01-01 --json`);
    expect(list.code, list.out).toBe(0);
    expect(list.out).toContain(key);
    const show = readme('npm run cli -- results show', `npm run cli -- results show ${key!.slice(0, 8)}`);
    expect(show.out).toMatch(/^foraging-summary of 697062 \(tag readme-[0-9a-f]{8}\): completed$/m);
    const raw = readme('npm run cli -- results show', `npm run cli -- results show ${key!.slice(0, 8)} --json`);
    expect(raw.out).toContain('"status": "completed"');
    const get = readme('npm run cli -- results get', `npm run cli -- results get ${key!.slice(0, 8)} --out ${dir}/got`);
    expect(get.code, get.out).toBe(0);
    expect(existsSync(join(dir, 'got', 'summary.json'))).toBe(true);
    const status = readme('npm run cli -- results status --tag', `npm run cli -- results status --tag ${tag}`);
    expect(status.out).toMatch(/completed +1/);

    const runs = readme('bash scripts/ops/list-runs.sh 697062', `bash scripts/ops/list-runs.sh 697062 ${tag}`);
    expect(runs.out).toMatch(/Completed +foraging-summary\/697062/);
    const backfill = readme('bash scripts/ops/backfill.sh', `bash scripts/ops/backfill.sh ${dir}/job_dict ${dir}/analysis_parameters.json`);
    expect(backfill.out).toContain('already-done');
    for (const script of ['retry-failed.sh', 'terminate-tag.sh']) {
      const r = readme(`bash scripts/ops/${script}`, `bash scripts/ops/${script} ${tag}`);
      expect(r.code, r.out).toBe(0);
      expect(r.out).toContain('Started batch');
    }
  }, 600_000);

  it('ran every README command it claims to know', () => {
    expect([...ran].sort()).toEqual([...KNOWN].sort());
  });
});

/** README command prefixes this file runs. */
const KNOWN = [
  'npm start',
  'npm run worker',
  'npm run cli -- jobs create s3://my-bucket/sessions -o job_dict --dry-run',
  'npm run cli -- jobs create /data/sessions -o job_dict --min-sessions 3 --from 2025-01-01',
  'npm run dispatch -- path/to/job_dict --parameters analysis_parameters.json --dry-run',
  'npm run dispatch -- path/to/job_dict --parameters analysis_parameters.json --wait',
  'npm run cli -- results list --subject 697062',
  'npm run cli -- results show',
  'npm run cli -- results get',
  'npm run cli -- results status --tag',
  'bash scripts/ops/list-runs.sh 697062',
  'bash scripts/ops/backfill.sh',
  'bash scripts/ops/retry-failed.sh',
  'bash scripts/ops/terminate-tag.sh',
];
