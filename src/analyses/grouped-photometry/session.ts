// Per-session stage of the grouped photometry analysis: one loaded session in, a small partial
// (per-trial scalars and per-session aggregates, no samples) and the session's Parquet tables out.
// Pure: the same session and spec give the same partial and the same bytes.
import { basename } from 'node:path';
import type { LoadedSession } from '../../nwb/session.js';
import { createDfEvents, createDfSession, createDfTrials, sessionIndex } from '../../nwb/tables.js';
import type { Column as NwbColumn, Table } from '../../nwb/types.js';
import { sortedOrder, take } from '../../science/arrays.js';
import { binLabels, QCH_BIN_LABELS, qchBinned3, RPE_BIN_LABELS, rpeBinned3 } from '../../science/bins.js';
import { computeForagingEfficiency, type ForagingEfficiency } from '../../science/efficiency.js';
import { averageSignalWindow, enrichChannel, type ChannelEnrichment } from '../../science/photometry.js';
import { eventsByLabel, psthCompare, rpeSlopes, type RpeSlopes } from '../../science/psth.js';
import { fitQLearning, type QLearningModelName } from '../../science/qlearning.js';
import {
  enrichModelColumns,
  enrichTrials,
  mapLatentsToTrials,
  type ChosenFamily,
  type ModelLatents,
} from '../../science/trials.js';
import { toParquet, type Column, type ColumnTable } from '../../tables/index.js';
import { AnalysisInputError, type AnalysisContext, type OutputFile, type SessionOutput } from '../define.js';
import { fitFromFile, parseFitFile } from './fits.js';
import type { GroupedPhotometrySpec } from './spec.js';
import { binColumn, eventsTable, writerTable } from './tables.js';

export const CHOICE_LABELS = ['left', 'right', 'ignore'] as const;
export const REWARD_LABELS = ['rewarded', 'unrewarded'] as const;

/** The four PSTH panels of a figure row, each with its fixed, ordered labels. */
export const PSTH_PANELS = {
  choice: CHOICE_LABELS,
  reward: REWARD_LABELS,
  rpe: RPE_BIN_LABELS,
  qch: QCH_BIN_LABELS,
} as const satisfies Record<string, readonly string[]>;
export type PsthPanelName = keyof typeof PSTH_PANELS;
export const PSTH_PANEL_NAMES = Object.keys(PSTH_PANELS) as PsthPanelName[];

/** One label of one panel in one session: mean and SEM over its events on the PSTH grid. */
export interface PsthStat {
  mean: Float64Array;
  /** SEM over the session's events (ddof 1). */
  sem: Float64Array;
  events: number;
}

export interface ChannelPartial {
  key: string;
  /** NWB series analysed (`G_1_preprocessed`, `G_1_dff-bright_mc-iso-IRLS`, `G_1`). */
  series: string;
  /** Rows of this channel in the tidy df_fip. */
  tidyRows: number;
  /** `data_z_{key}_baseline` per trial (z-scored signal in the second before the go cue). */
  baselineZ: Float64Array;
  /** Average response window per trial (the `avg_..._{event}` column). */
  avg: Float64Array;
  avgColumn: string;
  slopes: RpeSlopes | null;
  /** Per panel, per label (PSTH_PANELS order): null when the session has no such event. */
  psth: Record<PsthPanelName, (PsthStat | null)[]>;
}

export interface ModelSummary {
  name: QLearningModelName;
  params: Record<string, number>;
  nll: number;
  AIC: number;
  BIC: number;
  prediction_accuracy: number;
  n_trials: number;
}

export interface SessionPartial {
  sesIdx: string;
  sessionId: string;
  subjectId: string;
  sessionDate: string;
  sessionStartTime: string;
  /** The one-row df_session. */
  dfSession: Table;
  totalTrials: number;
  finishedTrials: number;
  model: ModelSummary | null;
  /** Why the model columns are NaN (no fit, too few trials), or null. */
  modelWarning: string | null;
  efficiency: ForagingEfficiency;
  /** Per-trial scalars the group stage draws and aggregates. */
  trials: {
    animalResponse: Float64Array;
    earnedReward: Uint8Array;
    rewardAll: Uint8Array;
    numRewardPast: Int32Array;
    stay: Uint8Array;
    rewardedPrev: Float64Array;
    responseTime: Float64Array;
    rProb: Float64Array;
    qChosen: Float64Array;
    rpeEarned: Float64Array;
    rewardProbabilityL: Float64Array;
    rewardProbabilityR: Float64Array;
  };
  channels: Record<string, ChannelPartial>;
  missingChannels: { key: string; series: string }[];
}

/** NWB series of a channel key under the spec's preprocessing. */
export function seriesName(key: string, preprocessing: string): string {
  return preprocessing === 'raw' ? key : `${key}_${preprocessing}`;
}

/** The reference's average-window column: `avg_{data_column}_{series up to "_dff"}_{event}`. */
export function avgColumnName(spec: GroupedPhotometrySpec, series: string): string {
  return `avg_${spec.data_column}_${series.split('_dff')[0]}_${spec.alignment_event}`;
}

function numbers(table: Table, name: string, file: string): Float64Array {
  const c = table.data[name];
  if (c?.kind === 'number') return c.values;
  if (c?.kind === 'bool') return Float64Array.from(c.values);
  throw new Error(`${file}: trials column ${name} is missing or not numeric`);
}

function flags(table: Table, name: string, file: string): Uint8Array {
  const c = table.data[name];
  if (c?.kind === 'bool') return c.values;
  if (c?.kind === 'number') return Uint8Array.from(c.values, (v) => (v !== 0 && v === v ? 1 : 0));
  throw new Error(`${file}: trials column ${name} is missing or not boolean`);
}

function optionalNumbers(table: Table, name: string): Float64Array | undefined {
  const c = table.data[name];
  return c?.kind === 'number' ? c.values : c?.kind === 'bool' ? Float64Array.from(c.values) : undefined;
}

function baitedTask(task: NwbColumn | undefined): boolean {
  const t = task?.kind === 'string' ? task.values[0] : null;
  // Coupled/uncoupled baiting tasks say "Baiting"; "Without Baiting" ones do not bait.
  return typeof t === 'string' ? /baiting/i.test(t) && !/without baiting/i.test(t) : true;
}

const f64 = (name: string, values: Float64Array): Column => ({ name, kind: 'float64', values });
const boolCol = (name: string, values: Uint8Array): Column => ({ name, kind: 'bool', values });

function familyColumns(prefix: string, f: ChosenFamily): Column[] {
  return [
    f64(`${prefix}_chosen`, f.chosen),
    f64(`${prefix}_unchosen`, f.unchosen),
    f64(`${prefix}_sum`, f.sum),
    f64(`${prefix}_Delta`, f.delta),
    f64(`${prefix}_change`, f.change),
  ];
}

interface ChannelResult {
  partial: ChannelPartial;
  enrichment: ChannelEnrichment;
  /** Session-time timestamps, raw timestamps and data of the series (NaN times dropped). */
  timestamps: Float64Array;
  raw: Float64Array;
  data: Float64Array;
}

/** The series' samples with a time, in time order (the reference's tidy df_fip sort), in session time. */
function channelSamples(session: LoadedSession, series: string, t0: number) {
  const s = session.photometry[series];
  if (s.data.kind !== 'number') throw new Error(`${session.file}: photometry series ${series} is not numeric`);
  const order = sortedOrder(s.timestamps);
  return { raw: take(s.timestamps, order), timestamps: take(s.timestamps, order, t0), data: take(s.data.values, order) };
}

/** Runs the per-session stage. Throws on a session the reference would reject too. */
export function runSession(
  session: LoadedSession,
  spec: GroupedPhotometrySpec,
  ctx: AnalysisContext,
): SessionOutput<SessionPartial> {
  if (spec.baseline_window_s[0] !== -1 || spec.baseline_window_s[1] !== 0) {
    throw new AnalysisInputError(`baseline_window_s other than [-1, 0] is not supported yet (got [${spec.baseline_window_s.join(', ')}])`);
  }
  const file = session.file;
  const { subjectId, sessionDate, sesIdx } = sessionIndex(session.metadata.sessionId);
  const warn = (m: string) => ctx.warn(`${sesIdx}: ${m}`);

  const dfSession = createDfSession(session);
  const trialsResult = createDfTrials(session);
  for (const w of trialsResult.warnings) warn(w);
  const trials = trialsResult.table;
  const n = trials.rowCount;
  const response = numbers(trials, 'animal_response', file);
  const earned = flags(trials, 'earned_reward', file);
  const extra = flags(trials, 'extra_reward', file);
  const goCueInSession = numbers(trials, 'goCue_start_time_in_session', file);
  const goCueInTrial = numbers(trials, 'goCue_start_time_in_trial', file);
  const choiceInTrial = numbers(trials, 'choice_time_in_trial', file);

  // Model: our own seeded fit on the finished trials (or the parameters of a fit file), then its
  // latents on the trial rows.
  const model = spec.fitted_model;
  const choices: number[] = [];
  const rewards: number[] = [];
  for (let i = 0; i < n; i++) {
    if (response[i] === 0 || response[i] === 1) {
      choices.push(response[i]);
      rewards.push(earned[i]);
    }
  }
  const outcome =
    spec.fit_source === 'fit'
      ? fitQLearning(model, choices, rewards, { seed: spec.fit_seed })
      : fitFromFile(
          parseFitFile(ctx.resources?.[spec.fit_source], spec.fit_source),
          spec.fit_source,
          [sesIdx, session.metadata.sessionId, basename(file)],
          model,
          choices,
          rewards,
        );
  let latents: ModelLatents | null = null;
  let modelSummary: ModelSummary | null = null;
  if (outcome.fit) {
    const f = outcome.fit;
    latents = { qValue: f.latents.q_value, choiceProb: f.latents.choice_prob, choiceKernel: f.latents.choice_kernel };
    modelSummary = {
      name: model,
      params: f.params,
      nll: f.nll,
      AIC: f.AIC,
      BIC: f.BIC,
      prediction_accuracy: f.prediction_accuracy,
      n_trials: f.n_trials,
    };
  } else warn(`${model}: ${outcome.reason}`);
  const mapping = mapLatentsToTrials(response, latents, model.includes('CK'));
  const modelWarning = outcome.reason ?? mapping.warning;
  if (outcome.fit && mapping.warning) warn(mapping.warning);
  const m = mapping.columns;
  const enriched = enrichModelColumns(response, m, earned, extra);
  const history = enrichTrials({
    sesIdx: new Array<string>(n).fill(sesIdx),
    earnedReward: earned,
    extraReward: extra,
    animalResponse: response,
    choiceTimeInTrial: choiceInTrial,
    goCueStartTimeInTrial: goCueInTrial,
  });
  const rpeBins = rpeBinned3(enriched.rpeEarned);
  const qchBins = qchBinned3(enriched.q.chosen, earned);

  const random = [optionalNumbers(trials, 'reward_random_number_left'), optionalNumbers(trials, 'reward_random_number_right')];
  const autoL = optionalNumbers(trials, 'auto_waterL');
  const autoR = optionalNumbers(trials, 'auto_waterR');
  const pL = numbers(trials, 'reward_probabilityL', file);
  const pR = numbers(trials, 'reward_probabilityR', file);
  const efficiency = computeForagingEfficiency({
    baited: baitedTask(dfSession.data.task),
    choices: Float64Array.from(response, (r) => (r === 0 || r === 1 ? r : NaN)),
    rewards: earned,
    pRewardL: pL,
    pRewardR: pR,
    ...(autoL && autoR ? { autowaterOffered: Uint8Array.from(autoL, (a, i) => (a || autoR[i] ? 1 : 0)) } : {}),
    ...(random[0] && random[1] ? { randomNumberL: random[0], randomNumberR: random[1] } : {}),
  });

  // Photometry, per channel present in this session.
  const t0 = numbers(trials, 'goCue_start_time_raw', file)[0];
  const alignTimes = numbers(trials, `${spec.alignment_event}_in_session`, file);
  const present: { key: string; series: string }[] = [];
  const missingChannels: { key: string; series: string }[] = [];
  for (const key of Object.keys(spec.channels)) {
    const series = seriesName(key, spec.preprocessing);
    if (series in session.photometry) present.push({ key, series });
    else {
      missingChannels.push({ key, series });
      warn(`photometry series ${series} is not in this session: channel ${key} skipped`);
    }
  }
  const samples = present.map((c) => channelSamples(session, c.series, t0));
  // The session's last FIP timestamp over the analysed channels (the last trial's next go cue).
  let lastFip = -Infinity;
  for (const s of samples) if (s.timestamps.length) lastFip = Math.max(lastFip, s.timestamps[s.timestamps.length - 1]);

  const labelsOf: Record<PsthPanelName, (string | null)[]> = {
    choice: Array.from(response, (r) => CHOICE_LABELS[r] ?? null),
    reward: Array.from(earned, (e) => (e ? 'rewarded' : 'unrewarded')),
    rpe: binLabels(rpeBins, RPE_BIN_LABELS),
    qch: binLabels(qchBins, QCH_BIN_LABELS),
  };
  const tw = spec.psth_window_s;
  const channelResults: ChannelResult[] = present.map(({ key, series }, ci) => {
    const s = samples[ci];
    const enrichment = enrichChannel(
      { timestamps: s.timestamps, data: s.data },
      { goCueInSession, goCueInTrial, lastFipTimestamp: lastFip },
    );
    const { tidy, dataZ } = enrichment;
    const rows = tidy.sample.length;
    const tidyTs = take(s.timestamps, tidy.sample);
    const tidyZ = take(dataZ, tidy.sample);
    const signal: Float64Array =
      spec.data_column === 'data_z_norm'
        ? tidy.dataZNorm
        : spec.data_column === 'data_norm'
          ? tidy.dataNorm
          : spec.data_column === 'data_z'
            ? tidyZ
            : take(s.data, tidy.sample);
    const avg = averageSignalWindow(tidyTs, signal, alignTimes, spec.signal_window_s);
    const psth = {} as Record<PsthPanelName, (PsthStat | null)[]>;
    for (const panel of PSTH_PANEL_NAMES) {
      const labels = PSTH_PANELS[panel];
      const result = psthCompare(
        [{ timestamps: tidyTs, values: tidyZ, events: eventsByLabel(alignTimes, labelsOf[panel], labels) }],
        labels,
        tw,
      );
      psth[panel] = result.traces.map((t) => (t.nEvents > 0 ? { mean: t.mean, sem: t.sem, events: t.nEvents } : null));
    }
    return {
      enrichment,
      ...s,
      partial: {
        key,
        series,
        tidyRows: rows,
        baselineZ: enrichment.dataZBaseline,
        avg,
        avgColumn: avgColumnName(spec, series),
        slopes: rpeSlopes(enriched.rpeEarned, avg),
        psth,
      },
    };
  });
  if (present.length === 0 && Object.keys(spec.channels).length > 0) warn('no analysed photometry channel in this session');

  const partial: SessionPartial = {
    sesIdx,
    sessionId: session.metadata.sessionId,
    subjectId,
    sessionDate,
    sessionStartTime: session.metadata.sessionStartTime,
    dfSession,
    totalTrials: n,
    finishedTrials: choices.length,
    model: modelSummary,
    modelWarning,
    efficiency,
    trials: {
      animalResponse: response,
      earnedReward: earned,
      rewardAll: history.rewardAll,
      numRewardPast: history.numRewardPast,
      stay: history.stay,
      rewardedPrev: history.rewardedPrev,
      responseTime: history.responseTime,
      rProb: m.rProb,
      qChosen: enriched.q.chosen,
      rpeEarned: enriched.rpeEarned,
      rewardProbabilityL: pL,
      rewardProbabilityR: pR,
    },
    channels: Object.fromEntries(channelResults.map((c) => [c.partial.key, c.partial])),
    missingChannels,
  };

  // df_trials in the reference's column order: create_df_trials, model info, enrich_df_trials_fm,
  // photometry windows and baselines, au.enrich_df_trials, average windows.
  const trialColumns: Column[] = [
    ...writerTable(trials),
    f64('L_prob', m.lProb),
    f64('R_prob', m.rProb),
    f64('Q_left', m.qLeft),
    f64('Q_right', m.qRight),
    ...(m.lKernel && m.rKernel ? [f64('L_kernel', m.lKernel), f64('R_kernel', m.rKernel)] : []),
    { name: 'choice_name', kind: 'string', values: labelsOf.choice },
    ...familyColumns('Q', enriched.q),
    ...familyColumns('P', enriched.p),
    ...(enriched.k ? familyColumns('K', enriched.k) : []),
    f64('Cprobstay', enriched.cProbStay),
    f64('RPE_earned', enriched.rpeEarned),
    f64('RPE_all', enriched.rpeAll),
  ];
  if (channelResults.length > 0) {
    const w = channelResults[0].enrichment.windows;
    trialColumns.push(
      f64('goCue_start_time_next_in_session', w.nextGoCueInSession),
      f64('goCue_start_time_next_in_trial', w.nextGoCueInTrial),
    );
  }
  for (const c of channelResults) {
    // The reference renames data* columns by deleting `_{preprocessing}`: keyed by the channel.
    trialColumns.push(
      f64(`data_${c.partial.key}_baseline`, c.enrichment.dataBaseline),
      f64(`data_z_${c.partial.key}_baseline`, c.enrichment.dataZBaseline),
    );
  }
  trialColumns.push(
    boolCol('reward_all', history.rewardAll),
    f64('rewarded_prev', history.rewardedPrev),
    { name: 'num_reward_past', kind: 'int64', values: history.numRewardPast },
    binColumn('RPE-binned3', rpeBins, RPE_BIN_LABELS),
    binColumn('Qch-binned3', qchBins, QCH_BIN_LABELS),
    boolCol('stay', history.stay),
    boolCol('switch', history.switch),
    f64('response_time', history.responseTime),
  );
  for (const c of channelResults) trialColumns.push(f64(c.partial.avgColumn, c.partial.avg));

  const files: OutputFile[] = [
    parquetFile(`sessions/${sesIdx}/df_trials.parquet`, { columns: trialColumns }),
    parquetFile(`sessions/${sesIdx}/df_events.parquet`, eventsTable(createDfEvents(session), sesIdx)),
  ];
  if (channelResults.length > 0) files.push(parquetFile(`sessions/${sesIdx}/df_fip.parquet`, fipTable(channelResults, sesIdx)));
  return { partial, files };
}

function parquetFile(name: string, table: ColumnTable): OutputFile {
  return { name, contentType: 'application/vnd.apache.parquet', body: toParquet(table) };
}

/**
 * The tidy df_fip of the analysed channels as the reference leaves it after remove_tonic_df_fip:
 * rows of every channel merged in time order (ties: channel order, then sample order), with
 * data_z and the baseline-removed signals.
 */
function fipTable(channels: readonly ChannelResult[], sesIdx: string): ColumnTable {
  const total = channels.reduce((a, c) => a + c.enrichment.tidy.sample.length, 0);
  const ts = new Float64Array(total);
  const raw = new Float64Array(total);
  const data = new Float64Array(total);
  const event = new Array<string>(total);
  const z = new Float64Array(total);
  const norm = new Float64Array(total);
  const zNorm = new Float64Array(total);
  const pos = new Int32Array(channels.length);
  for (let r = 0; r < total; r++) {
    let best = -1;
    let bestT = Infinity;
    channels.forEach((c, ci) => {
      const p = pos[ci];
      if (p < c.enrichment.tidy.sample.length) {
        const t = c.timestamps[c.enrichment.tidy.sample[p]];
        if (t < bestT) {
          best = ci;
          bestT = t;
        }
      }
    });
    const c = channels[best];
    const p = pos[best]++;
    const k = c.enrichment.tidy.sample[p];
    ts[r] = c.timestamps[k];
    raw[r] = c.raw[k];
    data[r] = c.data[k];
    event[r] = c.partial.series;
    z[r] = c.enrichment.dataZ[k];
    norm[r] = c.enrichment.tidy.dataNorm[p];
    zNorm[r] = c.enrichment.tidy.dataZNorm[p];
  }
  return {
    columns: [
      f64('timestamps', ts),
      f64('data', data),
      { name: 'event', kind: 'string', values: event },
      f64('raw_timestamps', raw),
      { name: 'ses_idx', kind: 'string', values: new Array<string>(total).fill(sesIdx) },
      f64('data_z', z),
      f64('data_norm', norm),
      f64('data_z_norm', zNorm),
    ],
  };
}

