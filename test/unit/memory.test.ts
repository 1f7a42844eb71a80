import { describe, expect, it } from 'vitest';
import { collectGarbage } from '../../src/memory.js';

describe('collectGarbage', () => {
  it('collects always without a threshold; with one, only once that much more is in use', () => {
    expect(collectGarbage()).toBe(true);
    expect(collectGarbage(64 * 2 ** 20)).toBe(false);
    const held = new Uint8Array(80 * 2 ** 20).fill(1);
    expect(collectGarbage(64 * 2 ** 20)).toBe(true);
    // The held buffer is the new baseline: no growth since, no collection.
    expect(collectGarbage(64 * 2 ** 20)).toBe(false);
    expect(held[held.length - 1]).toBe(1);
  });
});
