import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  COLORS,
  composeFigure,
  linePanel,
  psthPanel,
  renderPng,
  renderSvg,
  slopeOverTimePanel,
  type Figure,
} from '../../../src/figures/index.js';
import { layoutSvg, layoutSvgBytes } from '../../../src/figures/svg/document.js';
import { layoutFigure } from '../../../src/figures/svg/layout.js';
import { num } from '../../../src/figures/svg/text.js';
import { allSessionsFigure, time, weeklyAndBehaviourFigure } from './samples.js';

describe('coordinates', () => {
  it('are written as String(Math.round(v * 100) / 100) would', () => {
    const same = (v: number) => {
      expect(num(v)).toBe(String(Math.round(v * 100) / 100));
    };
    fc.assert(fc.property(fc.double({ noNaN: true }), same), { numRuns: 10_000 });
    fc.assert(fc.property(fc.double({ min: -5000, max: 5000, noNaN: true }), same), { numRuns: 10_000 });
    for (const v of [-0, 0.005, -0.005, 1.005, -12.1, 99.999, 1e21, -1e300, Infinity]) expect(num(v)).toBe(String(Math.round(v * 100) / 100));
  });
});

/** The `d` of every path stroked (or filled) with `color`. */
function pathsOf(svg: string, attr: 'stroke' | 'fill', color: string): string[] {
  const re = new RegExp(`<path d="([^"]*)"[^>]*${attr}="${color}"`, 'g');
  return [...svg.matchAll(re)].map((m) => m[1]);
}
const subpaths = (d: string) => d.split('M').length - 1;
// Label texts as an SVG reader sees them (character references decoded).
const texts = (svg: string) =>
  [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) =>
    m[1].replace(/&#(\d+);/g, (_, code: string) => String.fromCodePoint(Number(code))),
  );

describe('renderSvg', () => {
  const svg = renderSvg(allSessionsFigure());

  it('is an SVG document resvg parses, sized in px', async () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    const [, width, height] = svg.match(/width="(\d+)" height="(\d+)"/)!.map(Number);
    expect(width).toBeGreaterThan(1000);
    expect(height).toBeGreaterThan(800);
    const png = await renderPng(svg, { scale: 0.5 });
    expect(new DataView(png.buffer, png.byteOffset).getUint32(16)).toBe(Math.round(width / 2));
    expect(svg).not.toMatch(/NaN|undefined|Infinity/);
  });

  it('shows figure, row and panel titles, axis titles and units, and legend entries', () => {
    const t = texts(svg);
    expect(t).toContain('subject 697062 · G_1_dff-bright (NAc)');
    expect(t).toContain('all sessions · aligned to choice · mean ± SEM over trials');
    for (let r = 0; r < 5; r++) expect(t).toContain(`session 2023-11-${14 + r}`);
    for (const title of ['choice side', 'outcome', 'RPE bins', 'Q chosen bins', 'baseline vs reward history']) {
      expect(t.filter((x) => x === title)).toHaveLength(5);
    }
    expect(t.filter((x) => x === 'time from choice (s)')).toHaveLength(20);
    expect(t).toContain('z-scored dF/F');
    expect(t).toContain('baseline z-scored dF/F');
    for (const entry of ['left (n=120)', 'right (n=98)', 'ignore (no data)', 'rewarded (n=110)', 'RPE (0.3, 1.0]']) {
      expect(t).toContain(entry);
    }
  });

  it('draws a legend once when the panels below repeat it', () => {
    expect(texts(svg).filter((x) => x === 'left (n=120)')).toHaveLength(1);
  });

  it('breaks lines and bands at NaN instead of bridging them', () => {
    const lines = pathsOf(svg, 'stroke', COLORS.left);
    expect(lines).toHaveLength(5);
    for (const d of lines) expect(subpaths(d)).toBe(2);
    const bands = pathsOf(svg, 'fill', COLORS.left);
    for (const d of bands) expect(subpaths(d)).toBe(2);
  });

  it('marks a panel without data with a note, and survives empty inputs', () => {
    const empty: Figure = composeFigure({
      title: 'empty',
      rows: [
        {
          panels: [
            psthPanel({ title: 'all missing', time, groups: [{ label: 'left', mean: new Float64Array(201).fill(NaN) }] }),
            psthPanel({ title: 'no groups', time: new Float64Array(0), groups: [] }),
            linePanel({ title: 'no sessions', x: [], series: [], xLabel: 'session', yLabel: 'efficiency' }),
          ],
        },
      ],
    });
    const out = renderSvg(empty);
    expect(texts(out).filter((x) => x === 'no data')).toHaveLength(3);
    expect(texts(out)).toContain('left (no data)');
    expect(out).not.toMatch(/NaN|undefined|Infinity/);
  });

  it('labels date axes with dates and names the year once', () => {
    const out = renderSvg(weeklyAndBehaviourFigure());
    const t = texts(out);
    expect(t).toContain('session date (2024)');
    expect(t.some((x) => /^Jul \d\d$/.test(x))).toBe(true);
    expect(t).toContain('Average slope');
    expect(t.some((x) => x.startsWith('slope (RPE ≥ 0): mean = '))).toBe(true);
    expect(t).toContain('model P(right)');
    expect(out).not.toMatch(/NaN|undefined|Infinity/);
  });

  it('escapes markup in labels', () => {
    const out = renderSvg(
      composeFigure({
        title: 'a < b & "c"',
        rows: [{ panels: [psthPanel({ time, groups: [{ label: '<left>', mean: new Float64Array(201) }] })] }],
      }),
    );
    expect(out).toContain('a &lt; b &amp; &quot;c&quot;');
    expect(out).toContain('&lt;left&gt;');
  });

  it('encodes the document to the same UTF-8 bytes piece by piece as whole', () => {
    const layout = layoutFigure(composeFigure({ title: 'mean ± SEM · week 1', rows: allSessionsFigure().rows.slice(0, 2) }));
    expect(layoutSvgBytes(layout)).toEqual(new TextEncoder().encode(layoutSvg(layout)));
  });

  it('writes characters beyond Latin-1 as character references (one byte per character in memory)', () => {
    const out = renderSvg(
      composeFigure({
        title: 'mean ± SEM · RPE ≥ 0 · 🐭',
        rows: [{ panels: [psthPanel({ time, groups: [{ label: 'left', mean: Float64Array.from(time, (t) => t - 2) }] })] }],
      }),
    );
    expect(out).toMatch(/^[\x00-\xff]*$/);
    expect(out).toContain('mean ± SEM · RPE &#8805; 0 · &#128045;');
    expect(texts(out)).toContain('mean ± SEM · RPE ≥ 0 · 🐭');
    expect(texts(out).some((x) => x.startsWith('−'))).toBe(true); // negative tick labels keep their minus sign
  });
});

describe('date axes', () => {
  const DAY = 86_400_000;
  const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const utc = (date: string) => Date.parse(`${date}T00:00:00Z`);

  /** A one-panel figure of points at `dates` (ms), drawn the way the learning curve and slope panels are. */
  function dateFigure(dates: number[], kind: 'line' | 'slope' = 'line', panelWidth = 520) {
    const values = Float64Array.from(dates, (_, i) => 0.2 + 0.1 * (i % 5));
    const panel =
      kind === 'line'
        ? linePanel({ x: Float64Array.from(dates), xScale: 'time', xLabel: 'session date', yLabel: 'fraction', series: [{ label: 'efficiency', y: values }] })
        : slopeOverTimePanel({ dates: Float64Array.from(dates), series: [{ label: 'slope (RPE ≥ 0)', slope: values }] });
    return renderSvg(composeFigure({ title: 'dates', rows: [{ panels: [panel] }], panelWidth, panelHeight: 200 }));
  }

  /** The x tick labels (the centred 10 px texts below the plot) with their x, and the points' x. */
  function axis(svg: string) {
    const ticks = [...svg.matchAll(/<text x="([-\d.]+)" y="[-\d.]+" font-size="10" text-anchor="middle"[^>]*>([^<]*)<\/text>/g)].map((m) => ({
      px: Number(m[1]),
      label: m[2],
    }));
    // the data's points come first (a legend may draw its own marker after them)
    const points = [...svg.matchAll(/<circle cx="([-\d.]+)"/g)].map((m) => Number(m[1]));
    const year = /session date \((\d{4})\)/.exec(svg)?.[1];
    return { ticks, points, year };
  }

  /** The time a tick label names: "Nov 13" (the year in the axis title), "2023-11-13", either with " HH:MM". */
  function dateOf(label: string, year: string | undefined): number {
    const m = /^(?:(\d{4})-(\d\d)-(\d\d)|([A-Z][a-z]{2}) (\d\d))(?: (\d\d):(\d\d))?$/.exec(label);
    if (!m) throw new Error(`not a date label: ${label}`);
    const [y, month, day] = m[1] ? [Number(m[1]), Number(m[2]) - 1, Number(m[3])] : [Number(year), MONTHS.indexOf(m[4]), Number(m[5])];
    return Date.UTC(y, month, day, Number(m[6] ?? 0), Number(m[7] ?? 0));
  }

  /** Every label distinct, and each drawn where its date lies on the axis the points are drawn on. */
  function expectDistinctLabelsAtTheirDates(dates: number[], kind: 'line' | 'slope' = 'line', panelWidth?: number) {
    const { ticks, points, year } = axis(dateFigure(dates, kind, panelWidth));
    expect(ticks.length).toBeGreaterThan(0);
    expect(new Set(ticks.map((t) => t.label)).size, ticks.map((t) => t.label).join(' ')).toBe(ticks.length);
    expect(points.length).toBeGreaterThanOrEqual(dates.length);
    // px of a date, from the first and last points (the x scale is linear in time)
    const px = (d: number) =>
      dates.length === 1 ? points[0] : points[0] + ((d - dates[0]) / (dates.at(-1)! - dates[0])) * (points[dates.length - 1] - points[0]);
    for (const t of ticks) expect(t.px, `tick ${t.label}`).toBeCloseTo(px(dateOf(t.label, year)), 1);
    return ticks.map((t) => t.label);
  }

  it('one session: one tick, at its date (learning curve and slope over time)', () => {
    expect(expectDistinctLabelsAtTheirDates([utc('2023-11-13')])).toEqual(['Nov 13']);
    expect(expectDistinctLabelsAtTheirDates([utc('2023-11-13')], 'slope', 250)).toEqual(['Nov 13']);
  });

  it('sessions on consecutive days: one tick per day, never a date twice', () => {
    expect(expectDistinctLabelsAtTheirDates([utc('2024-05-15'), utc('2024-05-16')])).toEqual(['May 15', 'May 16']);
    expect(expectDistinctLabelsAtTheirDates([utc('2023-11-14'), utc('2023-11-15')], 'slope', 250)).toEqual(['Nov 14', 'Nov 15']);
    expectDistinctLabelsAtTheirDates([utc('2024-05-15'), utc('2024-05-16'), utc('2024-05-17')]);
    expectDistinctLabelsAtTheirDates([utc('2024-05-15'), utc('2024-05-17')], 'slope', 250);
  });

  it('longer spans and spans across years keep distinct labels at their dates', () => {
    const from = utc('2024-06-03');
    expectDistinctLabelsAtTheirDates(Array.from({ length: 27 }, (_, i) => from + i * 2 * DAY));
    expectDistinctLabelsAtTheirDates(Array.from({ length: 27 }, (_, i) => from + i * 2 * DAY), 'slope', 250);
    expectDistinctLabelsAtTheirDates([utc('2023-12-30'), utc('2023-12-31'), utc('2024-01-01'), utc('2024-01-02')]);
    expectDistinctLabelsAtTheirDates([utc('2023-06-01'), utc('2024-06-01')]);
  });

  it('times within one day, off midnight, get distinct labels at their times', () => {
    const t0 = utc('2024-05-15') + 9 * 3_600_000;
    expectDistinctLabelsAtTheirDates([t0, t0 + 3 * 3_600_000]);
  });
});
