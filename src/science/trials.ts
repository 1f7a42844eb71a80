// Per-trial enrichment of the trials table: the reference's `au.enrich_df_trials` (reward history,
// stay/switch, response time, week index) and `DU.enrich_df_trials_fm` (chosen/unchosen model
// values, RPE), plus the placement of a fitted model's latents onto trial rows
// (`DU.get_foraging_model_info`). Pure functions over columns; booleans come back as 0/1 bytes.

/** Session key per row (ses_idx strings or integer codes). Rows of one session need not be contiguous. */
export type Keys = ArrayLike<string | number>;
/** Boolean column: boolean[] or 0/1 numbers. */
export type Flags = ArrayLike<boolean | number>;

/** animal_response codes. */
export const LEFT = 0;
export const RIGHT = 1;
export const IGNORE = 2;

/** Index of the previous row of the same session (-1 for a session's first row): groupby('ses_idx').shift(1). */
export function previousInSession(sesIdx: Keys): Int32Array {
  const prev = new Int32Array(sesIdx.length);
  const last = new Map<string | number, number>();
  for (let i = 0; i < sesIdx.length; i++) {
    const k = sesIdx[i];
    const p = last.get(k);
    prev[i] = p === undefined ? -1 : p;
    last.set(k, i);
  }
  return prev;
}

export interface TrialEnrichmentInput {
  sesIdx: Keys;
  earnedReward: Flags;
  extraReward: Flags;
  animalResponse: ArrayLike<number>;
  choiceTimeInTrial: ArrayLike<number>;
  goCueStartTimeInTrial: ArrayLike<number>;
}

export interface TrialEnrichment {
  /** earned_reward OR extra_reward (auto/manual water counts). */
  rewardAll: Uint8Array;
  /** reward_all of the previous trial in the session: 1/0, NaN on a session's first trial. */
  rewardedPrev: Float64Array;
  /** Position in the current run of rewarded (+) or unrewarded (-) trials; never 0. */
  numRewardPast: Int32Array;
  /** animal_response equals the previous trial's (ignores included; first trial 0). */
  stay: Uint8Array;
  /** Negation of stay (first trial 1). */
  switch: Uint8Array;
  responseTime: Float64Array;
}

/** `au.enrich_df_trials`, the reward-history and stay/switch part, over a (multi-session) table. */
export function enrichTrials(input: TrialEnrichmentInput): TrialEnrichment {
  const n = input.sesIdx.length;
  for (const [name, col] of Object.entries(input)) {
    if ((col as ArrayLike<unknown>).length !== n) {
      throw new RangeError(`enrichTrials: column ${name} has ${(col as ArrayLike<unknown>).length} rows, expected ${n}`);
    }
  }
  const prev = previousInSession(input.sesIdx);
  const rewardAll = new Uint8Array(n);
  for (let i = 0; i < n; i++) rewardAll[i] = input.earnedReward[i] || input.extraReward[i] ? 1 : 0;

  const rewardedPrev = new Float64Array(n);
  const numRewardPast = new Int32Array(n);
  const stay = new Uint8Array(n);
  const sw = new Uint8Array(n);
  const responseTime = new Float64Array(n);
  // The reference numbers runs with cumsum(rewarded_prev != reward_all) over the whole table in
  // row order (NaN != x is true, so each session start opens a run); a run is contiguous.
  let runStart = 0;
  for (let i = 0; i < n; i++) {
    const p = prev[i];
    rewardedPrev[i] = p < 0 ? NaN : rewardAll[p];
    if (p < 0 || rewardAll[p] !== rewardAll[i]) runStart = i;
    const pos = i - runStart + 1;
    numRewardPast[i] = rewardAll[i] ? pos : -pos;
    // pandas: x == NaN is False and x != NaN is True, so switch is always the negation of stay.
    const same = p >= 0 && input.animalResponse[i] === input.animalResponse[p];
    stay[i] = same ? 1 : 0;
    sw[i] = same ? 0 : 1;
    responseTime[i] = input.choiceTimeInTrial[i] - input.goCueStartTimeInTrial[i];
  }
  return { rewardAll, rewardedPrev, numRewardPast, stay, switch: sw, responseTime };
}

const DAY_MS = 86_400_000;

function parseIsoDay(date: string, what: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) throw new RangeError(`${what}: expected YYYY-MM-DD, got '${date}'`);
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / DAY_MS;
}

/**
 * `RAU.get_date_and_week_interval`: floor((date(ses_idx) - startDate).days / 7) + 1, where the
 * session date is the second `_`-separated field of ses_idx (`<subject>_<YYYY-MM-DD>`) and
 * startDate is the earliest session_date of the mouse.
 */
export function weekInterval(sesIdx: string, startDate: string): number {
  const day = parseIsoDay(sesIdx.split('_')[1] ?? '', 'weekInterval(ses_idx)');
  return Math.floor((day - parseIsoDay(startDate, 'weekInterval(startDate)')) / 7) + 1;
}

/** A fitted model's latent variables for one session (T = finished trials). */
export interface ModelLatents {
  /** [left, right], each T + 1 long: value before each trial, then the final state. */
  qValue: readonly [ArrayLike<number>, ArrayLike<number>];
  /** [left, right], each T long. */
  choiceProb: readonly [ArrayLike<number>, ArrayLike<number>];
  /** [left, right], each T + 1 long; models with a choice kernel only. */
  choiceKernel?: readonly [ArrayLike<number>, ArrayLike<number>];
}

export interface ModelTrialColumns {
  qLeft: Float64Array;
  qRight: Float64Array;
  lProb: Float64Array;
  rProb: Float64Array;
  /** Present when the model has a choice kernel ("CK" in its name). */
  lKernel?: Float64Array;
  rKernel?: Float64Array;
}

export interface LatentMapping {
  columns: ModelTrialColumns;
  /** Why the latents were not placed (columns then stay NaN, as in the reference); null if placed. */
  warning: string | null;
}

function nanColumn(n: number): Float64Array {
  return new Float64Array(n).fill(NaN);
}

/**
 * Places model latents on the rows with animal_response < 2, in order (`get_foraging_model_info`):
 * Q and kernel take the value before that trial's update (index t of T + 1), probabilities index t.
 * Other rows stay NaN. A missing fit or a trial-count mismatch leaves every row NaN and returns a
 * warning (the reference prints and moves on, spec F13).
 */
export function mapLatentsToTrials(
  animalResponse: ArrayLike<number>,
  latents: ModelLatents | null,
  withKernel: boolean,
): LatentMapping {
  const n = animalResponse.length;
  const columns: ModelTrialColumns = {
    qLeft: nanColumn(n),
    qRight: nanColumn(n),
    lProb: nanColumn(n),
    rProb: nanColumn(n),
    ...(withKernel ? { lKernel: nanColumn(n), rKernel: nanColumn(n) } : {}),
  };
  if (latents === null) return { columns, warning: 'no fitted model for this session' };
  const rows: number[] = [];
  for (let i = 0; i < n; i++) if (animalResponse[i] < 2) rows.push(i);
  const t = latents.choiceProb[0].length;
  if (rows.length !== t) {
    return {
      columns,
      warning: `model has ${t} trials but the session has ${rows.length} finished trials`,
    };
  }
  const series: Array<[ArrayLike<number>, number]> = [
    [latents.choiceProb[1], t],
    [latents.qValue[0], t + 1],
    [latents.qValue[1], t + 1],
  ];
  if (withKernel) {
    if (!latents.choiceKernel) throw new RangeError('mapLatentsToTrials: model has no choice kernel');
    series.push([latents.choiceKernel[0], t + 1], [latents.choiceKernel[1], t + 1]);
  }
  for (const [s, len] of series) {
    if (s.length !== len) throw new RangeError(`mapLatentsToTrials: latent of length ${s.length}, expected ${len}`);
  }
  for (let k = 0; k < t; k++) {
    const i = rows[k];
    columns.lProb[i] = latents.choiceProb[0][k];
    columns.rProb[i] = latents.choiceProb[1][k];
    columns.qLeft[i] = latents.qValue[0][k];
    columns.qRight[i] = latents.qValue[1][k];
    if (columns.lKernel && columns.rKernel && latents.choiceKernel) {
      columns.lKernel[i] = latents.choiceKernel[0][k];
      columns.rKernel[i] = latents.choiceKernel[1][k];
    }
  }
  return { columns, warning: null };
}

/** chosen / unchosen / sum / Delta / change of one latent pair (Q, P or K). */
export interface ChosenFamily {
  chosen: Float64Array;
  unchosen: Float64Array;
  /** left + right. */
  sum: Float64Array;
  /** chosen - unchosen. */
  delta: Float64Array;
  /** [0, diff(chosen)] (NaN next to ignored trials). */
  change: Float64Array;
}

export interface ModelEnrichment {
  q: ChosenFamily;
  p: ChosenFamily;
  k?: ChosenFamily;
  /** Probability, on the next trial, of the side chosen on this one (NaN on the last trial and ignores). */
  cProbStay: Float64Array;
  /** float(earned_reward) - Q_chosen. */
  rpeEarned: Float64Array;
  /** float(earned_reward) + float(extra_reward) - Q_chosen. */
  rpeAll: Float64Array;
}

function chosenFamily(choice: ArrayLike<number>, left: ArrayLike<number>, right: ArrayLike<number>): ChosenFamily {
  const n = choice.length;
  const chosen = nanColumn(n);
  const unchosen = nanColumn(n);
  const sum = new Float64Array(n);
  const delta = new Float64Array(n);
  const change = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (choice[i] === LEFT) {
      chosen[i] = left[i];
      unchosen[i] = right[i];
    } else if (choice[i] === RIGHT) {
      chosen[i] = right[i];
      unchosen[i] = left[i];
    }
    sum[i] = left[i] + right[i];
    delta[i] = chosen[i] - unchosen[i];
    change[i] = i === 0 ? 0 : chosen[i] - chosen[i - 1];
  }
  return { chosen, unchosen, sum, delta, change };
}

/**
 * `DU.enrich_df_trials_fm` for ONE session (rows in trial order). Rows whose animal_response is
 * neither left nor right get NaN chosen values (the reference handles only 2 there).
 */
export function enrichModelColumns(
  animalResponse: ArrayLike<number>,
  model: ModelTrialColumns,
  earnedReward: Flags,
  extraReward: Flags,
): ModelEnrichment {
  const n = animalResponse.length;
  const q = chosenFamily(animalResponse, model.qLeft, model.qRight);
  const p = chosenFamily(animalResponse, model.lProb, model.rProb);
  const k = model.lKernel && model.rKernel ? chosenFamily(animalResponse, model.lKernel, model.rKernel) : undefined;
  const cProbStay = nanColumn(n);
  const rpeEarned = new Float64Array(n);
  const rpeAll = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const c = animalResponse[i];
    if (i < n - 1 && (c === LEFT || c === RIGHT)) cProbStay[i] = (c === LEFT ? model.lProb : model.rProb)[i + 1];
    const earned = earnedReward[i] ? 1 : 0;
    const extra = extraReward[i] ? 1 : 0;
    rpeEarned[i] = earned - q.chosen[i];
    rpeAll[i] = earned + extra - q.chosen[i];
  }
  return { q, p, ...(k ? { k } : {}), cProbStay, rpeEarned, rpeAll };
}
