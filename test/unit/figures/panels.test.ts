import { describe, expect, it } from 'vitest';
import {
  COLORS,
  NO_DATA,
  barPanel,
  behaviourPanel,
  format3,
  histogramPanel,
  orderedColors,
  psthPanel,
  scatterFitPanel,
  slopeOverTimePanel,
  type Layer,
  type Panel,
} from '../../../src/figures/index.js';
import { linregress } from '../../../src/science/stats.js';

const layersOf = <T extends Layer['type']>(panel: Panel, type: T) =>
  panel.layers.filter((l): l is Extract<Layer, { type: T }> => l.type === type);

describe('palettes', () => {
  it('samples mako where seaborn color_palette("mako", n) does', () => {
    expect(orderedColors(3, 'mako')).toEqual(['#3e356b', '#357ba3', '#4bc2ad']); // seaborn 0.13.2
  });
  it('keeps the middle of the diverging palette visible on white', () => {
    const [, middle] = orderedColors(3, 'vlag');
    const lum = [1, 3, 5].map((i) => Number.parseInt(middle.slice(i, i + 2), 16));
    expect(Math.max(...lum)).toBeLessThan(200);
  });
});

describe('format3', () => {
  it("matches Python's %.3f, nan included", () => {
    expect(format3(0.12345)).toBe('0.123');
    expect(format3(-2)).toBe('−2.000');
    expect(format3(NaN)).toBe('nan');
  });
});

describe('psthPanel', () => {
  const time = [-1, 0, 1, 2];
  it('shades the window, marks the event and colours ordered groups', () => {
    const p = psthPanel({
      time,
      window: [0.33, 1],
      palette: 'mako',
      groups: [
        { label: 'low', mean: [0, 1, 2, 3], sem: [0.1, 0.1, 0.1, 0.1], n: 4 },
        { label: 'high', mean: [1, 2, 3, 4] },
      ],
    });
    expect(layersOf(p, 'span')).toEqual([{ type: 'span', from: 0.33, to: 1, color: COLORS.window, opacity: 0.18 }]);
    expect(layersOf(p, 'rule')[0]).toMatchObject({ axis: 'x', value: 0 });
    expect(layersOf(p, 'band')).toHaveLength(1);
    expect(layersOf(p, 'line').map((l) => l.color)).toEqual(orderedColors(2, 'mako'));
    expect(p.legend?.map((e) => e.label)).toEqual(['low (n=4)', 'high']);
    expect(p.x.domain).toEqual([-1, 2]);
    expect(p.note).toBeUndefined();
  });
  it('rejects a group whose length differs from the time axis', () => {
    expect(() => psthPanel({ time, groups: [{ label: 'x', mean: [1, 2] }] })).toThrow(/2 means for 4 times/);
  });
  it('notes "no data" when every group is empty', () => {
    const p = psthPanel({ time, groups: [{ label: 'ignore', mean: [NaN, NaN, NaN, NaN] }] });
    expect(p.note).toBe(NO_DATA);
    expect(layersOf(p, 'line')).toHaveLength(0);
  });
});

describe('scatterFitPanel', () => {
  it('fits RPE < 0 and RPE >= 0 apart with scipy-equal OLS and shows slopes to 3 decimals', () => {
    const x = [-1, -0.5, -0.2, 0, 0.4, 1, NaN];
    const y = [-0.3, -0.1, 0.05, 0.2, 0.5, 1.1, 3];
    const p = scatterFitPanel({ x, y });
    const neg = linregress([-1, -0.5, -0.2], [-0.3, -0.1, 0.05]);
    const pos = linregress([0, 0.4, 1], [0.2, 0.5, 1.1]);
    expect(p.legend?.map((e) => e.label)).toEqual([
      `RPE < 0: slope = ${format3(neg.slope)}`,
      `RPE ≥ 0: slope = ${format3(pos.slope)}`,
    ]);
    const [negLine, posLine] = layersOf(p, 'line');
    expect(negLine.color).toBe(COLORS.rpeNegative);
    expect(posLine.color).toBe(COLORS.rpePositive);
    expect(posLine.y[1]).toBeCloseTo(pos.intercept + pos.slope * 1, 12);
  });
  it('draws no line where a side has too few points, and says so', () => {
    const p = scatterFitPanel({ x: [-1, 0.5, 0.7], y: [0, 1, 2] });
    expect(layersOf(p, 'line')).toHaveLength(1);
    expect(p.legend?.[0].label).toBe('RPE < 0: slope = nan');
  });
});

describe('slopeOverTimePanel', () => {
  it('titles a single series with its mean slope, skipping NaN sessions', () => {
    const dates = [Date.UTC(2024, 0, 1), Date.UTC(2024, 0, 8), Date.UTC(2024, 0, 15)];
    const p = slopeOverTimePanel({ dates, series: [{ label: 'slope (RPE ≥ 0)', slope: [0.25, NaN, 0.75] }] });
    expect(p.title).toBe('Average slope = 0.500');
    expect(p.x.scale).toBe('time');
    expect(layersOf(p, 'points')[0].x).toEqual([dates[0], dates[2]]);
    expect(layersOf(p, 'line')).toHaveLength(1);
  });
});

describe('barPanel', () => {
  it('places categorical bars on a band axis and numeric bars at their x', () => {
    const cat = barPanel({ x: ['a', 'b'], series: [{ mean: [1, 2], err: [0.1, 0.2] }], xLabel: 'x', yLabel: 'y' });
    expect(cat.x).toMatchObject({ scale: 'band', categories: ['a', 'b'] });
    expect(layersOf(cat, 'bars')[0]).toMatchObject({ width: 0.8 });
    const num = barPanel({
      x: [-2, 0, 2],
      series: [{ mean: [1, 2, 3] }, { mean: [1, 1, 1] }],
      xLabel: 'x',
      yLabel: 'y',
    });
    const [a, b] = layersOf(num, 'bars');
    expect(a.width).toBeCloseTo(0.8, 12); // 0.8 × gap 2 / 2 series
    expect(Array.from(a.x)).toEqual([-2.4, -0.4, 1.6]);
    expect(Array.from(b.x)).toEqual([-1.6, 0.4, 2.4]);
  });
});

describe('histogramPanel', () => {
  it('bins like numpy (last bin closed) and counts per group', () => {
    const p = histogramPanel({ groups: [{ label: 'stay', values: [0, 1, 2, 3, NaN] }], bins: 3, xLabel: 'rt (s)' });
    const [line] = layersOf(p, 'line');
    expect(Array.from(line.y)).toEqual([1, 1, 1, 1, 2, 2]);
    expect(p.legend?.[0].label).toBe('stay (n=4)');
  });
});

describe('behaviourPanel', () => {
  it('puts rewarded/unrewarded right choices up, left down, ignores on top', () => {
    const p = behaviourPanel({
      choice: [0, 1, 1, 2, 0],
      rewarded: [1, 1, 0, 0, 0],
      pRight: [0.5, 0.6, 0.7, 0.7, 0.4],
      rewardProbLeft: [0.1, 0.1, 0.5, 0.5, 0.5],
      rewardProbRight: [0.5, 0.5, 0.1, 0.1, 0.1],
    });
    const ticks = layersOf(p, 'ticks').map((t) => [Array.from(t.x), t.y0 > 0.5 ? 'up' : 'down', t.color]);
    expect(ticks).toEqual([
      [[1], 'up', COLORS.model],
      [[2], 'up', COLORS.ignore],
      [[0], 'down', COLORS.model],
      [[4], 'down', COLORS.ignore],
      [[3], 'up', COLORS.rpePositive],
    ]);
    const block = layersOf(p, 'line').find((l) => l.curve === 'step')!;
    [5 / 6, 5 / 6, 1 / 6, 1 / 6, 1 / 6].forEach((v, i) => expect(block.y[i]).toBeCloseTo(v, 15));
    expect(p.legend?.map((e) => e.label)).toContain('model P(right)');
  });
});
