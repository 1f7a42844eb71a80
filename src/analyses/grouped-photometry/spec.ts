import { z } from 'zod';
import { analysisTag, type AnalysisParameterSpec } from '../../schemas/analysis-spec.js';
import { checkLocation } from '../../schemas/locations.js';

// The grouped photometry/behaviour analysis's specification (its parameters), built from the
// generic schema pieces only.

export const GROUPED_PHOTOMETRY_NAME = 'grouped-analysis';
/** Bump when the same inputs and parameters would produce different results. */
export const GROUPED_PHOTOMETRY_VERSION = '1.1.0';

export const PLOT_TYPES = ['avg_lastN_sess', 'all_sess', 'weekly'] as const;
export type PlotType = (typeof PLOT_TYPES)[number];

export const FITTED_MODELS = ['QLearning_L2F1_CKfull_softmax', 'QLearning_L1F1_CK1_softmax'] as const;
export type FittedModel = (typeof FITTED_MODELS)[number];

export const ALIGNMENT_EVENTS = ['choice_time', 'goCue_start_time', 'reward_time'] as const;
export const DATA_COLUMNS = ['data_z_norm', 'data_z', 'data_norm', 'data'] as const;

/** `G_1`, `R_2`, `Iso_1`, optionally with a suffix as in older files (`G_1_preprocessed`). */
export const CHANNEL_NAME_PATTERN = /^(G|R|Iso)_[0-9]+(_.+)?$/;
const PREPROCESSING_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

const PlotType = z.enum(PLOT_TYPES);

/** `[start, end]` in seconds relative to an event; ordered, within `[-limit, limit]`. */
function timeWindow(defaultValue: [number, number], description: string, limit = 60) {
  const bound = z.number().min(-limit).max(limit);
  return z
    .tuple([bound, bound])
    .refine(([start, end]) => start < end, {
      message: 'window start must be before its end',
      path: [1],
      params: { fix: 'give [start, end] with start < end, e.g. [0.33, 1.0]' },
    })
    .default(defaultValue)
    .describe(`${description} [start, end] in seconds.`);
}

const FitSource = z
  .string()
  .superRefine((value, ctx) => {
    if (value === 'fit') return;
    const checked = checkLocation(value);
    if (!checked.ok) {
      ctx.addIssue({ code: 'custom', message: checked.message, params: { fix: checked.fix, code: checked.code } });
    } else if (!checked.normalized.toLowerCase().endsWith('.json')) {
      ctx.addIssue({
        code: 'custom',
        message: `"${value}" is neither "fit" nor a .json file`,
        params: { fix: 'use "fit" to fit the model here, or the location of a JSON file of fitted parameters per session' },
      });
    }
  })
  .default('fit')
  .describe(
    'Where the Q-learning parameters come from: "fit" (our own seeded maximum-likelihood fit) or the location (s3:// URI or path) of a JSON file of fitted parameters per session, e.g. the lab\'s exported fitting results.',
  );

export const GroupedPhotometrySpecSchema = z
  .strictObject({
    analysis_name: z
      .literal(GROUPED_PHOTOMETRY_NAME)
      .default(GROUPED_PHOTOMETRY_NAME)
      .describe('Which analysis to run.'),
    analysis_tag: analysisTag,
    channels: z
      .record(
        z.string().regex(CHANNEL_NAME_PATTERN, {
          error: 'channel names are G_<n>, R_<n> or Iso_<n>, optionally with a _<suffix> (e.g. G_1, Iso_2)',
        }),
        z.string().min(1).max(200),
      )
      // Required, as in the lab's model (no default): a forgotten map on a photometry mouse would
      // otherwise give behaviour outputs only, silently. {} is a deliberate "no photometry".
      .describe(
        'Photometry channels to analyse: channel name -> brain location / indicator, e.g. {"G_1": "NAc dLight", "R_1": "VTA rAAV"}; {} for a mouse without photometry (behaviour outputs only: per-session df_trials and df_events, the behaviour figure, the sessions table; rpe_slope has no rows).',
      ),
    plot_types: z
      .union([PlotType, z.array(PlotType).min(1)])
      .default(['avg_lastN_sess'])
      // One name or several; order and repeats carry no meaning, so normalise for the key.
      .transform((v): PlotType[] => {
        const chosen = new Set(typeof v === 'string' ? [v] : v);
        return PLOT_TYPES.filter((t) => chosen.has(t));
      })
      .describe(
        'Per-mouse figures to draw: "avg_lastN_sess" (average of the last N sessions), "all_sess" (one row per session), "weekly" (slope over time and weekly rows). One name or a list. These figures are per channel: none with "channels": {} (the behaviour figure is always drawn). With only "avg_lastN_sess", the whole run covers the last last_N_sess sessions.',
      ),
    last_N_sess: z
      .int()
      .min(1)
      .max(10_000)
      .default(5)
      .describe('Number of most recent sessions averaged in the avg_lastN_sess figure.'),
    fitted_model: z
      .enum(FITTED_MODELS)
      .default('QLearning_L2F1_CKfull_softmax')
      .describe('Q-learning model whose values and reward-prediction errors enrich the trials.'),
    fit_source: FitSource,
    fit_seed: z
      .int()
      .min(0)
      .max(2 ** 32 - 1)
      .default(0)
      .describe('Seed of the model fit\'s global search, so fits are reproducible.'),
    preprocessing: z
      .string()
      .regex(PREPROCESSING_PATTERN, { error: 'a preprocessing name is letters, digits, ".", "_" or "-"' })
      .default('dff-bright_mc-iso-IRLS')
      .describe(
        'Photometry preprocessing whose traces are analysed: the NWB series is <channel>_<preprocessing> (e.g. G_1_dff-bright_mc-iso-IRLS); "raw" uses the bare channel.',
      ),
    alignment_event: z
      .enum(ALIGNMENT_EVENTS)
      .default('choice_time')
      .describe('Trial event the response window is aligned to.'),
    data_column: z
      .enum(DATA_COLUMNS)
      .default('data_z_norm')
      .describe(
        'Photometry signal used for the response window: data_z_norm = z-scored dF/F minus each trial\'s pre-go-cue baseline (the reference); data_z = z-scored dF/F; data_norm / data = dF/F with / without baseline subtraction.',
      ),
    signal_window_s: timeWindow([0.33, 1.0], 'Response window after the alignment event, averaged per trial:'),
    psth_window_s: timeWindow([-1, 4], 'Time range of the event-aligned traces (PSTH) in the figures:'),
    baseline_window_s: timeWindow([-1, 0], 'Pre-go-cue baseline window, relative to the go cue:'),
  })
  .describe('Parameters of the grouped per-mouse photometry and behaviour analysis.');

export type GroupedPhotometrySpec = z.output<typeof GroupedPhotometrySpecSchema>;
export type GroupedPhotometrySpecInput = z.input<typeof GroupedPhotometrySpecSchema>;

export const groupedPhotometrySpec: AnalysisParameterSpec<typeof GroupedPhotometrySpecSchema> = {
  name: GROUPED_PHOTOMETRY_NAME,
  version: GROUPED_PHOTOMETRY_VERSION,
  schema: GroupedPhotometrySpecSchema,
  ignoredKeys: {
    name: 'upstream label of the analysis; use analysis_tag to label runs',
    dry_run: 'upstream run switch, not a parameter',
  },
};
