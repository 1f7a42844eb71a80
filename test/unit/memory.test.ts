import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { collectGarbage } from '../../src/memory.js';

const MEMORY_MODULE = fileURLToPath(new URL('../../src/memory.ts', import.meta.url));

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

describe('keepShape', () => {
  // What it relies on, in a node of its own (--trace-deopt): a class's optimised code is dropped
  // when a full collection finds no object of its shape alive, and kept while one sample lives.
  // Optimised on the main thread (--no-concurrent-recompilation): on a busy machine a background
  // compile could finish after the collections, and there would be no code to drop.
  const deoptsAfterCollections = (keep: boolean): number => {
    const script = `
      import { collectGarbage, keepShape } from ${JSON.stringify(MEMORY_MODULE)};
      class Stream { constructor(s) { this.a = s | 1; this.b = 7; } next() { const o = (this.a + this.b) | 0; this.a = this.b ^ (o << 5); this.b = o; return o; } }
      const draw = (s) => { const r = new Stream(s); let x = 0; for (let i = 0; i < 200000; i++) x ^= r.next(); return x; };
      // In functions: a value left in the module body's registers would stay alive as well.
      const setup = () => { if (${keep}) keepShape(new Stream(0)); };
      const run = () => { for (let k = 0; k < 4; k++) { draw(k); collectGarbage(); } };
      setup();
      run();`;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--trace-deopt', '--no-concurrent-recompilation', '--input-type=module', '-e', script], { encoding: 'utf8' });
    // V8 12 (Node 22) says "weak objects", V8 13 (Node 24) "embedded weak objects cleared".
    return out.split('\n').filter((l) => /reason: (embedded )?weak objects/.test(l)).length;
  };

  it("keeps a class's optimised code across collections that would otherwise drop it", () => {
    expect(deoptsAfterCollections(false)).toBeGreaterThan(0);
    expect(deoptsAfterCollections(true)).toBe(0);
  });
});
