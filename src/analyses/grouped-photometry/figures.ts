// Figures of the grouped photometry analysis (science-spec section D), built from session
// partials: the five-panel PSTH row (choice side, outcome, RPE bins, Q-chosen bins, baseline vs
// reward history) over one session or averaged over several, slope over time, and behaviour.
import {
  barPanel,
  behaviourPanel,
  composeFigure,
  histogramPanel,
  psthPanel,
  renderFigure,
  slopeOverTimePanel,
  type BlobCache,
  type Figure,
  type FigureRow,
  type Panel,
} from '../../figures/index.js';
import { baselineBars } from '../../science/psth.js';
import { nanmean, nansem } from '../../science/stats.js';
import type { OutputFile } from '../define.js';
import { PSTH_PANELS, PSTH_PANEL_NAMES, type PsthPanelName, type PsthStat, type SessionPartial } from './session.js';
import type { GroupedPhotometrySpec } from './spec.js';
import { dateMs } from './tables.js';

const PANEL_TITLES: Record<PsthPanelName, string> = {
  choice: 'choice side',
  reward: 'outcome (earned reward)',
  rpe: 'RPE bins',
  qch: 'Q chosen bins',
};
const PANEL_PALETTE = { choice: undefined, reward: undefined, rpe: 'mako', qch: 'vlag' } as const;

/** A trace with at least one value. */
function hasData(s: PsthStat | null): s is PsthStat {
  return s !== null && s.mean.some((v) => v === v);
}

/**
 * Mean trace of one label over sessions, and its band: SEM over events (one session) or over
 * session means (`overSessions`, by default when given several). `n` is what the mean is made of:
 * the events averaged, or the sessions whose trace has data (a session whose events of the label
 * have no signal adds nothing). Over sessions, a label that one session alone has is that
 * session's mean: n = 1 and no band (the reference's SEM over one session mean is NaN).
 */
export function averageTraces(stats: readonly (PsthStat | null)[], length: number, overSessions = stats.length > 1) {
  const present = stats.filter(hasData);
  if (present.length === 0) return { mean: new Float64Array(length).fill(NaN), band: undefined, n: 0 };
  if (present.length === 1) {
    return overSessions ? { mean: present[0].mean, band: undefined, n: 1 } : { mean: present[0].mean, band: present[0].sem, n: present[0].events };
  }
  const mean = new Float64Array(length);
  const band = new Float64Array(length);
  const column = new Float64Array(present.length);
  for (let k = 0; k < length; k++) {
    present.forEach((s, i) => (column[i] = s.mean[k]));
    mean[k] = nanmean(column);
    band[k] = nansem(column);
  }
  return { mean, band, n: present.length };
}

/**
 * The five panels for one channel over `sessions` (one session: per-trial statistics; several:
 * per-session means, also for a label or channel that only one of them has).
 */
export function psthRow(
  sessions: readonly SessionPartial[],
  key: string,
  time: Float64Array,
  spec: GroupedPhotometrySpec,
  title: string,
): FigureRow {
  const withChannel = sessions.filter((s) => key in s.channels);
  const panels: Panel[] = PSTH_PANEL_NAMES.map((panel) =>
    psthPanel({
      title: PANEL_TITLES[panel],
      time,
      xLabel: `time from ${spec.alignment_event.replace(/_/g, ' ')} (s)`,
      yLabel: 'z-scored dF/F',
      window: spec.signal_window_s,
      palette: PANEL_PALETTE[panel],
      groups: PSTH_PANELS[panel].map((label, l) => {
        const { mean, band, n } = averageTraces(
          withChannel.map((s) => s.channels[key].psth[panel][l]),
          time.length,
          sessions.length > 1,
        );
        return { label, mean, sem: band, n };
      }),
    }),
  );
  const bars = baselineBars(
    withChannel.map((s) => ({ numRewardPast: s.trials.numRewardPast, baseline: s.channels[key].baselineZ })),
  );
  panels.push(
    barPanel({
      title: 'pre-go-cue baseline',
      x: Float64Array.from(bars, (b) => b.x),
      series: [{ mean: Float64Array.from(bars, (b) => b.mean), err: Float64Array.from(bars, (b) => b.sem) }],
      xLabel: 'reward run before the trial (+ rew., − unrew.)',
      yLabel: 'baseline z-scored dF/F',
    }),
  );
  return { title, panels };
}

export interface SlopePoint {
  date: string;
  pos: number;
  neg: number;
}

export function slopeRow(points: readonly SlopePoint[], title: string): FigureRow {
  return {
    title,
    panels: [
      slopeOverTimePanel({
        dates: Float64Array.from(points, (p) => dateMs(p.date)),
        series: [
          { label: 'slope (RPE ≥ 0)', slope: Float64Array.from(points, (p) => p.pos) },
          { label: 'slope (RPE < 0)', slope: Float64Array.from(points, (p) => p.neg) },
        ],
        yLabel: 'slope (z-scored dF/F per unit RPE)',
      }),
    ],
  };
}

/** Choice/reward raster with model P(right), and response times after stay vs switch. */
export function behaviourRow(s: SessionPartial): FigureRow {
  const t = s.trials;
  const stayTimes: number[] = [];
  const switchTimes: number[] = [];
  t.responseTime.forEach((rt, i) => (t.stay[i] ? stayTimes : switchTimes).push(rt));
  const model = s.model ? `${s.model.name}, NLL ${s.model.nll.toFixed(1)}` : (s.modelWarning ?? 'no model');
  return {
    title: `${s.sesIdx} · ${s.finishedTrials}/${s.totalTrials} finished · efficiency ${s.efficiency.foraging_efficiency.toFixed(3)} · ${model}`,
    panels: [
      {
        ...behaviourPanel({
          title: 'choices, rewards and model',
          choice: t.animalResponse,
          rewarded: t.earnedReward,
          pRight: t.rProb,
          rewardProbLeft: t.rewardProbabilityL,
          rewardProbRight: t.rewardProbabilityR,
        }),
        width: 640,
      },
      histogramPanel({
        title: 'response time',
        groups: [
          { label: 'stay', values: stayTimes },
          { label: 'switch', values: switchTimes },
        ],
        bins: 40,
        xLabel: 'choice time from go cue (s)',
      }),
    ],
  };
}

/** SVG and PNG files of a figure under `figures/`; rows drawn before are taken from `cache`. */
export async function figureFiles(name: string, figure: Figure, cache?: BlobCache): Promise<OutputFile[]> {
  const { svg, png } = await renderFigure(composeFigure(figure), { cache });
  return [
    { name: `figures/${name}.svg`, contentType: 'image/svg+xml', body: svg },
    { name: `figures/${name}.png`, contentType: 'image/png', body: png },
  ];
}

/** A brain location as a file-name part ("NAc dLight" -> "NAc_dLight"). */
export function fileSafe(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]+/g, '_');
}
