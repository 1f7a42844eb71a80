// Scenario 6 (runs last): security.
//  - Containment: runs started by hand (past the dispatcher) that would read another bucket, a
//    local file outside GA_DATA_ROOT, a "../" S3 key, or write outside the results prefix fail at
//    once as non-retryable InvalidInput, and nothing is written outside the configured prefix.
//  - Secrets: every scenario ran with recognisable fake secrets (AWS secret, MongoDB password in
//    the URI, Temporal API key); none appears in any log, record, workflow history / memo /
//    search attribute, stored object or server data file. Bad configuration never echoes them.
//  - Every listening socket of the suite's servers and workers is on 127.0.0.1.
import { execFile } from 'node:child_process';
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { planDispatch } from '../../src/client/dispatch.js';
import { ValidationError } from '../../src/schemas/errors.js';
import { analysisWorkflow } from '../../src/workflows/analysis.js';
import { activityAttempts, listKeys, waitClosed, type Expected } from '../support/reliability/checks.js';
import { foragingParams, upload, writeJobFolder } from '../support/reliability/data.js';
import { BUCKET, OTHER_BUCKET, type SuiteInfo } from '../support/reliability/env.js';
import { runCli } from '../support/reliability/processes.js';
import { openScenario, type Scenario, verdictColumns } from '../support/reliability/scenario.js';
import { SecretScanner } from '../support/reliability/secrets.js';

const suite = inject('suite');
const exec = promisify(execFile);

/** Listening TCP sockets of these process groups: [address:port, pid]. */
async function listeningSockets(groups: number[]): Promise<{ address: string; pid: number }[]> {
  const { stdout: ps } = await exec('ps', ['-eo', 'pid=,pgid=']);
  const pids = new Set(
    ps
      .split('\n')
      .map((l) => l.trim().split(/\s+/).map(Number))
      .filter(([, pgid]) => groups.includes(pgid))
      .map(([pid]) => pid),
  );
  const { stdout } = await exec('ss', ['-ltnpH']);
  const out: { address: string; pid: number }[] = [];
  for (const line of stdout.split('\n')) {
    const cols = line.trim().split(/\s+/);
    for (const m of line.matchAll(/pid=(\d+)/g)) if (pids.has(Number(m[1]))) out.push({ address: cols[3], pid: Number(m[1]) });
  }
  return out;
}

const serverGroups = async (s: SuiteInfo) =>
  Promise.all(['temporal', 'ferretdb', 'seaweedfs'].map(async (n) => Number((await readFile(join(s.stateDir, `${n}.pid`), 'utf8')).trim())));

describe('security', () => {
  let sc: Scenario;
  const dataRoot = join(suite.stateDir, 'scenarios', 'security', 'data-root');
  beforeAll(async () => {
    await mkdir(dataRoot, { recursive: true });
    sc = await openScenario(suite, 'security', { GA_DATA_ROOT: dataRoot });
  });
  afterAll(async () => {
    await sc?.close();
  });

  it('runs cannot read or write outside the configured buckets, prefix and data root', async () => {
    const t0 = Date.now();
    const worker = sc.worker('worker');
    await worker.start();
    const mouse = suite.dataset.mice[0];
    const session = mouse.sessions[0];
    // A valid session in a bucket the workers may not read, and one on disk outside the data root.
    await upload(sc.s3, OTHER_BUCKET, join(mouse.dir, session), `inputs/${mouse.subjectId}/${session}`);
    const outside = join(suite.stateDir, 'scenarios', 'security', 'outside');
    await mkdir(outside, { recursive: true });
    await copyFile(join(mouse.dir, session), join(outside, session));
    const otherBefore = await listKeys(sc.s3, '', OTHER_BUCKET);

    const attempts = {
      'another bucket': `s3://${OTHER_BUCKET}/inputs/${mouse.subjectId}/${session}`,
      'outside GA_DATA_ROOT': join(outside, session),
      '".." in an S3 key': `s3://${BUCKET}/inputs/../../${OTHER_BUCKET}/inputs/${mouse.subjectId}/${session}`,
    };
    const expected: Expected[] = [];
    const dispatcherRefused: string[] = [];
    for (const [i, [label, location]] of Object.entries(attempts).entries()) {
      // The dispatcher refuses what it can see (buckets, ".."); local roots are the worker's check.
      const bad = await writeJobFolder(join(sc.dir, `attempt-${i}`), [{ subjectId: mouse.subjectId, locations: [location] }], foragingParams(`security-${i}`));
      const refused = await sc.plan(bad.jobsDir, bad.parametersFile).then(() => undefined, (e: unknown) => e);
      if (refused !== undefined) {
        expect(refused, label).toBeInstanceOf(ValidationError);
        expect((refused as ValidationError).jsonPath).toBe('$.s3_location[0]');
        dispatcherRefused.push(label);
      }
      // Past the dispatcher (a run started by hand with that location): the worker refuses, for good.
      const ok = await writeJobFolder(join(sc.dir, `template-${i}`), [{ subjectId: mouse.subjectId, locations: [`s3://${BUCKET}/inputs/${mouse.subjectId}/${session}`] }], foragingParams(`security-${i}`));
      const [t] = await planDispatch({ jobs: [ok.jobsDir], parametersFile: ok.parametersFile, codeVersion: suite.codeVersion });
      const p = { ...t, input: { ...t.input, inputs: { locations: [location] } } };
      expect((await sc.start([p])).map((r) => r.status)).toEqual(['started']);
      // Refused while resolving its inputs; its key is not that of its (changed) input, so no
      // valid record can be written either: none is.
      expected.push({ workflowId: p.workflowId, dedupKey: p.input.dedupKey, outcome: { invalidInput: location, noRecord: true } });
    }
    expect(dispatcherRefused).toEqual(['another bucket', '".." in an S3 key']);

    // A run whose key would put its outputs (and record) outside the results prefix.
    const template = await writeJobFolder(join(sc.dir, 'escape'), [{ subjectId: mouse.subjectId, locations: [`s3://${BUCKET}/inputs/${mouse.subjectId}/${session}`] }], foragingParams('security-escape'));
    const [t] = await sc.plan(template.jobsDir, template.parametersFile);
    const escapeId = `foraging-summary/${mouse.subjectId}/security-escape/escape`;
    await sc.client.workflow.start(analysisWorkflow, {
      taskQueue: sc.config.temporal.taskQueue,
      workflowId: escapeId,
      args: [{ ...t.input, dedupKey: `../../${OTHER_BUCKET}/escaped` }],
    });
    await waitClosed(sc.client, [escapeId], 3 * 60_000);
    const escape = await sc.client.workflow.getHandle(escapeId).result().catch((e: unknown) => e);
    const escapeCause = escape instanceof WorkflowFailedError ? (escape.cause as { cause?: { type?: string; nonRetryable?: boolean } }).cause : undefined;
    const escapeAttempts = await activityAttempts(sc.client, escapeId);

    const v = await sc.verify(expected, 3 * 60_000);
    const otherAfter = await listKeys(sc.s3, '', OTHER_BUCKET);
    // Everything in the suite's bucket is an input the tests put there or under a scenario's results prefix.
    const strays = (await listKeys(sc.s3, '')).filter((o) => !/^(inputs|inputs-bad)\//.test(o.key) && !/^results\/[a-z-]+\//.test(o.key));
    sc.report(
      {
        scenario: 'security: containment',
        runs: expected.length + 1,
        faults: `${Object.keys(attempts).length} reads outside (other bucket, outside data root, "../" key) + 1 write outside (key "../"); dispatcher refused ${dispatcherRefused.length}`,
        ...verdictColumns(v),
        completed: `0 (${v.failedAsExpected + (escapeCause?.type === 'InvalidInput' ? 1 : 0)} refused as InvalidInput)`,
        crashes: worker.crashes.length,
        passed: v.problems.length === 0 && worker.crashes.length === 0 && escapeCause?.type === 'InvalidInput' && strays.length === 0,
      },
      t0,
    );
    expect(v.problems).toEqual([]);
    expect(v.failedAsExpected).toBe(Object.keys(attempts).length);
    expect(escapeCause).toMatchObject({ type: 'InvalidInput', nonRetryable: true });
    // Refused once by the resolver, and its failure record (its location is made from the key) once.
    expect(escapeAttempts.map(({ type, attempt }) => ({ type, attempt }))).toEqual([
      { type: 'resolveInputs', attempt: 1 },
      { type: 'writeRecord', attempt: 1 },
    ]);
    expect(otherAfter).toEqual(otherBefore);
    expect(strays).toEqual([]);
    expect(worker.crashes).toEqual([]);
  });

  it('no secret in any log, record, history, memo, search attribute, object or server data file; servers listen on 127.0.0.1 only', async () => {
    const t0 = Date.now();
    const worker = sc.worker('worker-2');
    await worker.start();

    // Bad configuration is reported by variable, never by value.
    const badConfig = await runCli(
      ['worker'],
      {
        ...sc.env,
        AWS_SECRET_ACCESS_KEY: `${suite.secrets.awsSecret} x`,
        TEMPORAL_API_KEY: `${suite.secrets.temporalApiKey} x`,
        MONGODB_URI: `mongodb://u:${suite.secrets.mongoPassword}@bad host/`,
      },
      join(sc.logDir, 'bad-config.log'),
      suite.pidsFile,
    );
    expect(badConfig.code, badConfig.output).toBe(2);
    for (const v of ['AWS_SECRET_ACCESS_KEY', 'TEMPORAL_API_KEY', 'MONGODB_URI']) expect(badConfig.output).toContain(v);

    const scanner = new SecretScanner(suite.secrets);
    // Positive control: the scanner does see a secret where one is (the servers' env file).
    const control = new SecretScanner(suite.secrets);
    await control.files('control', suite.stateDir, (p) => p === join(suite.stateDir, 'env'));
    expect(control.findings.map((f) => f.secret)).toContain('awsSecret');

    // What the product wrote: worker and CLI logs of every scenario (not the servers' own logs).
    await scanner.files('logs', join(suite.stateDir, 'logs'), (p) => !/\/logs\/[a-z]+\.log$/.test(p));
    const workerLogs = (await Promise.all(sc.workers.map((w) => readFile(w.logFile, 'utf8')))).join('\n');
    expect(workerLogs).toContain('"msg":"worker started"');
    expect(workerLogs).toContain('ga-reliability:***@'); // the URI is logged, redacted
    await scanner.records(sc.mongo);
    const histories = await scanner.temporal(sc.client);
    await scanner.objects(sc.s3, BUCKET, 'results/');
    await scanner.objects(sc.s3, OTHER_BUCKET);
    // The servers' data files, raw: whatever was stored, however it is encoded in there.
    await scanner.files('server data', join(suite.stateDir, 'temporal'));
    await scanner.files('server data', join(suite.stateDir, 'ferretdb'));

    const sockets = await listeningSockets([...(await serverGroups(suite)), ...sc.workers.filter((w) => w.alive).map((w) => w.pid!)]);
    const exposed = sockets.filter((s) => !/^(127\.0\.0\.1|\[::ffff:127\.0\.0\.1\]|\[::1\]):\d+$/.test(s.address));
    const counts = Object.entries(scanner.scanned).map(([k, n]) => `${n} ${k}`).join(', ');
    console.log(`secret scan: ${counts} (${(scanner.bytes / 1e6).toFixed(0)} MB, ${histories} executions); ${sockets.length} listening sockets`);
    sc.report(
      {
        scenario: 'security: secrets, binding',
        runs: histories,
        faults: `3 fake secrets in every scenario; scanned ${counts}; ${sockets.length} sockets checked`,
        completed: '-',
        recordsExpected: 0,
        recordsActual: 0,
        lostOutputs: 0,
        duplicates: 0,
        crashes: worker.crashes.length,
        passed: scanner.findings.length === 0 && exposed.length === 0 && sockets.length > 0 && worker.crashes.length === 0,
      },
      t0,
    );
    expect(badConfig.output).not.toContain(suite.secrets.awsSecret);
    expect(badConfig.output).not.toContain(suite.secrets.mongoPassword);
    expect(badConfig.output).not.toContain(suite.secrets.temporalApiKey);
    expect(scanner.findings).toEqual([]);
    expect(scanner.scanned['workflow histories']).toBeGreaterThan(0);
    expect(scanner.scanned.records).toBeGreaterThan(0);
    expect(scanner.scanned.objects).toBeGreaterThan(0);
    expect(scanner.scanned.logs).toBeGreaterThan(0);
    // Each server and the worker were found listening, all on the loopback interface.
    expect(new Set(sockets.map((s) => s.pid)).size).toBeGreaterThanOrEqual(3);
    expect(exposed).toEqual([]);
    expect(worker.crashes).toEqual([]);
  });
});
