// Fitted Q-learning parameters from a file (e.g. the lab's exported fitting results) instead of
// our own fit: `fit_source` names the file; the activity reads it (a plugin resource).
import { z } from 'zod';
import { closest } from '../../schemas/analysis-spec.js';
import { evaluateQLearning, QLEARNING_MODELS, type QLearningModelName } from '../../science/qlearning.js';
import { AnalysisInputError } from '../define.js';

const FitEntry = z.looseObject({
  ses_idx: z.string().optional().describe('<subject>_<YYYY-MM-DD>'),
  nwb_name: z.string().optional().describe('file name of the session, e.g. behavior_697062_2023-11-14_11-12-44.nwb'),
  params: z.record(z.string(), z.number()),
  n_trials: z.int().min(0).optional().describe('finished trials the fit used; a mismatch skips the session'),
});
type FitEntry = z.output<typeof FitEntry>;

/** Either a list of entries, or an object keyed by ses_idx / nwb_name (checked separately, so errors name the field). */
const FitList = z.array(FitEntry);
const FitMap = z.record(z.string(), FitEntry.omit({ ses_idx: true, nwb_name: true }).loose());

export type FitLookup = Map<string, FitEntry>;

export function parseFitFile(bytes: Uint8Array | undefined, location: string): FitLookup {
  if (!bytes) throw new AnalysisInputError(`fit_source ${location} was not read`, location);
  let data: unknown;
  try {
    data = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (e) {
    throw new AnalysisInputError(`fit_source ${location} is not UTF-8 JSON: ${(e as Error).message}`, location);
  }
  const parsed = Array.isArray(data) ? FitList.safeParse(data) : FitMap.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AnalysisInputError(
      `fit_source ${location}: at $${issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}: ${issue.message}. ` +
        'Expected [{"ses_idx": "<subject>_<date>", "params": {...}, "n_trials": N}, ...] or {"<ses_idx or nwb_name>": {"params": {...}}}',
      location,
    );
  }
  // Exports carry other fields (model name, likelihood, ...), kept; but a misspelt known field
  // (`n_trial`) would silently turn its check off, so a near miss is refused.
  const known = Object.keys(FitEntry.shape);
  const listed: [string, Record<string, unknown>][] = Array.isArray(data)
    ? (data as Record<string, unknown>[]).map((e, i) => [`[${i}]`, e])
    : Object.entries(data as Record<string, Record<string, unknown>>).map(([k, e]) => [`.${k}`, e]);
  for (const [at, entry] of listed) {
    for (const field of Object.keys(entry)) {
      const guess = known.includes(field) ? undefined : closest(field, known);
      if (guess) throw new AnalysisInputError(`fit_source ${location}: at $${at}.${field}: unknown field; did you mean "${guess}"? Correct or remove it`, location);
    }
  }
  const lookup: FitLookup = new Map();
  const entries: [string | undefined, FitEntry][] = Array.isArray(parsed.data)
    ? parsed.data.flatMap((e) => [[e.ses_idx, e], [e.nwb_name, e]] as [string | undefined, FitEntry][])
    : Object.entries(parsed.data);
  for (const [key, entry] of entries) if (key) lookup.set(key.replace(/\.nwb$/, ''), entry);
  return lookup;
}

/**
 * The model at the file's parameters for one session, or why it is skipped (no entry, or a
 * different number of finished trials, as the reference skips mismatched latents).
 */
export function fitFromFile(
  lookup: FitLookup,
  location: string,
  keys: string[],
  model: QLearningModelName,
  choices: number[],
  rewards: number[],
) {
  const entry = keys.map((k) => lookup.get(k.replace(/\.nwb$/, ''))).find((e) => e !== undefined);
  if (!entry) return { fit: null, reason: `no fitted parameters for ${keys[0]} in ${location}` };
  if (entry.n_trials !== undefined && entry.n_trials !== choices.length) {
    return { fit: null, reason: `${location} was fitted on ${entry.n_trials} finished trials, the session has ${choices.length}: skipped` };
  }
  const spec = QLEARNING_MODELS[model];
  const missing = spec.free.map((b) => b.name).filter((n) => !(n in entry.params));
  if (missing.length) {
    throw new AnalysisInputError(`${location}: ${keys[0]}: parameters of ${model} missing: ${missing.join(', ')}`, location);
  }
  try {
    return { fit: evaluateQLearning(model, { ...spec.fixed, ...entry.params }, choices, rewards), reason: null };
  } catch (e) {
    throw new AnalysisInputError(`${location}: ${keys[0]}: ${(e as Error).message}`, location);
  }
}
