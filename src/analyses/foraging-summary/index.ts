// A behaviour-only per-mouse summary: per-session foraging efficiency, reward and ignore rates,
// right-choice fraction, and a learning curve across sessions. Small on purpose: it proves the
// plugin API serves analyses other than the grouped photometry one (no photometry read at all).
import { z } from 'zod';
import { analysisTag, type AnalysisParameterSpec } from '../../schemas/analysis-spec.js';
import { createDfSession, createDfTrials } from '../../nwb/tables.js';
import type { Column, Table } from '../../nwb/types.js';
import { computeForagingEfficiency } from '../../science/efficiency.js';
import { nanmean } from '../../science/stats.js';
import { composeFigure, linePanel, renderFigure } from '../../figures/index.js';
import { toCsv, toParquet, type ColumnTable } from '../../tables/index.js';
import { defineAnalysis, type OutputFile } from '../define.js';

const NAME = 'foraging-summary';

const SpecSchema = z
  .strictObject({
    analysis_name: z.literal(NAME).default(NAME).describe('Which analysis to run.'),
    analysis_tag: analysisTag,
    min_finished_trials: z
      .int()
      .min(0)
      .max(100_000)
      .default(50)
      .describe('Sessions with fewer finished (non-ignored) trials are listed but left out of the learning curve.'),
  })
  .describe('Parameters of the per-mouse foraging (behaviour-only) summary.');

export const foragingSummarySpec: AnalysisParameterSpec<typeof SpecSchema> = { name: NAME, version: '1.0.1', schema: SpecSchema };

/** One session's numbers (the cached partial). */
interface SessionSummary {
  ses_idx: string;
  session_date: string;
  task: string | null;
  total_trials: number;
  finished_trials: number;
  finished_rate: number;
  ignore_rate: number;
  reward_rate: number;
  foraging_efficiency: number;
  foraging_efficiency_random_seed: number;
  right_choice_fraction: number;
}

const SummarySchema = z.strictObject({
  subject_id: z.string(),
  sessions: z.int(),
  sessions_in_learning_curve: z.int(),
  first_session: z.string().nullable(),
  last_session: z.string().nullable(),
  mean_foraging_efficiency: z.number().nullable(),
  mean_reward_rate: z.number().nullable(),
});

function numbers(t: Table, name: string): Float64Array | undefined {
  const c: Column | undefined = t.data[name];
  if (!c) return undefined;
  if (c.kind === 'number') return c.values instanceof Float64Array ? c.values : Float64Array.from(c.values as ArrayLike<number>);
  if (c.kind === 'bool') return Float64Array.from(c.values);
  return undefined;
}

function scalar(t: Table, name: string): number | string | null {
  const c = t.data[name];
  if (!c) return null;
  const v = (c.values as ArrayLike<unknown>)[0];
  return typeof v === 'number' || typeof v === 'string' ? v : typeof v === 'bigint' ? Number(v) : null;
}

const finiteOrNull = (x: number) => (Number.isFinite(x) ? x : null);

export const foragingSummary = defineAnalysis({
  parameters: foragingSummarySpec,
  title: 'Foraging summary',
  description: 'Per-session foraging efficiency, reward and ignore rates, and a learning curve per mouse.',
  summary: SummarySchema,
  figures: [{ name: 'learning_curve_{subject}', description: 'Foraging efficiency, reward rate and ignore rate across sessions.' }],
  // Trials and the lick/reward events that df_session/df_trials need; no photometry.
  sessionRequest: () => ({ channels: [] }),
  perSession: {
    cacheParameters: () => null,
    run(session) {
      const sess = createDfSession(session);
      const trials = session.trials;
      const response = numbers(trials, 'animal_response')!;
      const rewardedR = numbers(trials, 'rewarded_historyR')!;
      const rewarded = Float64Array.from(numbers(trials, 'rewarded_historyL')!, (l, i) => (l || rewardedR[i] ? 1 : 0));
      const autoL = numbers(trials, 'auto_waterL');
      const autoR = numbers(trials, 'auto_waterR');
      const task = scalar(sess, 'task');
      const eff = computeForagingEfficiency({
        baited: typeof task === 'string' ? /baiting/i.test(task) && !/without baiting/i.test(task) : true,
        choices: Float64Array.from(response, (r) => (r === 0 || r === 1 ? r : NaN)),
        rewards: rewarded,
        pRewardL: numbers(trials, 'reward_probabilityL')!,
        pRewardR: numbers(trials, 'reward_probabilityR')!,
        ...(autoL && autoR ? { autowaterOffered: Float64Array.from(autoL, (a, i) => (a || autoR[i] ? 1 : 0)) } : {}),
        ...(numbers(trials, 'reward_random_number_left') && numbers(trials, 'reward_random_number_right')
          ? { randomNumberL: numbers(trials, 'reward_random_number_left')!, randomNumberR: numbers(trials, 'reward_random_number_right')! }
          : {}),
      });
      const finished = response.filter((r) => r === 0 || r === 1);
      const partial: SessionSummary = {
        ses_idx: String(scalar(sess, 'ses_idx')),
        session_date: String(scalar(sess, 'session_date')),
        task: typeof task === 'string' ? task : null,
        total_trials: Number(scalar(sess, 'total_trials')),
        finished_trials: Number(scalar(sess, 'finished_trials')),
        finished_rate: Number(scalar(sess, 'finished_rate')),
        ignore_rate: Number(scalar(sess, 'ignore_rate')),
        reward_rate: Number(scalar(sess, 'reward_rate')),
        foraging_efficiency: eff.foraging_efficiency,
        foraging_efficiency_random_seed: eff.foraging_efficiency_random_seed,
        right_choice_fraction: finished.length ? finished.filter((r) => r === 1).length / finished.length : NaN,
      };
      // The reference's df_trials checks run here too, so a damaged session fails loudly.
      createDfTrials(session);
      return { partial };
    },
  },
  async group(sessions, spec, ctx) {
    const rows = sessions.map((s) => s.partial).sort((a, b) => (a.session_date < b.session_date ? -1 : a.session_date > b.session_date ? 1 : 0));
    const curve = rows.filter((r) => {
      if (r.finished_trials >= spec.min_finished_trials) return true;
      ctx.warn(`${r.ses_idx}: ${r.finished_trials} finished trials < min_finished_trials ${spec.min_finished_trials}; not in the learning curve`);
      return false;
    });
    const f64 = (k: keyof SessionSummary, from = rows) => Float64Array.from(from, (r) => Number(r[k]));
    const table: ColumnTable = {
      columns: [
        { name: 'ses_idx', kind: 'string', values: rows.map((r) => r.ses_idx) },
        { name: 'session_date', kind: 'string', values: rows.map((r) => r.session_date) },
        { name: 'task', kind: 'string', values: rows.map((r) => r.task) },
        ...(['total_trials', 'finished_trials'] as const).map((k) => ({ name: k, kind: 'int64' as const, values: f64(k) })),
        ...(
          ['finished_rate', 'ignore_rate', 'reward_rate', 'foraging_efficiency', 'foraging_efficiency_random_seed', 'right_choice_fraction'] as const
        ).map((k) => ({ name: k, kind: 'float64' as const, values: f64(k) })),
        { name: 'in_learning_curve', kind: 'bool', values: rows.map((r) => curve.includes(r)) },
      ],
    };
    const figure = await renderFigure(
      composeFigure({
        title: `subject ${ctx.subjectId} · learning curve`,
        rows: [
          {
            panels: [
              linePanel({
                title: 'Foraging performance across sessions',
                x: Float64Array.from(curve, (r) => Date.parse(`${r.session_date}T00:00:00Z`)),
                xScale: 'time',
                xLabel: 'session date',
                yLabel: 'fraction',
                series: [
                  { label: 'foraging efficiency', y: f64('foraging_efficiency', curve) },
                  { label: 'reward rate', y: f64('reward_rate', curve) },
                  { label: 'ignore rate', y: f64('ignore_rate', curve) },
                ],
              }),
            ],
          },
        ],
        panelWidth: 520,
        panelHeight: 240,
      }),
    );
    const name = `learning_curve_${ctx.subjectId}`;
    const files: OutputFile[] = [
      { name: 'sessions.parquet', contentType: 'application/vnd.apache.parquet', body: toParquet(table) },
      { name: 'sessions.csv', contentType: 'text/csv', body: toCsv(table) },
      { name: `figures/${name}.svg`, contentType: 'image/svg+xml', body: figure.svg },
      { name: `figures/${name}.png`, contentType: 'image/png', body: figure.png },
    ];
    const summary = {
      subject_id: ctx.subjectId,
      sessions: rows.length,
      sessions_in_learning_curve: curve.length,
      first_session: rows[0]?.session_date ?? null,
      last_session: rows.at(-1)?.session_date ?? null,
      mean_foraging_efficiency: finiteOrNull(nanmean(f64('foraging_efficiency', curve))),
      mean_reward_rate: finiteOrNull(nanmean(f64('reward_rate', curve))),
    };
    files.push({ name: 'summary.json', contentType: 'application/json', body: JSON.stringify(summary, null, 2) });
    return { files, summary };
  },
});
