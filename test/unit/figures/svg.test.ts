import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  COLORS,
  composeFigure,
  linePanel,
  psthPanel,
  renderPng,
  renderSvg,
  type Figure,
} from '../../../src/figures/index.js';
import { layoutFigure, layoutSvg, layoutSvgBytes, num } from '../../../src/figures/svg.js';
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
