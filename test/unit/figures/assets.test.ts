import { describe, expect, it } from 'vitest';
import { FONT_FAMILY, textWidth } from '../../../src/figures/assets.js';

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
