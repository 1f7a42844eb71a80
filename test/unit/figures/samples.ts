// Synthetic inputs shaped like the reference's panels, shared by the figure tests.
import {
  COLORS,
  barPanel,
  behaviourPanel,
  composeFigure,
  figureTitle,
  psthPanel,
  scatterFitPanel,
  slopeOverTimePanel,
  type Figure,
  type Panel,
} from '../../../src/figures/index.js';

export const time = Float64Array.from({ length: 201 }, (_, i) => -1 + i / 40);

const bump = (amp: number, centre: number) =>
  Float64Array.from(time, (t) => amp * Math.exp(-((t - centre) ** 2) / 0.2) + 0.05 * Math.sin(7 * t));
const sem = (s: number) => Float64Array.from(time, (t) => s * (1 + 0.3 * Math.abs(Math.sin(t))));

/** The five all_sess panels of one session; the left trace has a NaN gap, "ignore" is empty. */
export function sessionRow(r: number): Panel[] {
  const left = bump(1 + 0.1 * r, 0.5);
  left.fill(NaN, 120, 130);
  return [
    psthPanel({
      title: 'choice side',
      time,
      window: [0.33, 1],
      groups: [
        { label: 'left', mean: left, sem: sem(0.08), n: 120, color: COLORS.left },
        { label: 'right', mean: bump(0.7, 0.6), sem: sem(0.1), n: 98, color: COLORS.right },
        { label: 'ignore', mean: new Float64Array(201).fill(NaN), color: COLORS.ignore },
      ],
    }),
    psthPanel({
      title: 'outcome',
      time,
      groups: [
        { label: 'rewarded', mean: bump(1.4, 0.5), sem: sem(0.1), n: 110, color: COLORS.rewarded },
        { label: 'unrewarded', mean: bump(-0.5, 0.7), sem: sem(0.1), n: 108, color: COLORS.unrewarded },
      ],
    }),
    psthPanel({
      title: 'RPE bins',
      time,
      palette: 'mako',
      groups: [
        { label: 'RPE (−1.0, −0.3]', mean: bump(-0.4, 0.6), sem: sem(0.1) },
        { label: 'RPE (−0.3, 0.3]', mean: bump(0.3, 0.6), sem: sem(0.1) },
        { label: 'RPE (0.3, 1.0]', mean: bump(1.2, 0.6), sem: sem(0.1) },
      ],
    }),
    psthPanel({
      title: 'Q chosen bins',
      time,
      palette: 'vlag',
      groups: [
        { label: 'Q (0.0, 0.3]', mean: bump(0.9, 0.6), sem: sem(0.1) },
        { label: 'Q (0.3, 0.6]', mean: bump(0.6, 0.6), sem: sem(0.1) },
        { label: 'Q (0.6, 1.0]', mean: bump(0.2, 0.6), sem: sem(0.1) },
      ],
    }),
    barPanel({
      title: 'baseline vs reward history',
      x: ['−3', '−2', '−1', '0', '1', '2', '3'],
      series: [
        {
          mean: Float64Array.from([-0.3, -0.2, -0.1, 0, 0.1, 0.25, NaN]),
          err: Float64Array.from([0.05, 0.04, 0.03, 0.03, 0.04, 0.06, NaN]),
        },
      ],
      xLabel: 'rewards in past trials',
      yLabel: 'baseline z-scored dF/F',
    }),
  ];
}

/** A 5-session × 5-panel all_sess figure. */
export function allSessionsFigure(): Figure {
  return composeFigure({
    title: figureTitle({ subject: '697062', channel: 'G_1_dff-bright', location: 'NAc' }),
    subtitle: 'all sessions · aligned to choice · mean ± SEM over trials',
    rows: Array.from({ length: 5 }, (_, r) => ({ title: `session 2023-11-${14 + r}`, panels: sessionRow(r) })),
  });
}

function lcg(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32;
}

/** Slope-over-time, scatter and a behaviour raster, as in the weekly and behaviour figures. */
export function weeklyAndBehaviourFigure(): Figure {
  const rnd = lcg(7);
  const gauss = () => Math.sqrt(-2 * Math.log(rnd() + 1e-12)) * Math.cos(2 * Math.PI * rnd());
  const dates = Float64Array.from({ length: 12 }, (_, i) => Date.UTC(2024, 6, 1 + 3 * i));
  const rpe = Float64Array.from({ length: 300 }, () => gauss() * 0.5);
  const avg = Float64Array.from(rpe, (r) => (r >= 0 ? 0.8 * r : 0.2 * r) + 0.3 * gauss());
  const n = 400;
  const choice = new Float64Array(n);
  const rewarded = new Float64Array(n);
  const pL = new Float64Array(n);
  const pR = new Float64Array(n);
  const pRight = new Float64Array(n);
  let q = 0.5;
  for (let i = 0; i < n; i++) {
    const block = Math.floor(i / 80) % 2;
    pL[i] = block ? 0.1 : 0.5;
    pR[i] = block ? 0.5 : 0.1;
    q += 0.1 * ((pR[i] > pL[i] ? 1 : 0) - q);
    pRight[i] = q;
    choice[i] = i > 360 && rnd() < 0.6 ? 2 : rnd() < q ? 1 : 0;
    rewarded[i] = choice[i] === 2 ? 0 : rnd() < (choice[i] ? pR[i] : pL[i]) ? 1 : 0;
  }
  return composeFigure({
    title: figureTitle({ subject: '717531', channel: 'G_1_dff-bright', location: 'NAc', detail: 'weekly' }),
    rows: [
      {
        title: 'RPE slopes',
        panels: [
          slopeOverTimePanel({
            dates,
            series: [
              { label: 'slope (RPE ≥ 0)', slope: Float64Array.from(dates, (_, i) => 0.6 + 0.03 * i + 0.1 * gauss()) },
              { label: 'slope (RPE < 0)', slope: Float64Array.from(dates, (_, i) => (i === 4 ? NaN : 0.2 + 0.1 * gauss())) },
            ],
          }),
          scatterFitPanel({ title: 'response vs RPE', x: rpe, y: avg }),
        ],
      },
      {
        title: 'Behaviour',
        panels: [
          {
            ...behaviourPanel({ title: 'choices and rewards', choice, rewarded, pRight, rewardProbLeft: pL, rewardProbRight: pR }),
            width: 700,
          },
        ],
      },
    ],
  });
}
