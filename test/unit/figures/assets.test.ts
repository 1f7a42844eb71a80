import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { FONT_FAMILY, FONT_FILES, RESVG_MODULE, textOutline, textWidth } from '../../../src/figures/assets.js';
import { outlineText } from '../../../src/figures/svg/text.js';

describe('bundled font metrics', () => {
  it('reads DejaVu Sans advance widths (units per em 2048)', () => {
    expect(FONT_FAMILY).toBe('DejaVu Sans');
    expect(textWidth('W', 10)).toBeCloseTo((2025 / 2048) * 10, 9);
    expect(textWidth('i', 10)).toBeCloseTo((569 / 2048) * 10, 9);
    expect(textWidth('Wi', 20)).toBeCloseTo(2 * (textWidth('W', 10) + textWidth('i', 10)), 9);
  });
  it('measures bold wider than regular, and symbols the labels use', () => {
    expect(textWidth('z-scored dF/F', 11, true)).toBeGreaterThan(textWidth('z-scored dF/F', 11));
    for (const ch of ['−', '≥', '±', '·']) expect(textWidth(ch, 10)).toBeGreaterThan(2);
  });
});

// Text outlined by ttf.ts must look as resvg sets the same text itself. Each character is drawn
// alone (resvg kerns pairs; ttf.ts doesn't, by design) in a grid, regular and bold, at scale 2.
describe('text outlines', () => {
  const require = createRequire(import.meta.url);
  const { Resvg } = require(RESVG_MODULE) as typeof import('@resvg/resvg-js');
  const draw = (svg: string) =>
    new Resvg(svg, { fitTo: { mode: 'zoom', value: 2 }, font: { fontFiles: [...FONT_FILES], loadSystemFonts: false, defaultFontFamily: FONT_FAMILY } })
      .render().pixels;
  const doc = (body: string) => `<svg xmlns="http://www.w3.org/2000/svg" width="400" height="200" viewBox="0 0 400 200" font-family="${FONT_FAMILY}">${body}</svg>`;
  // Labels' characters: digits, letters, punctuation and symbols, plus composite glyphs (é, Å).
  const CHARS = [...'0123456789.-+−–()[]/%=≥<>±·,:_ abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZμéÅ'];

  it.each([false, true])('draws each character as resvg does (bold: %s)', (bold) => {
    const body = (anchor: string) =>
      CHARS.map((ch, i) => {
        const [x, y] = [20 + (i % 20) * 18, 24 + Math.floor(i / 20) * 30];
        const attrs = `x="${x}" y="${y}" font-size="${11 + (i % 3)}"${anchor}${bold ? ' font-weight="bold"' : ''} fill="#222222"`;
        return `<text ${attrs}>${ch.replace('<', '&lt;').replace('>', '&gt;')}</text>`;
      }).join('');
    for (const anchor of ['', ' text-anchor="middle"', ' text-anchor="end"']) {
      const svg = doc(body(anchor));
      const outlined = outlineText(svg);
      expect(outlined).not.toContain('<text');
      const [a, b] = [draw(svg), draw(outlined)];
      let far = 0;
      let inked = 0;
      for (let i = 3; i < a.length; i += 4) {
        if (a[i] > 0) inked++;
        if (Math.abs(a[i] - b[i]) > 32) far++;
      }
      // Same outlines, placed within rounding of 2 decimals: only edge coverage may differ.
      expect(inked).toBeGreaterThan(5_000);
      expect(far / inked).toBeLessThan(0.02);
    }
  });

  it('outlines whole strings with the advance widths layout measures, and leaves what the font lacks as text', () => {
    const o = textOutline('slope (RPE ≥ 0)')!;
    expect((o.width / o.unitsPerEm) * 11).toBeCloseTo(textWidth('slope (RPE ≥ 0)', 11), 9);
    expect(textOutline('中')).toBeUndefined();
    const svg = doc('<text x="10" y="20" font-size="10" fill="#222222">a &amp; 中</text><text x="10" y="40" font-size="10" fill="#222222">a &amp; b</text>');
    expect(outlineText(svg).match(/<text/g)).toHaveLength(1);
    // Character references (how svg/text.ts writes characters beyond Latin-1) are outlined as the character.
    const ref = (body: string) => outlineText(doc(`<text x="10" y="20" font-size="10" fill="#222222">${body}</text>`));
    expect(ref('&#8722;1 &#8805; &amp;')).toBe(ref('−1 ≥ &amp;'));
    expect(ref('&#8722;1')).not.toContain('<text');
  });
});
