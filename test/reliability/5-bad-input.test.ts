// Scenario 5: garbage in. (a) Generated bad job and parameter files are refused by the
// dispatcher before anything starts, with a ValidationError naming the file, the JSON path and
// the fix (also through the real CLI: exit code 2). (b) Bad NWB sessions fail their own runs at
// once (non-retryable InvalidInput naming the file) while good mice in the same batch complete.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { planDispatch } from '../../src/client/dispatch.js';
import { ValidationError } from '../../src/schemas/errors.js';
import { badFile, GOOD_JOB, GOOD_PARAMS, type BadCase } from '../support/reliability/bad-files.js';
import type { Expected } from '../support/reliability/checks.js';
import { BAD_KINDS, foragingParams, jobOf, upload, writeBadMouse, writeJobFolder, type JobSpec } from '../support/reliability/data.js';
import { BUCKET } from '../support/reliability/env.js';
import { runCli } from '../support/reliability/processes.js';
import { suiteSeed } from '../support/reliability/random.js';
import { expectCompleted, openScenario, type Scenario, verdictColumns } from '../support/reliability/scenario.js';

const suite = inject('suite');
const BAD_FILES = suite.full ? 1000 : 100;

describe('bad input', () => {
  let sc: Scenario;
  beforeAll(async () => {
    sc = await openScenario(suite, 'bad-input');
  });
  afterAll(async () => {
    await sc?.close();
  });

  /** Writes the case's two files; returns their paths (the job is the only file of its folder). */
  const writeCase = async (dir: string, c: BadCase) => {
    await rm(dir, { recursive: true, force: true });
    await mkdir(join(dir, 'job_dict'), { recursive: true });
    const jobFile = join(dir, 'job_dict', 'job.json');
    const paramsFile = join(dir, 'analysis_parameters.json');
    await writeFile(jobFile, c.target === 'job' ? c.bytes : c.other);
    await writeFile(paramsFile, c.target === 'params' ? c.bytes : c.other);
    return { jobsDir: join(dir, 'job_dict'), jobFile, paramsFile, badFile: c.target === 'job' ? jobFile : paramsFile };
  };

  it(`${BAD_FILES} generated bad job / parameter files: each a ValidationError naming the file, the JSON path and the fix`, async () => {
    const t0 = Date.now();
    const seed = suiteSeed();
    const categories = new Map<string, number>();
    let refused = 0;
    const dir = join(sc.dir, 'fuzz');
    // Control: the valid pair every case starts from is accepted, so each refusal is the broken file's.
    const control = await writeCase(dir, { category: 'control', target: 'job', bytes: new TextEncoder().encode(JSON.stringify(GOOD_JOB)), other: new TextEncoder().encode(JSON.stringify(GOOD_PARAMS)) });
    expect(await planDispatch({ jobs: [control.jobsDir], parametersFile: control.paramsFile, codeVersion: suite.codeVersion, inputBuckets: [BUCKET] })).toHaveLength(1);
    await fc.assert(
      fc.asyncProperty(badFile, async (c) => {
        const f = await writeCase(dir, c);
        const err = await planDispatch({ jobs: [f.jobsDir], parametersFile: f.paramsFile, codeVersion: suite.codeVersion, inputBuckets: [BUCKET] }).then(
          () => new Error(`accepted: ${c.category}`),
          (e: unknown) => e,
        );
        if (!(err instanceof ValidationError)) throw new Error(`${c.category}: not a ValidationError: ${String(err)}`, { cause: err });
        for (const issue of err.issues) {
          expect([f.jobFile, f.paramsFile]).toContain(issue.file);
          expect(issue.jsonPath).toMatch(/^\$/);
          expect(issue.message.length).toBeGreaterThan(0);
          expect(issue.fix.length).toBeGreaterThan(0);
        }
        expect(err.issues.some((i) => i.file === f.badFile), `${c.category}: ${err.message.slice(0, 300)}`).toBe(true);
        expect(err.message).toContain('Fix: ');
        categories.set(c.category.replace(/ \(.*\)$/, ''), (categories.get(c.category.replace(/ \(.*\)$/, '')) ?? 0) + 1);
        refused++;
      }),
      { numRuns: BAD_FILES, seed, endOnFailure: false },
    );

    // The user-facing path: the CLI refuses with exit code 2 and names the file; nothing starts.
    const samples = fc.sample(badFile, { numRuns: 3, seed });
    const cli: number[] = [];
    for (const [i, c] of samples.entries()) {
      const f = await writeCase(join(sc.dir, `cli-${i}`), c);
      const r = await runCli(['dispatch', f.jobsDir, '--parameters', f.paramsFile], sc.env, join(sc.logDir, `dispatch-bad-${i}.log`), suite.pidsFile);
      expect(r.code, r.output).toBe(2);
      expect(r.output).toContain(f.badFile);
      expect(r.output).toContain('Fix: ');
      cli.push(r.code ?? -1);
    }
    const started: string[] = [];
    for await (const w of sc.client.workflow.list({ query: `TaskQueue = "${sc.config.temporal.taskQueue}"` })) started.push(w.workflowId);

    console.log(`bad files (seed ${seed}): ${[...categories].map(([k, n]) => `${k} ${n}`).join(', ')}`);
    sc.report({
      scenario: 'bad-input: job/parameter files',
      runs: refused,
      faults: `${refused} bad files (${categories.size} kinds), ${cli.length} via the CLI (exit 2)`,
      completed: `0 started (${refused} refused)`,
      recordsExpected: 0,
      recordsActual: await sc.db.collection('processing_records').countDocuments(),
      lostOutputs: 0,
      duplicates: 0,
      crashes: 0,
      passed: refused === BAD_FILES && started.length === 0,
    }, t0);
    expect(refused).toBe(BAD_FILES);
    expect(started).toEqual([]);
  });

  it('bad NWB sessions fail their runs non-retryably, naming the file; good mice in the batch complete', async () => {
    const t0 = Date.now();
    const worker = sc.worker('worker');
    await worker.start();
    const local = join(sc.dir, 'bad-nwb');
    const jobs: JobSpec[] = [];
    const expectedBad = new Map<string, string>();
    for (const [i, kind] of BAD_KINDS.entries()) {
      const m = await writeBadMouse(local, kind, i);
      const prefix = `inputs-bad/${m.subjectId}`;
      for (const s of m.sessions) await upload(sc.s3, BUCKET, join(local, m.subjectId, s), `${prefix}/${s}`);
      jobs.push({ subjectId: m.subjectId, locations: m.sessions.map((s) => `s3://${BUCKET}/${prefix}/${s}`) });
      expectedBad.set(m.subjectId, m.bad);
    }
    const good = suite.dataset.mice.slice(0, 2).map(jobOf);
    const { jobsDir, parametersFile } = await writeJobFolder(join(sc.dir, 'bad-nwb-jobs'), [...jobs, ...good], foragingParams('bad-nwb'));
    const planned = await sc.plan(jobsDir, parametersFile);
    expect((await sc.start(planned)).map((r) => r.status)).toEqual(planned.map(() => 'started'));
    const expected: Expected[] = planned.map((p) => {
      const badFile = expectedBad.get(p.input.subjectId);
      return badFile ? { workflowId: p.workflowId, dedupKey: p.input.dedupKey, outcome: { invalidInput: badFile } } : expectCompleted(p);
    });

    const v = await sc.verify(expected, 4 * 60_000);
    sc.report({
      scenario: 'bad-input: NWB sessions',
      runs: planned.length,
      faults: `${BAD_KINDS.length} bad NWB (${BAD_KINDS.join(', ')}) + ${good.length} good mice`,
      ...verdictColumns(v),
      crashes: worker.crashes.length,
      passed: v.problems.length === 0 && worker.crashes.length === 0,
    }, t0);
    expect(v.problems).toEqual([]);
    expect(worker.crashes).toEqual([]);
    expect(worker.alive).toBe(true);
    expect(v.completed).toBe(good.length);
    expect(v.failedAsExpected).toBe(BAD_KINDS.length);
  });
});
