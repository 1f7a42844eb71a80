import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodePartial, encodePartial } from '../../../src/analyses/codec.js';
import { foragingSummary } from '../../../src/analyses/foraging-summary/index.js';
import { openNwb } from '../../../src/nwb/open.js';
import { readSession } from '../../../src/nwb/session.js';

const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures', 'real-nwb');
const files = ['697062_2023-11-15_10-02-05.nwb', '697062_2023-11-14_11-12-44.nwb'];

async function partials(spec: ReturnType<typeof foragingSummary.parameters.schema.parse>) {
  const out = [];
  for (const f of files) {
    const source = await openNwb(join(FIXTURES, f));
    const session = await readSession(source, foragingSummary.sessionRequest(spec));
    await source.close();
    const { partial } = foragingSummary.perSession.run(session, spec, { subjectId: '697062', warn: () => {} });
    // What the group stage receives went through the cache's JSON codec.
    out.push({ uri: f, partial: decodePartial<typeof partial>(encodePartial(partial)) });
  }
  return out;
}

describe('foraging-summary plugin', () => {
  it('summarises sessions in date order, with rates equal to df_session', async () => {
    const spec = foragingSummary.parameters.schema.parse({});
    const warnings: string[] = [];
    const { files: out, summary } = await foragingSummary.group(await partials(spec), spec, { subjectId: '697062', warn: (m) => warnings.push(m) });
    expect(summary).toMatchObject({ subject_id: '697062', sessions: 2, first_session: '2023-11-14', last_session: '2023-11-15' });
    const csv = String(out.find((f) => f.name === "sessions.csv")!.body).split("\n");
    expect(csv[0]).toBe('ses_idx,session_date,task,total_trials,finished_trials,finished_rate,ignore_rate,reward_rate,foraging_efficiency,foraging_efficiency_random_seed,right_choice_fraction,in_learning_curve');
    // 2023-11-14: 342 trials, 246 finished, 15 earned rewards (the reference's df_session).
    expect(csv[1]).toMatch(/^697062_2023-11-14,2023-11-14,Coupled Baiting,342,246,0\.7192982456140351,0\.2807017543859649,0\.06097560975609756,/);
    expect(out.map((f) => f.name)).toEqual(expect.arrayContaining(['sessions.parquet', 'figures/learning_curve_697062.svg', 'figures/learning_curve_697062.png', 'summary.json']));
    expect(foragingSummary.summary.parse(summary)).toEqual(summary);
  });

  it('leaves sessions below min_finished_trials out of the learning curve, with a warning', async () => {
    const spec = foragingSummary.parameters.schema.parse({ min_finished_trials: 250 });
    const warnings: string[] = [];
    const { summary } = await foragingSummary.group(await partials(spec), spec, { subjectId: '697062', warn: (m) => warnings.push(m) });
    expect(summary.sessions_in_learning_curve).toBe(0);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/697062_2023-11-14: 246 finished trials < min_finished_trials 250/);
  });
});
