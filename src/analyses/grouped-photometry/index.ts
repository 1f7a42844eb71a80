// The grouped per-mouse photometry and behaviour analysis (the lab's grouped analysis) as a plugin:
// per session, trials enriched with our Q-learning fit, photometry windows, responses and PSTH
// aggregates (session.ts); per mouse, tables, RPE slopes and figures (group.ts).
import { defineAnalysis } from '../define.js';
import { GroupedPhotometrySummary, runGroup } from './group.js';
import { runSession, seriesName } from './session.js';
import { groupedPhotometrySpec } from './spec.js';

export const groupedPhotometry = defineAnalysis({
  parameters: groupedPhotometrySpec,
  title: 'Grouped photometry and behaviour',
  description:
    'Per mouse: trials enriched with a fitted Q-learning model (values, RPE), photometry aligned to choice, ' +
    'per-session RPE slopes of the response, PSTHs by choice, outcome, RPE and value, and behaviour summaries.',
  summary: GroupedPhotometrySummary,
  figures: [
    { name: 'avg_signal_{subject}', description: 'Five PSTH panels per channel, averaged over the last N sessions.' },
    { name: 'all_sess_PSTH_{subject}_{channel}_{location}', description: 'Five PSTH panels per session, one row each.' },
    { name: 'weekly_{subject}_{channel}', description: 'RPE slopes over sessions, then the five panels per week.' },
    { name: 'behavior_{subject}', description: 'Choices, rewards, model P(right) and response times per session.' },
  ],
  sessionRequest: (spec) => ({
    channels: Object.keys(spec.channels).map((k) => seriesName(k, spec.preprocessing)),
    // A channel absent from one session is reported by the analysis, not fatal for the mouse.
    missingChannels: 'skip',
  }),
  // A fit file named by fit_source is read by the activity and hashed into the cache key.
  resources: (spec) => (spec.fit_source === 'fit' ? [] : [spec.fit_source]),
  perSession: {
    // Everything but the figure selection changes the per-session result.
    cacheParameters: ({ plot_types: _plots, last_N_sess: _lastN, analysis_tag: _tag, ...rest }) => rest,
    run: runSession,
  },
  group: runGroup,
});
