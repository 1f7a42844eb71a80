// The reference's categorical bins of RPE and chosen value (`au.enrich_df_trials`), as codes into
// fixed ordered label lists (-1 = missing), with pandas `pd.cut` semantics: right-closed
// intervals (a, b], values on or outside the outer edges missing unless include_lowest.

import type { Flags } from './trials.js';

/**
 * `np.arange(-1, 1.01, 1/3)` with the last edge set to 1.001. numpy fills arange as
 * start + i * ((start + step) - start), hence the slightly-off interior edges; kept verbatim
 * because a value such as RPE = -0.3333333333333334 falls on different sides of them.
 */
export const RPE_BIN_EDGES: readonly number[] = Object.freeze([
  -1, -0.6666666666666667, -0.3333333333333335, -2.220446049250313e-16, 0.33333333333333304,
  0.6666666666666663, 1.001,
]);

/** `str(np.round(left_edge, 2))`: "-0.0" is the bin (-2.2e-16, 0.333], which holds RPE = 0. */
export const RPE_BIN_LABELS: readonly string[] = Object.freeze(['-1.0', '-0.67', '-0.33', '-0.0', '0.33', '0.67']);

export const QCH_BIN_EDGES: readonly number[] = Object.freeze([0, 1 / 3, 2 / 3, 1.01]);

/** Ordered categories of `Qch-binned3`: unrewarded first, then rewarded, each by value bin. */
export const QCH_BIN_LABELS: readonly string[] = Object.freeze([
  'R- (Qch 0)',
  'R- (Qch 0.33)',
  'R- (Qch 0.66)',
  'R+ (Qch 0)',
  'R+ (Qch 0.33)',
  'R+ (Qch 0.66)',
]);

/** `np.searchsorted(edges, x, side='left')`: number of edges strictly below x. */
function edgesBelow(edges: readonly number[], x: number): number {
  let k = 0;
  while (k < edges.length && edges[k] < x) k++;
  return k;
}

/** pd.cut(x, edges, right=True, include_lowest) as a 0-based bin code, -1 when missing. */
function cutRight(edges: readonly number[], x: number, includeLowest: boolean): number {
  if (x !== x) return -1;
  let ids = edgesBelow(edges, x);
  if (includeLowest && x === edges[0]) ids = 1;
  return ids === 0 || ids === edges.length ? -1 : ids - 1;
}

/** `RPE-binned3` codes into RPE_BIN_LABELS (RPE = -1, NaN or > 1.001 give -1). */
export function rpeBinned3(rpeEarned: ArrayLike<number>): Int8Array {
  const out = new Int8Array(rpeEarned.length);
  for (let i = 0; i < rpeEarned.length; i++) out[i] = cutRight(RPE_BIN_EDGES, rpeEarned[i], false);
  return out;
}

/** `Qch-binned3` codes into QCH_BIN_LABELS; -1 where Q_chosen is NaN or outside [0, 1.01]. */
export function qchBinned3(qChosen: ArrayLike<number>, earnedReward: Flags): Int8Array {
  if (qChosen.length !== earnedReward.length) {
    throw new RangeError(`qchBinned3: ${qChosen.length} values but ${earnedReward.length} reward flags`);
  }
  const out = new Int8Array(qChosen.length);
  for (let i = 0; i < qChosen.length; i++) {
    const bin = cutRight(QCH_BIN_EDGES, qChosen[i], true);
    out[i] = bin < 0 ? -1 : bin + (earnedReward[i] ? 3 : 0);
  }
  return out;
}

/** Codes to labels (null where missing), e.g. for a table column. */
export function binLabels(codes: ArrayLike<number>, labels: readonly string[]): Array<string | null> {
  return Array.from(codes, (c) => (c < 0 ? null : labels[c]));
}
