// Group stage of the grouped photometry analysis: one mouse's session partials in; sessions
// de-duplicated and ordered by date, weeks, last-N selection, per-mouse tables, figures and the
// run summary out.
import { hash } from 'node:crypto';
import { z } from 'zod';
import { limiter } from '../../concurrency.js';
import { LARGE_FIGURE_ROWS, type FigureRow, type KeyedRow } from '../../figures/index.js';
import { canonicalJson } from '../../schemas/canonical-json.js';
import { getTimeArray } from '../../science/photometry.js';
import { PSTH_RATE } from '../../science/psth.js';
import { weekInterval } from '../../science/trials.js';
import { toCsv, toParquet, type Column } from '../../tables/index.js';
import type { AnalysisContext, GroupOutput, OutputFile, SessionPartialInput } from '../define.js';
import { behaviourRow, fileSafe, figureFiles, psthRow, slopeRow, type SlopePoint } from './figures.js';
import type { SessionPartial } from './session.js';
import { GROUPED_PHOTOMETRY_NAME, GROUPED_PHOTOMETRY_VERSION, type GroupedPhotometrySpec } from './spec.js';
import { concatSessionRows, rpeSlopeTable, type SlopeRow } from './tables.js';

const nullableNumber = z.number().nullable();

export const GroupedPhotometrySummary = z.strictObject({
  subject_id: z.string(),
  analysis: z.strictObject({ name: z.string(), version: z.string() }),
  model: z.strictObject({ name: z.string(), fit_source: z.string(), fit_seed: z.int() }),
  counts: z.strictObject({
    sessions_input: z.int(),
    sessions_used: z.int(),
    sessions_skipped: z.int(),
    sessions_with_photometry: z.int(),
    trials: z.int(),
    finished_trials: z.int(),
    slope_rows: z.int(),
  }),
  channels: z.array(
    z.strictObject({
      key: z.string(),
      series: z.string(),
      location: z.string(),
      sessions: z.int(),
      missing_in: z.array(z.string()),
    }),
  ),
  sessions: z.array(
    z.strictObject({
      ses_idx: z.string(),
      uri: z.string(),
      date: z.string(),
      week_interval: z.int(),
      total_trials: z.int(),
      finished_trials: z.int(),
      foraging_efficiency: nullableNumber,
      model_nll: nullableNumber,
      model_warning: z.string().nullable(),
      channels: z.array(z.string()),
    }),
  ),
  sessions_skipped: z.array(z.strictObject({ uri: z.string(), ses_idx: z.string(), reason: z.string() })),
  slopes: z.array(
    z.strictObject({
      ses_idx: z.string(),
      date: z.string(),
      channel: z.string(),
      slope_rpe_pos: nullableNumber,
      slope_rpe_neg: nullableNumber,
      n_pos: z.int(),
      n_neg: z.int(),
    }),
  ),
  figures: z.array(z.string()),
});
export type GroupedPhotometrySummary = z.output<typeof GroupedPhotometrySummary>;

const finiteOrNull = (x: number) => (Number.isFinite(x) ? x : null);

interface Used {
  uri: string;
  p: SessionPartial;
  week: number;
  id?: string;
}

/**
 * Spec A: one session per ses_idx (the one with more finished trials; ties: the first URI), in
 * date order. Spec F2 fixed: when the only figure asked for is avg_lastN_sess, the reference
 * means to analyse the last N sessions only, so everything else (tables, slopes) covers them too.
 */
export function selectSessions(inputs: readonly SessionPartialInput<SessionPartial>[], spec: GroupedPhotometrySpec) {
  const skipped: { uri: string; ses_idx: string; reason: string }[] = [];
  const byDay = new Map<string, SessionPartialInput<SessionPartial>>();
  const ordered = [...inputs].sort((a, b) => (a.uri < b.uri ? -1 : a.uri > b.uri ? 1 : 0));
  for (const s of ordered) {
    const kept = byDay.get(s.partial.sesIdx);
    if (kept === undefined || s.partial.finishedTrials > kept.partial.finishedTrials) byDay.set(s.partial.sesIdx, s);
  }
  for (const s of ordered) {
    const kept = byDay.get(s.partial.sesIdx)!;
    if (kept !== s) {
      skipped.push({
        uri: s.uri,
        ses_idx: s.partial.sesIdx,
        reason: `same-day duplicate of ${kept.uri}, which has more finished trials (${kept.partial.finishedTrials} vs ${s.partial.finishedTrials})`,
      });
    }
  }
  let sessions = [...byDay.values()].sort((a, b) =>
    a.partial.sessionDate < b.partial.sessionDate ? -1 : a.partial.sessionDate > b.partial.sessionDate ? 1 : a.partial.sesIdx < b.partial.sesIdx ? -1 : 1,
  );
  if (spec.plot_types.length === 1 && spec.plot_types[0] === 'avg_lastN_sess' && sessions.length > spec.last_N_sess) {
    for (const s of sessions.slice(0, sessions.length - spec.last_N_sess)) {
      skipped.push({ uri: s.uri, ses_idx: s.partial.sesIdx, reason: `older than the last ${spec.last_N_sess} sessions (last_N_sess)` });
    }
    sessions = sessions.slice(-spec.last_N_sess);
  }
  const start = sessions.length ? sessions[0].partial.sessionDate : '';
  const used: Used[] = sessions.map((s) => ({ uri: s.uri, p: s.partial, week: weekInterval(s.partial.sesIdx, start), id: s.id }));
  return { used, skipped };
}

/** Consecutive runs of sessions in the same week (the reference's split_nwbs_by_week). */
function byWeek(used: readonly Used[]): { week: number; sessions: Used[] }[] {
  const groups: { week: number; sessions: Used[] }[] = [];
  for (const u of used) {
    const last = groups[groups.length - 1];
    if (last && last.week === u.week) last.sessions.push(u);
    else groups.push({ week: u.week, sessions: [u] });
  }
  return groups;
}

function sessionsTable(used: readonly Used[]): Column[] {
  const columns = concatSessionRows(used.map((u) => u.p.dfSession));
  const paramNames = [...new Set(used.flatMap((u) => Object.keys(u.p.model?.params ?? {})))].sort();
  const f64 = (name: string, f: (u: Used) => number): Column => ({ name, kind: 'float64', values: Float64Array.from(used, f) });
  columns.push(
    { name: 'week_interval', kind: 'int64', values: Float64Array.from(used, (u) => u.week) },
    f64('foraging_efficiency', (u) => u.p.efficiency.foraging_efficiency),
    f64('foraging_efficiency_random_seed', (u) => u.p.efficiency.foraging_efficiency_random_seed),
    { name: 'fitted_model', kind: 'string', values: used.map((u) => u.p.model?.name ?? null) },
    ...paramNames.map((n) => f64(n, (u) => u.p.model?.params[n] ?? NaN)),
    f64('model_nll', (u) => u.p.model?.nll ?? NaN),
    f64('model_AIC', (u) => u.p.model?.AIC ?? NaN),
    f64('model_BIC', (u) => u.p.model?.BIC ?? NaN),
    f64('model_prediction_accuracy', (u) => u.p.model?.prediction_accuracy ?? NaN),
    { name: 'channels', kind: 'string', values: used.map((u) => Object.keys(u.p.channels).join(',')) },
  );
  return columns;
}

export async function runGroup(
  inputs: readonly SessionPartialInput<SessionPartial>[],
  spec: GroupedPhotometrySpec,
  ctx: AnalysisContext,
): Promise<GroupOutput<GroupedPhotometrySummary>> {
  const subject = ctx.subjectId;
  const { used, skipped } = selectSessions(inputs, spec);
  for (const u of used) {
    if (u.p.subjectId !== subject) ctx.warn(`${u.p.sesIdx}: subject ${u.p.subjectId} is not the job's subject ${subject}`);
  }
  const keys = Object.keys(spec.channels);
  const time = getTimeArray(spec.psth_window_s[0], spec.psth_window_s[1], PSTH_RATE);
  const withPhotometry = used.filter((u) => Object.keys(u.p.channels).length > 0);

  // rpe_slope: per channel, per session in ses_idx order, where the session has a fit at all.
  const slopeRows: (SlopeRow & { sesIdx: string; nPos: number; nNeg: number })[] = [];
  for (const key of keys) {
    const rows = used
      .filter((u) => u.p.channels[key]?.slopes)
      .sort((a, b) => (a.p.sesIdx < b.p.sesIdx ? -1 : 1))
      .map((u) => {
        const c = u.p.channels[key];
        const s = c.slopes!;
        return { subjectId: u.p.subjectId, date: u.p.sessionDate, channel: c.series, pos: s.pos.slope, neg: s.neg.slope, sesIdx: u.p.sesIdx, nPos: s.pos.n, nNeg: s.neg.n };
      });
    slopeRows.push(...rows);
  }
  const slopeTable = rpeSlopeTable(slopeRows);
  const sessions = { columns: sessionsTable(used) };
  const files: OutputFile[] = [
    { name: 'rpe_slope.csv', contentType: 'text/csv', body: toCsv(slopeTable, { index: true }) },
    { name: 'rpe_slope.parquet', contentType: 'application/vnd.apache.parquet', body: toParquet(slopeTable) },
    { name: 'sessions.csv', contentType: 'text/csv', body: toCsv(sessions, { index: true }) },
    { name: 'sessions.parquet', contentType: 'application/vnd.apache.parquet', body: toParquet(sessions) },
  ];

  // Two figures at a time: one's layout, cache reads and assembly overlap the other's drawing (an
  // incremental run redraws a row or two per figure, and the rasterisers would mostly wait). A
  // figure of many rows is drawn alone: two 100-session figures at once raised the peak RSS for
  // no gain in time. Files are written in figure order, whatever finishes first.
  const figures: string[] = [];
  const slots = limiter(2);
  let written = Promise.resolve();
  const addFigure = (name: string, rows: number, figure: () => Parameters<typeof figureFiles>[1]) => {
    figures.push(name);
    const made = slots(() => figureFiles(name, figure(), ctx.cache), rows >= LARGE_FIGURE_ROWS ? 2 : 1);
    made.catch(() => undefined); // reported by the chain below, not as unhandled meanwhile
    written = written.then(async () => {
      const out = await made;
      if (ctx.write) await Promise.all(out.map((f) => ctx.write!(f))); // SVG and PNG at once: on S3 each is a round trip
      else files.push(...out);
    });
  };
  const channelTitle = (key: string) => `${key} (${spec.channels[key]})`;
  const rowTitle = (u: Used) => `${u.p.sesIdx} · week ${u.week}`;
  // A row drawn from session partials is keyed by them, the parameters and the row's own arguments
  // (the cache adds the code version): an incremental run builds only the rows a new session is in.
  const specJson = canonicalJson(spec);
  const keyedRow = (from: readonly Used[], args: unknown[], build: () => FigureRow): FigureRow | KeyedRow =>
    from.some((u) => u.id === undefined)
      ? build()
      : { key: hash('sha256', canonicalJson([from.map((u) => u.id), specJson, ...args])), build };

  if (withPhotometry.length > 0) {
    if (spec.plot_types.includes('avg_lastN_sess')) {
      const lastUsed = withPhotometry.slice(-spec.last_N_sess);
      const last = lastUsed.map((u) => u.p);
      addFigure(`avg_signal_${subject}`, keys.length, () => ({
        title: `subject ${subject} · average of the last ${last.length} session${last.length === 1 ? '' : 's'} (${last[0].sessionDate} to ${last[last.length - 1].sessionDate})`,
        subtitle: `mean ± SEM across ${last.length > 1 ? 'sessions (n = sessions)' : 'trials (n = trials)'}; shaded: response window ${spec.signal_window_s.join('–')} s`,
        rows: keys.map((key) => {
          // a channel some of these sessions lack is averaged over the others: say so
          const has = last.filter((p) => key in p.channels).length;
          const title =
            has === last.length ? channelTitle(key) : `${channelTitle(key)} · ${last.length === 1 ? 'not in this session' : `${has} of the ${last.length} sessions`}`;
          return keyedRow(lastUsed, ['psth', key, title], () => psthRow(last, key, time, spec, title));
        }),
      }));
    }
    for (const key of keys) {
      const has = withPhotometry.filter((u) => key in u.p.channels);
      if (has.length === 0) continue;
      const loc = fileSafe(spec.channels[key]);
      if (spec.plot_types.includes('all_sess')) {
        addFigure(`all_sess_PSTH_${subject}_${key}_${loc}`, has.length, () => ({
          title: `subject ${subject} · ${channelTitle(key)} · all sessions`,
          subtitle: 'mean ± SEM across trials of each session (n = trials)',
          rows: has.map((u) => keyedRow([u], ['psth', key, rowTitle(u)], () => psthRow([u.p], key, time, spec, rowTitle(u)))),
        }));
      }
      if (spec.plot_types.includes('weekly')) {
        const points: SlopePoint[] = slopeRows
          .filter((r) => r.channel === has[0].p.channels[key].series)
          .map((r) => ({ date: r.date, pos: r.pos, neg: r.neg }));
        const weeks = byWeek(has);
        addFigure(`weekly_${subject}_${key}`, 1 + weeks.length, () => ({
          title: `subject ${subject} · ${channelTitle(key)} · by week`,
          subtitle: 'top: per-session RPE slopes with OLS trend; rows: weeks since the first session (mean ± SEM across sessions, or across trials for a one-session week)',
          rows: [
            slopeRow(points, 'RPE slope over sessions'),
            ...weeks.map((g) => {
              const title = `week ${g.week} · ${g.sessions.length} session${g.sessions.length === 1 ? '' : 's'}`;
              return keyedRow(g.sessions, ['psth', key, title], () => psthRow(g.sessions.map((u) => u.p), key, time, spec, title));
            }),
          ],
        }));
      }
    }
  }
  if (used.length > 0) {
    addFigure(`behavior_${subject}`, used.length, () => ({
      title: `subject ${subject} · behaviour, ${used.length} session${used.length === 1 ? '' : 's'}`,
      subtitle: `model: ${spec.fitted_model} (our fit, seed ${spec.fit_seed})`,
      rows: used.map((u) => keyedRow([u], ['behaviour'], () => behaviourRow(u.p))),
    }));
  }
  await written;

  const summary: GroupedPhotometrySummary = {
    subject_id: subject,
    analysis: { name: GROUPED_PHOTOMETRY_NAME, version: GROUPED_PHOTOMETRY_VERSION },
    model: { name: spec.fitted_model, fit_source: spec.fit_source, fit_seed: spec.fit_seed },
    counts: {
      sessions_input: inputs.length,
      sessions_used: used.length,
      sessions_skipped: skipped.length,
      sessions_with_photometry: withPhotometry.length,
      trials: used.reduce((a, u) => a + u.p.totalTrials, 0),
      finished_trials: used.reduce((a, u) => a + u.p.finishedTrials, 0),
      slope_rows: slopeRows.length,
    },
    channels: keys.map((key) => ({
      key,
      series: used.find((u) => key in u.p.channels)?.p.channels[key].series ?? '',
      location: spec.channels[key],
      sessions: used.filter((u) => key in u.p.channels).length,
      missing_in: used.filter((u) => !(key in u.p.channels)).map((u) => u.p.sesIdx),
    })),
    sessions: used.map((u) => ({
      ses_idx: u.p.sesIdx,
      uri: u.uri,
      date: u.p.sessionDate,
      week_interval: u.week,
      total_trials: u.p.totalTrials,
      finished_trials: u.p.finishedTrials,
      foraging_efficiency: finiteOrNull(u.p.efficiency.foraging_efficiency),
      model_nll: u.p.model ? finiteOrNull(u.p.model.nll) : null,
      model_warning: u.p.modelWarning,
      channels: Object.keys(u.p.channels),
    })),
    sessions_skipped: skipped,
    slopes: slopeRows.map((r) => ({
      ses_idx: r.sesIdx,
      date: r.date,
      channel: r.channel,
      slope_rpe_pos: finiteOrNull(r.pos),
      slope_rpe_neg: finiteOrNull(r.neg),
      n_pos: r.nPos,
      n_neg: r.nNeg,
    })),
    figures,
  };
  files.push({ name: 'summary.json', contentType: 'application/json', body: `${JSON.stringify(summary, null, 2)}\n` });
  return { files, summary };
}
