// The grouped photometry plugin on the real Zarr fixture (two photometry channels, 725 trials)
// and on edge-case sessions made from it in memory.
import { beforeAll, describe, expect, it } from 'vitest';
import { decodePartial, encodePartial } from '../../../../src/analyses/codec.js';
import { AnalysisInputError, type AnalysisContext, type OutputFile, type SessionOutput } from '../../../../src/analyses/define.js';
import { groupedPhotometry } from '../../../../src/analyses/grouped-photometry/index.js';
import type { SessionPartial } from '../../../../src/analyses/grouped-photometry/session.js';
import type { GroupedPhotometrySpec } from '../../../../src/analyses/grouped-photometry/spec.js';
import { openNwb } from '../../../../src/nwb/open.js';
import { readSession, type LoadedSession, type TimeSeries } from '../../../../src/nwb/session.js';
import type { Column } from '../../../../src/nwb/types.js';
import { HDF5_A, HDF5_B, ZARR } from '../../nwb/fixtures.js';
import { QCH_BIN_LABELS, RPE_BIN_LABELS } from '../../../../src/science/bins.js';
import { parquetMetadata } from 'hyparquet';
import { bodyBytes, fileBuffer, parquetRows as rowsOf } from '../../../support/outputs.js';
import { dictionaryPages } from '../../tables/parquet-dictionary.js';

const SUBJECT = '717531';
const DATE = '2024-08-07';
const spec = groupedPhotometry.parameters.schema.parse({
  channels: { G_1: 'NAc', G_2: 'VTA' },
  preprocessing: 'preprocessed',
  plot_types: ['avg_lastN_sess', 'all_sess', 'weekly'],
});

function context(): AnalysisContext & { warnings: string[] } {
  const warnings: string[] = [];
  return { subjectId: SUBJECT, warnings, warn: (m) => warnings.push(m) };
}

// ---- edge-case sessions, derived from the real one in memory ----

function withDate(s: LoadedSession, date: string): LoadedSession {
  return {
    ...s,
    metadata: {
      ...s.metadata,
      sessionId: s.metadata.sessionId.replace(DATE, date),
      sessionStartTime: s.metadata.sessionStartTime.replace(DATE, date),
    },
  };
}

function withTrialColumns(s: LoadedSession, columns: Record<string, Column>): LoadedSession {
  return { ...s, trials: { ...s.trials, data: { ...s.trials.data, ...columns } } };
}

const emptySeries = (name: string): TimeSeries => ({
  name,
  timestamps: new Float64Array(0),
  data: { kind: 'number', dtype: 'float64', values: new Float64Array(0) },
});

function withoutEvents(s: LoadedSession, names: string[]): LoadedSession {
  return { ...s, events: { ...s.events, ...Object.fromEntries(names.map((n) => [n, emptySeries(n)])) } };
}

function withPhotometry(s: LoadedSession, keep: string[]): LoadedSession {
  return { ...s, photometry: Object.fromEntries(Object.entries(s.photometry).filter(([k]) => keep.includes(k))) };
}

/** The first `n` trials only (a shorter session). */
function truncated(s: LoadedSession, n: number): LoadedSession {
  const data = Object.fromEntries(
    Object.entries(s.trials.data).map(([k, c]): [string, Column] => {
      switch (c.kind) {
        case 'vector':
          return [k, { ...c, values: c.values.slice(0, n * c.width) }];
        case 'number':
          return [k, { ...c, values: c.values.slice(0, n) }];
        case 'bool':
          return [k, { ...c, values: c.values.slice(0, n) }];
        case 'string':
          return [k, { ...c, values: c.values.slice(0, n) }];
        case 'mixed':
          return [k, { ...c, values: c.values.slice(0, n) }];
      }
    }),
  );
  return { ...s, trials: { ...s.trials, rowCount: n, data } };
}

const zeros = (n: number): Column => ({ kind: 'bool', values: new Uint8Array(n) });
const REWARD_EVENTS = ['left_reward_delivery_time', 'right_reward_delivery_time'];
const LICK_EVENTS = ['left_lick_time', 'right_lick_time'];

async function parquetRows(file: OutputFile | undefined): Promise<Record<string, unknown>[]> {
  expect(file).toBeDefined();
  return rowsOf(file!.body);
}

const byName = (files: readonly OutputFile[] | undefined, suffix: string) => files?.find((f) => f.name.endsWith(suffix));

describe('grouped photometry plugin on the real Zarr session', () => {
  let session: LoadedSession;
  let out: SessionOutput<SessionPartial>;
  let warnings: string[];

  beforeAll(async () => {
    session = await readSession(await openNwb(ZARR), groupedPhotometry.sessionRequest(spec));
    const ctx = context();
    out = groupedPhotometry.perSession.run(session, spec, ctx);
    warnings = ctx.warnings;
  }, 60_000);

  it('asks the loader for the preprocessed series of each channel and all events', () => {
    expect(groupedPhotometry.sessionRequest(spec)).toEqual({ channels: ['G_1_preprocessed', 'G_2_preprocessed'], missingChannels: 'skip' });
    const raw = groupedPhotometry.parameters.schema.parse({ channels: { G_1: 'NAc' }, preprocessing: 'raw' });
    expect(groupedPhotometry.sessionRequest(raw).channels).toEqual(['G_1']);
  });

  it('fits the model, enriches trials and measures both channels', () => {
    const p = out.partial;
    expect(p.sesIdx).toBe(`${SUBJECT}_${DATE}`);
    expect(p.totalTrials).toBe(725);
    expect(p.finishedTrials).toBe(672);
    expect(p.model?.name).toBe('QLearning_L2F1_CKfull_softmax');
    expect(p.model?.n_trials).toBe(672);
    expect(p.modelWarning).toBeNull();
    expect(Object.keys(p.channels)).toEqual(['G_1', 'G_2']);
    const g1 = p.channels.G_1;
    expect(g1.avgColumn).toBe('avg_data_z_norm_G_1_preprocessed_choice_time');
    expect(g1.slopes?.pos.n).toBeGreaterThan(50);
    expect(g1.slopes?.neg.n).toBeGreaterThan(50);
    expect(Number.isFinite(g1.slopes!.pos.slope)).toBe(true);
    // The recording stops ~11 min before the last go cue: those trials have no baseline.
    expect(g1.baselineZ[724]).toBeNaN();
    expect(g1.baselineZ.filter(Number.isFinite).length).toBeGreaterThan(600);
    // PSTH aggregates count the events averaged: the 672 finished trials less the 83 after the
    // recording's end (no signal); ignores have no choice time, so nothing of theirs is averaged.
    const [left, right, ignore] = g1.psth.choice;
    expect(left!.events + right!.events).toBe(589);
    expect(left!.mean).toHaveLength(201);
    expect(ignore).toBeNull();
    expect(warnings.every((w) => w.startsWith(`${SUBJECT}_${DATE}: `))).toBe(true);
  });

  it('keeps the partial small and lossless through the codec', () => {
    const bytes = encodePartial(out.partial);
    console.log(`partial of the real Zarr session: ${bytes.length} bytes`);
    expect(bytes.length).toBeLessThan(400_000);
    expect(encodePartial(decodePartial(bytes))).toEqual(bytes);
    expect(decodePartial(bytes)).toEqual(out.partial);
  });

  it('writes pandas-named per-session tables', async () => {
    expect(out.files?.map((f) => f.name)).toEqual([
      `sessions/${SUBJECT}_${DATE}/df_trials.parquet`,
      `sessions/${SUBJECT}_${DATE}/df_events.parquet`,
      `sessions/${SUBJECT}_${DATE}/df_fip.parquet`,
    ]);
    const trials = await parquetRows(byName(out.files, 'df_trials.parquet'));
    expect(trials).toHaveLength(725);
    for (const c of [
      'trial', 'ses_idx', 'choice_time_in_session', 'earned_reward', 'Q_left', 'Q_chosen', 'RPE_earned', 'RPE_all',
      'Cprobstay', 'K_chosen', 'goCue_start_time_next_in_session', 'data_G_1_baseline', 'data_z_G_2_baseline',
      'reward_all', 'rewarded_prev', 'num_reward_past', 'RPE-binned3', 'Qch-binned3', 'stay', 'switch',
      'response_time', 'avg_data_z_norm_G_1_preprocessed_choice_time',
    ]) {
      expect(trials[0], c).toHaveProperty(c);
    }
    const fip = await parquetRows(byName(out.files, 'df_fip.parquet'));
    expect(Object.keys(fip[0])).toEqual([
      'timestamps', 'data', 'event', 'raw_timestamps', 'ses_idx', 'data_z', 'data_norm', 'data_z_norm',
    ]);
    expect(new Set(fip.map((r) => r.event))).toEqual(new Set(['G_1_preprocessed', 'G_2_preprocessed']));
    const events = await parquetRows(byName(out.files, 'df_events.parquet'));
    expect(Object.keys(events[0])).toEqual(['timestamps', 'data', 'data_text', 'event', 'raw_timestamps', 'trial', 'ses_idx']);
    expect(new Set(events.map((e) => e.data))).toEqual(new Set([1])); // this older file's data are all 1.0
    expect(new Set(events.map((e) => e.data_text))).toEqual(new Set([null]));
    // every session declares the same categories, in bin-edge order, whichever occur
    expect(dictionaryPages(byName(out.files, 'df_trials.parquet')!.body, 'RPE-binned3')).toEqual([RPE_BIN_LABELS]);
    expect(dictionaryPages(byName(out.files, 'df_trials.parquet')!.body, 'Qch-binned3')).toEqual([QCH_BIN_LABELS]);
    expect(new Set(trials.map((t) => typeof t.left_reward_type))).toEqual(new Set(['string', 'object'])); // "1.0" or null
  });

  it('groups one session into tables, figures and a summary', async () => {
    const ctx = context();
    const g = await groupedPhotometry.group([{ uri: 'file:///a.nwb', partial: out.partial }], spec, ctx);
    const names = g.files.map((f) => f.name);
    for (const n of [
      'rpe_slope.csv', 'rpe_slope.parquet', 'sessions.csv', 'sessions.parquet', 'summary.json',
      'figures/avg_signal_717531.svg', 'figures/avg_signal_717531.png',
      'figures/all_sess_PSTH_717531_G_1_NAc.svg', 'figures/all_sess_PSTH_717531_G_2_VTA.png',
      'figures/weekly_717531_G_1.svg', 'figures/behavior_717531.png',
    ]) {
      expect(names).toContain(n);
    }
    // Figures are drawn two at a time, but their files come in the order of summary.figures.
    expect(names.filter((n) => n.startsWith('figures/'))).toEqual(g.summary.figures.flatMap((f) => [`figures/${f}.svg`, `figures/${f}.png`]));
    const csv = String(byName(g.files, 'rpe_slope.csv')!.body).split('\n');
    expect(csv[0]).toBe(',subject_id,date,channel,slope (RPE >= 0),slope (RPE < 0)');
    expect(csv[1]).toMatch(/^0,717531,2024-08-07,G_1_preprocessed,-?\d/);
    expect(groupedPhotometry.summary.parse(g.summary)).toEqual(g.summary);
    expect(g.summary.counts).toMatchObject({ sessions_used: 1, sessions_with_photometry: 1, slope_rows: 2 });
    expect(g.summary.slopes[0].slope_rpe_pos).toBe(out.partial.channels.G_1.slopes!.pos.slope);
    const svg = Buffer.from(bodyBytes(byName(g.files, 'avg_signal_717531.svg')!.body)).toString('utf8');
    expect(svg).toContain('subject 717531');
    expect(svg).toContain('time from choice time (s)');
  }, 60_000);

  it('is deterministic: same input, identical bytes of every output', async () => {
    const again = groupedPhotometry.perSession.run(session, spec, context());
    expect(encodePartial(again.partial)).toEqual(encodePartial(out.partial));
    expect(again.files?.map((f) => Buffer.from(bodyBytes(f.body)).toString('base64'))).toEqual(
      out.files?.map((f) => Buffer.from(bodyBytes(f.body)).toString('base64')),
    );
    const inputs = [{ uri: 'a', partial: out.partial }];
    const [g1, g2] = [await groupedPhotometry.group(inputs, spec, context()), await groupedPhotometry.group(inputs, spec, context())];
    expect(g2.files.map((f) => f.name)).toEqual(g1.files.map((f) => f.name));
    g1.files.forEach((f, i) => expect(Buffer.compare(bodyBytes(f.body), bodyBytes(g2.files[i].body)), f.name).toBe(0));
  }, 120_000);

  describe('edge cases', () => {
    it('a session without photometry: behaviour only, with a warning per channel', async () => {
      const ctx = context();
      const r = groupedPhotometry.perSession.run(withDate(withPhotometry(session, []), '2024-08-08'), spec, ctx);
      expect(r.partial.channels).toEqual({});
      expect(r.partial.missingChannels.map((c) => c.series)).toEqual(['G_1_preprocessed', 'G_2_preprocessed']);
      expect(ctx.warnings.some((w) => w.includes('G_2_preprocessed is not in this session'))).toBe(true);
      expect(r.files?.map((f) => f.name.split('/').pop())).toEqual(['df_trials.parquet', 'df_events.parquet']);
      const g = await groupedPhotometry.group([{ uri: 'b', partial: r.partial }], spec, context());
      expect(g.summary.figures).toEqual(['behavior_717531']);
      expect(g.summary.counts.sessions_with_photometry).toBe(0);
      expect(g.summary.channels[0].missing_in).toEqual(['717531_2024-08-08']);
    }, 60_000);

    it('a channel missing in one session; duplicate same-day sessions keep the one with more finished trials', async () => {
      const oneChannel = groupedPhotometry.perSession.run(
        withDate(withPhotometry(session, ['G_1_preprocessed']), '2024-08-15'),
        spec,
        context(),
      );
      expect(Object.keys(oneChannel.partial.channels)).toEqual(['G_1']);
      const short = groupedPhotometry.perSession.run(truncated(session, 300), spec, context());
      expect(short.partial.sesIdx).toBe(out.partial.sesIdx);
      expect(short.partial.finishedTrials).toBeLessThan(out.partial.finishedTrials);
      // F1 fixed: the last trial of a session (here inside the recording) has its window.
      expect(short.partial.channels.G_1.baselineZ[299]).toBe(out.partial.channels.G_1.baselineZ[299]);
      expect(Number.isFinite(short.partial.channels.G_1.baselineZ[299])).toBe(true);

      const ctx = context();
      const g = await groupedPhotometry.group(
        [
          { uri: 'z-later.nwb', partial: oneChannel.partial },
          { uri: 'a-short.nwb', partial: short.partial },
          { uri: 'b-full.nwb', partial: out.partial },
        ],
        spec,
        ctx,
      );
      expect(g.summary.sessions.map((s) => [s.uri, s.week_interval])).toEqual([
        ['b-full.nwb', 1],
        ['z-later.nwb', 2],
      ]);
      expect(g.summary.sessions_skipped).toHaveLength(1);
      expect(g.summary.sessions_skipped[0]).toMatchObject({ uri: 'a-short.nwb', ses_idx: '717531_2024-08-07' });
      expect(g.summary.sessions_skipped[0].reason).toMatch(/more finished trials/);
      expect(g.summary.channels.map((c) => [c.key, c.sessions, c.missing_in])).toEqual([
        ['G_1', 2, []],
        ['G_2', 1, ['717531_2024-08-15']],
      ]);
      // rpe_slope: G_1 for both sessions, G_2 for the first only, in channel then date order.
      expect(g.summary.slopes.map((s) => [s.channel, s.date])).toEqual([
        ['G_1_preprocessed', '2024-08-07'],
        ['G_1_preprocessed', '2024-08-15'],
        ['G_2_preprocessed', '2024-08-07'],
      ]);
      expect(g.summary.figures).toContain('weekly_717531_G_2');
    }, 120_000);

    it('zero rewarded trials: RPE never positive, rewarded traces empty, slopes NaN', () => {
      const n = session.trials.rowCount;
      const noRewards = withoutEvents(
        withTrialColumns(session, { rewarded_historyL: zeros(n), rewarded_historyR: zeros(n) }),
        REWARD_EVENTS,
      );
      const ctx = context();
      const r = groupedPhotometry.perSession.run(noRewards, spec, ctx);
      const p = r.partial;
      expect(p.trials.earnedReward.every((e) => e === 0)).toBe(true);
      expect(p.trials.rpeEarned.every((x) => !(x > 0))).toBe(true);
      const g1 = p.channels.G_1;
      expect(g1.psth.reward[0]).toBeNull(); // rewarded
      expect(g1.psth.reward[1]!.events).toBe(589); // every finished trial with signal; ignored ones have none at choice
      // Q stays 0 without rewards: RPE = 0 on every finished trial, so no slope either side.
      expect(g1.slopes?.pos.slope).toBeNaN();
      expect(g1.slopes?.neg.n).toBe(0);
    }, 60_000);

    it('all trials ignored: no fit (warned), model columns NaN, no slope rows', async () => {
      const n = session.trials.rowCount;
      const ignored = withoutEvents(
        withTrialColumns(session, {
          animal_response: { kind: 'number', dtype: 'float64', values: new Float64Array(n).fill(2) },
          rewarded_historyL: zeros(n),
          rewarded_historyR: zeros(n),
        }),
        [...REWARD_EVENTS, ...LICK_EVENTS],
      );
      const ctx = context();
      const r = groupedPhotometry.perSession.run(ignored, spec, ctx);
      expect(r.partial.finishedTrials).toBe(0);
      expect(r.partial.model).toBeNull();
      expect(r.partial.modelWarning).toMatch(/0 finished trials < 50/);
      expect(ctx.warnings.some((w) => w.includes('not fitted'))).toBe(true);
      expect(r.partial.trials.rProb.every(Number.isNaN)).toBe(true);
      expect(r.partial.channels.G_1.slopes).toBeNull();
      const g = await groupedPhotometry.group([{ uri: 'x', partial: r.partial }], spec, context());
      expect(g.summary.slopes).toEqual([]);
      expect(String(byName(g.files, 'rpe_slope.csv')!.body)).toBe(',subject_id,date,channel,slope (RPE >= 0),slope (RPE < 0)\n');
    }, 60_000);

    it('last N: with only avg_lastN_sess asked for, only the last N sessions are analysed (F2 fixed)', async () => {
      const later = structuredClone(out.partial);
      later.sesIdx = `${SUBJECT}_2024-08-20`;
      later.sessionDate = '2024-08-20';
      const lastOnly = groupedPhotometry.parameters.schema.parse({ ...spec, plot_types: 'avg_lastN_sess', last_N_sess: 1 });
      const g = await groupedPhotometry.group(
        [
          { uri: 'first', partial: out.partial },
          { uri: 'second', partial: later },
        ],
        lastOnly,
        context(),
      );
      expect(g.summary.sessions.map((s) => s.ses_idx)).toEqual([`${SUBJECT}_2024-08-20`]);
      expect(g.summary.sessions_skipped[0]).toMatchObject({ uri: 'first', reason: expect.stringMatching(/last 1 sessions/) });
      expect(g.summary.figures).toEqual(['avg_signal_717531', 'behavior_717531']);
    }, 60_000);

    it('uses fitted parameters from a fit_source file: same latents as our fit at those parameters', () => {
      const location = 's3://bucket/fits.json';
      const fromFile = groupedPhotometry.parameters.schema.parse({ ...spec, fit_source: location });
      expect(groupedPhotometry.resources?.(fromFile)).toEqual([location]);
      const fits = [{ ses_idx: out.partial.sesIdx, params: out.partial.model!.params, n_trials: out.partial.model!.n_trials }];
      const withFile = (body: unknown) => ({ ...context(), resources: { [location]: new TextEncoder().encode(JSON.stringify(body)) } });
      const r = groupedPhotometry.perSession.run(session, fromFile, withFile(fits));
      expect(r.partial.model).toEqual(out.partial.model);
      expect(r.partial.modelWarning).toBeNull();
      // Keyed by file name instead of a list, too; a missing session or a trial-count mismatch is skipped with a reason.
      const byName = groupedPhotometry.perSession.run(session, fromFile, withFile({ [session.file.split('/').pop()!]: { params: fits[0].params } }));
      expect(byName.partial.model?.nll).toBe(out.partial.model!.nll);
      const other = groupedPhotometry.perSession.run(session, fromFile, withFile([{ ...fits[0], ses_idx: 'x_2020-01-01' }]));
      expect(other.partial.model).toBeNull();
      expect(other.partial.modelWarning).toMatch(/no fitted parameters for 717531_2024-08-07 in s3:\/\/bucket\/fits.json/);
      const mismatch = groupedPhotometry.perSession.run(session, fromFile, withFile([{ ...fits[0], n_trials: 10 }]));
      expect(mismatch.partial.modelWarning).toMatch(/fitted on 10 finished trials, the session has 672/);
    });

    it('refuses malformed fit files and other baseline windows, clearly and as bad input', () => {
      const location = '/data/fits.json';
      const fromFile = groupedPhotometry.parameters.schema.parse({ ...spec, fit_source: location });
      const run = (text: string) => groupedPhotometry.perSession.run(session, fromFile, { ...context(), resources: { [location]: new TextEncoder().encode(text) } });
      expect(() => run('{not json')).toThrow(AnalysisInputError);
      expect(() => run('[{"ses_idx": "717531_2024-08-07", "params": {"biasL": "high"}}]')).toThrow(/\/data\/fits.json: at \$\[0\]\.params\.biasL/);
      expect(() => run('[{"ses_idx": "717531_2024-08-07", "params": {"biasL": 0}}]')).toThrow(/parameters of QLearning_L2F1_CKfull_softmax missing: learn_rate_rew/);
      // A misspelt n_trials would turn the trial-count check off: refused; other extras are kept.
      expect(() => run('[{"ses_idx": "717531_2024-08-07", "params": {}, "n_trial": 10}]')).toThrow(/at \$\[0\]\.n_trial: unknown field; did you mean "n_trials"/);
      expect(() => run('{"717531_2024-08-07": {"params": {}, "n_trails": 10}}')).toThrow(/at \$\.717531_2024-08-07\.n_trails: unknown field; did you mean "n_trials"/);
      expect(() => run('[{"ses_idx": "717531_2024-08-07", "params": {"biasL": 0}, "model": "QLearning", "log_likelihood": -3}]')).toThrow(/missing: learn_rate_rew/);
      const baseline = groupedPhotometry.parameters.schema.parse({ ...spec, baseline_window_s: [-2, 0] });
      expect(() => groupedPhotometry.perSession.run(session, baseline, context())).toThrow(AnalysisInputError);
    });
  });
});

// Issue 25 item 12: a mouse without photometry (the real 697062 sessions) with `channels: {}`.
describe('grouped photometry plugin with no channels (behaviour only, real 697062 HDF5 sessions)', () => {
  let behaviourOnly: GroupedPhotometrySpec;
  const sessions: SessionOutput<SessionPartial>[] = [];
  const warnings: string[] = [];

  beforeAll(async () => {
    // Every plot type asked for: the PSTH ones are per channel, so none is drawn (and none refused).
    behaviourOnly = groupedPhotometry.parameters.schema.parse({ channels: {}, plot_types: ['avg_lastN_sess', 'all_sess', 'weekly'] });
    for (const file of [HDF5_A, HDF5_B]) {
      const ctx = { ...context(), subjectId: '697062' };
      sessions.push(groupedPhotometry.perSession.run(await readSession(await openNwb(file), groupedPhotometry.sessionRequest(behaviourOnly)), behaviourOnly, ctx));
      warnings.push(...ctx.warnings);
    }
  }, 60_000);

  it('asks the loader for no photometry series and warns about no channel', () => {
    expect(groupedPhotometry.sessionRequest(behaviourOnly).channels).toEqual([]);
    expect(warnings.filter((w) => /channel|photometry/i.test(w))).toEqual([]);
  });

  it('writes df_trials and df_events per session, with the behaviour and model columns', async () => {
    for (const s of sessions) {
      expect(s.partial.channels).toEqual({});
      expect(s.partial.missingChannels).toEqual([]);
      expect(s.files?.map((f) => f.name)).toEqual([`sessions/${s.partial.sesIdx}/df_trials.parquet`, `sessions/${s.partial.sesIdx}/df_events.parquet`]);
      const trials = await parquetRows(byName(s.files, 'df_trials.parquet'));
      expect(trials).toHaveLength(s.partial.totalTrials);
      for (const c of ['Q_chosen', 'RPE_earned', 'RPE-binned3', 'num_reward_past', 'response_time']) expect(trials[0], c).toHaveProperty(c);
      expect(Object.keys(trials[0]).filter((c) => c.startsWith('data_') || c.startsWith('avg_') || c.startsWith('goCue_start_time_next'))).toEqual([]);
    }
  });

  it('groups into the sessions table, the behaviour figure, an empty rpe_slope with its columns, and a summary', async () => {
    const ctx = { ...context(), subjectId: '697062' };
    const g = await groupedPhotometry.group(
      sessions.map((s, i) => ({ uri: `s${i}.nwb`, partial: s.partial })),
      behaviourOnly,
      ctx,
    );
    expect(ctx.warnings).toEqual([]);
    expect(g.files.map((f) => f.name)).toEqual([
      'rpe_slope.csv', 'rpe_slope.parquet', 'sessions.csv', 'sessions.parquet',
      'figures/behavior_697062.svg', 'figures/behavior_697062.png', 'summary.json',
    ]);
    expect(g.summary.figures).toEqual(['behavior_697062']);
    expect(g.summary.channels).toEqual([]);
    expect(g.summary.slopes).toEqual([]);
    expect(g.summary.counts).toMatchObject({ sessions_used: 2, sessions_with_photometry: 0, slope_rows: 0 });
    expect(g.summary.sessions.map((s) => s.channels)).toEqual([[], []]);
    expect(groupedPhotometry.summary.parse(g.summary)).toEqual(g.summary);
    // rpe_slope: no rows, the declared columns and types (pandas reads it as an empty frame with them).
    expect(String(byName(g.files, 'rpe_slope.csv')!.body)).toBe(',subject_id,date,channel,slope (RPE >= 0),slope (RPE < 0)\n');
    const slopes = byName(g.files, 'rpe_slope.parquet')!.body;
    const meta = parquetMetadata(fileBuffer(slopes));
    expect(Number(meta.num_rows)).toBe(0);
    expect(meta.schema.slice(1).map((c) => c.name)).toEqual(['subject_id', 'date', 'channel', 'slope (RPE >= 0)', 'slope (RPE < 0)']);
    expect(await rowsOf(slopes)).toEqual([]);
    const table = await parquetRows(byName(g.files, 'sessions.parquet'));
    expect(table.map((r) => [r.ses_idx, r.channels])).toEqual([
      ['697062_2023-11-14', ''],
      ['697062_2023-11-15', ''],
    ]);
  }, 60_000);
});
