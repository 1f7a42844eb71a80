// planDispatch on job files with unknown fields (issue 25, item 1): refused before anything starts,
// unless --allow-unknown-fields, which ignores them with a warning and keeps the key unchanged.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { planDispatch } from '../../../src/client/dispatch.js';
import { ValidationError } from '../../../src/schemas/errors.js';

const JOB = { s3_location: ['s3://bucket-a/behavior_700001_2025-01-02_10-00-00'], distributed_parameters: { min_finished_trials: 10 } };
let dir: string;
const file = (name: string) => join(dir, name);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ga-dispatch-plan-'));
  await writeFile(file('plain.json'), JSON.stringify(JOB));
  // The override misspelt: it used to be dropped silently, with the same key as without it.
  await writeFile(file('typo.json'), JSON.stringify({ s3_location: JOB.s3_location, distributed_paramters: JOB.distributed_parameters }));
  await writeFile(file('extra.json'), JSON.stringify({ ...JOB, priority: 3 }));
  await writeFile(file('params-typo.json'), JSON.stringify({ analysis_parameter: { analysis_name: 'foraging-summary' }, fixed_paramters: {} }));
});

const plan = (jobs: string[], more: { allowUnknownFields?: boolean; parametersFile?: string } = {}) =>
  planDispatch({ jobs, codeVersion: 'v1.0.0', analysis: 'foraging-summary', ...more });

async function refusal(p: Promise<unknown>): Promise<ValidationError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  if (e instanceof ValidationError) return e;
  throw new Error(`expected a ValidationError, got ${String(e)}`);
}

describe('planDispatch and unknown job fields', () => {
  it('refuses a job file with an unknown field, naming the file, the path and the nearest known field', async () => {
    const e = await refusal(plan([file('plain.json'), file('typo.json')]));
    expect(e.issues).toHaveLength(1);
    expect(e.file).toBe(file('typo.json'));
    expect([e.jsonPath, e.code]).toEqual(['$.distributed_paramters', 'value.unknown_field']);
    expect(e.fix).toMatch(/did you mean "distributed_parameters"/);
  });

  it('with allowUnknownFields plans it, warns about the ignored field, and the key is that of the job without it', async () => {
    const [plain] = await plan([file('plain.json')]);
    const [extra] = await plan([file('extra.json')], { allowUnknownFields: true });
    expect(extra.input.dedupKey).toBe(plain.input.dedupKey);
    expect(extra.warnings).toEqual([`${file('extra.json')}: $.priority: unknown field ignored (--allow-unknown-fields)`]);
    await expect(plan([file('extra.json')])).rejects.toMatchObject({ jsonPath: '$.priority', code: 'value.unknown_field' });
  });

  it('refuses unknown top-level fields of the parameters file, with or without allowUnknownFields', async () => {
    for (const allowUnknownFields of [false, true]) {
      const e = await refusal(plan([file('plain.json')], { parametersFile: file('params-typo.json'), allowUnknownFields }));
      expect([e.file, e.jsonPath, e.code]).toEqual([file('params-typo.json'), '$.fixed_paramters', 'value.unknown_field']);
      expect(e.fix).toMatch(/did you mean "fixed_parameters"/);
    }
  });
});
