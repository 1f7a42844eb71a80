import { createHash } from 'node:crypto';
import * as zlib from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { composeFigure, psthPanel, renderFigure, renderSvg, slopeOverTimePanel, type BlobCache, type FigureRow } from '../../../src/figures/index.js';
import { renderStrips } from '../../../src/figures/png.js';
import { adler32Combine, assemblePng, deserializeStrip, encodeStrip as encodeWith, serializeStrip } from '../../../src/figures/png-strips.js';

/** RGBA pixels as a strip, as the rasteriser workers make one (from a copy: it encodes in place). */
const encodeStrip = (rgba: Uint8Array, width: number, height: number) => encodeWith(rgba.slice(), width, height, zlib);
import { decodePng } from '../../support/png-decode.js';
import { sessionRow, time } from './samples.js';

/** Adler-32 as zlib computes it: the last 4 bytes of a zlib stream. */
const adler32 = (data: Uint8Array) => {
  const z = zlib.deflateSync(data, { level: 0 });
  return z.readUInt32BE(z.length - 4);
};

const rgbOf = (rgba: Uint8Array) => Uint8Array.from({ length: (rgba.length / 4) * 3 }, (_, i) => rgba[Math.floor(i / 3) * 4 + (i % 3)]);

/** Pixels with flat runs, edges and noise: long matches and literals in the deflate stream. */
const stripArb = (width: number) =>
  fc.integer({ min: 1, max: 12 }).chain((height) =>
    fc.uint8Array({ minLength: width * height * 4, maxLength: width * height * 4 }).map((noise) => {
      const rgba = Uint8Array.from(noise, (v, i) => (Math.floor(i / 4) % 5 < 2 ? v : (i >> 6) & 0xff));
      return { rgba, height };
    }),
  );

describe('PNG strips', () => {
  it("Adler-32 of a concatenation combines from the parts' (zlib's adler32_combine)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 9000 }), fc.uint8Array({ maxLength: 9000 }), (a, b) => {
        const ab = new Uint8Array(a.length + b.length);
        ab.set(a);
        ab.set(b, a.length);
        expect(adler32Combine(adler32(a), adler32(b), b.length)).toBe(adler32(ab));
      }),
    );
  });

  it('strips encoded alone decode, stacked, to exactly the pixels (zlib checks the stream and checksum)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }).chain((w) => fc.tuple(fc.constant(w), fc.array(stripArb(w), { minLength: 1, maxLength: 5 }))), ([width, parts]) => {
        const strips = parts.map((p) => encodeStrip(p.rgba, width, p.height));
        const decoded = decodePng(assemblePng(strips));
        expect(decoded.width).toBe(width);
        expect(decoded.height).toBe(parts.reduce((n, p) => n + p.height, 0));
        expect(Buffer.from(decoded.rgb).equals(Buffer.concat(parts.map((p) => rgbOf(p.rgba))))).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('a strip of 2.2 MB of scanlines decodes to exactly its pixels', () => {
    const [width, height] = [900, 800];
    const [top] = fc.sample(stripArb(width), { numRuns: 1, seed: 7 });
    const rgba = new Uint8Array(width * height * 4);
    for (let at = 0; at < rgba.length; at += top.rgba.length) rgba.set(top.rgba.subarray(0, Math.min(top.rgba.length, rgba.length - at)), at);
    const strips = [encodeStrip(rgba, width, height), encodeStrip(top.rgba, width, top.height)];
    const decoded = decodePng(assemblePng(strips));
    expect(decoded.height).toBe(height + top.height);
    expect(Buffer.from(decoded.rgb).equals(Buffer.concat([rgbOf(rgba), rgbOf(top.rgba)]))).toBe(true);
  });

  it('a strip survives the cache format; damaged bytes are refused, not decoded', () => {
    const strip = encodeStrip(new Uint8Array(8 * 3 * 4).fill(200), 8, 3);
    expect(deserializeStrip(serializeStrip(strip))).toEqual(strip);
    const damaged = serializeStrip(strip);
    damaged[damaged.length - 6] ^= 0xff;
    expect(deserializeStrip(damaged)).toBeUndefined();
    expect(deserializeStrip(new TextEncoder().encode('not a strip at all, just text'))).toBeUndefined();
    const narrow = encodeStrip(new Uint8Array(16), 4, 1);
    expect(() => assemblePng([strip, narrow])).toThrow(/4 px wide, the first 8 px/);
  });
});

class MemoryCache implements BlobCache {
  readonly map = new Map<string, Uint8Array>();
  puts = 0;
  async get(key: string) {
    return this.map.get(key);
  }
  async put(key: string, bytes: Uint8Array) {
    this.puts++;
    this.map.set(key, bytes);
  }
}

const sessions = (n: number) =>
  composeFigure({
    title: 'subject 1 · all sessions',
    subtitle: 'mean ± SEM across trials',
    rows: Array.from({ length: n }, (_, r) => ({ title: `session ${r}`, panels: sessionRow(r) })),
  });

describe('renderFigure, row by row', () => {
  it('draws the same picture as the whole SVG drawn at once', async () => {
    const figure = sessions(3);
    const [whole] = await renderStrips([renderSvg(figure)], 2);
    const { png } = await renderFigure(figure, { scale: 2 });
    const a = decodePng(Buffer.concat(png));
    const b = decodePng(assemblePng([whole]));
    expect([a.width, a.height]).toEqual([whole.width, whole.height]);
    // Not byte-equal: resvg's anti-aliasing rounds edge coverage in fixed point relative to the
    // canvas, so a row drawn at y = 0 instead of y = 588 shades a few single edge pixels one
    // step apart (seen: 9 pixels of 3.5 million, by at most 14 of 255). A layout slip (a block
    // clipped or offset) would differ along whole lines.
    let pixels = 0;
    let worst = 0;
    for (let i = 0; i < a.rgb.length; i += 3) {
      const d = Math.max(...[0, 1, 2].map((k) => Math.abs(a.rgb[i + k] - b.rgb[i + k])));
      if (d > 0) pixels++;
      worst = Math.max(worst, d);
    }
    expect(pixels).toBeLessThan(a.width * a.height * 1e-4);
    expect(worst).toBeLessThanOrEqual(32);
  });

  it('a new row with more digits in its counts and means, a "no data" group or "−0.25" labels moves no column: only it is drawn', async () => {
    // Columns take their widest row's y labels and legend: without room kept for these, the new
    // row would widen a column and every cached row would be drawn again.
    const row = (n: number, mean: number, amplitude: number): FigureRow => ({
      title: `session with n=${n}`,
      panels: [
        psthPanel({
          title: 'choice side',
          time,
          groups: [
            { label: 'left', mean: Float64Array.from(time, (t) => amplitude * Math.sin(t)), sem: new Float64Array(time.length).fill(0.05), n },
            { label: 'ignore', mean: new Float64Array(time.length).fill(n > 999 ? NaN : 0.1), n: 3 },
          ],
        }),
        slopeOverTimePanel({
          dates: [0, 864e5, 1728e5],
          series: [
            { label: 'slope (RPE ≥ 0)', slope: [mean, mean / 2, mean] },
            { label: 'slope (RPE < 0)', slope: [-mean, 0, mean] },
          ],
        }),
      ],
    });
    const rows = [row(12, 0.012, 0.5), row(45, 0.02, 0.6), row(80, 0.03, 0.4)];
    const cache = new MemoryCache();
    await renderFigure(composeFigure({ title: 'growing', rows }), { cache });
    const before = cache.puts;
    const grown = await renderFigure(composeFigure({ title: 'growing', rows: [...rows, row(1234, -1.234, 0.25)] }), { cache });
    expect(cache.puts - before).toBe(1);
    const fresh = await renderFigure(composeFigure({ title: 'growing', rows: [...rows, row(1234, -1.234, 0.25)] }));
    expect(Buffer.concat(grown.png).equals(Buffer.concat(fresh.png))).toBe(true);
  });

  it('with a cache, a figure that gained a row draws only that row, and the PNG is the same as uncached', async () => {
    const cache = new MemoryCache();
    await renderFigure(sessions(4), { cache });
    expect(cache.puts).toBe(6); // title, 4 rows, bottom margin
    const grown = await renderFigure(sessions(5), { cache });
    expect(cache.puts).toBe(7);
    const fresh = await renderFigure(sessions(5));
    expect(Buffer.concat(grown.png).equals(Buffer.concat(fresh.png))).toBe(true);
    expect(grown.svg).toEqual(fresh.svg);
  });

  it('a damaged cache entry is drawn again', async () => {
    const cache = new MemoryCache();
    const first = await renderFigure(sessions(2), { cache });
    for (const [k, v] of cache.map) cache.map.set(k, v.slice(0, 10));
    const again = await renderFigure(sessions(2), { cache });
    expect(Buffer.concat(again.png).equals(Buffer.concat(first.png))).toBe(true);
    expect(cache.puts).toBe(8);
  });

  describe('with a code version, rows already laid out are taken from the cache too', () => {
    const text = (b: Uint8Array) => new TextDecoder().decode(b);
    const sha = (t: string) => createHash('sha256').update(t).digest('hex');
    const isBody = (b: Uint8Array) => /^[0-9a-f]{64}\n/.test(text(b.subarray(0, 65)));
    /** Appends a comment to every cached row body (validly: its hash is redone), to see which are used. */
    const mark = (cache: MemoryCache) => {
      for (const [k, v] of cache.map) {
        if (!isBody(v)) continue;
        const body = `${text(v).slice(65)}<!--cached-->`;
        cache.map.set(k, new TextEncoder().encode(`${sha(body)}\n${body}`));
      }
    };
    const marks = (svg: Uint8Array) => new TextDecoder().decode(svg).split('<!--cached-->').length - 1;
    const versioned = (codeVersion: string) => Object.assign(new MemoryCache(), { codeVersion });

    it('a figure that gained a row lays out only that row, and is the same as uncached', async () => {
      const cache = versioned('v1');
      await renderFigure(sessions(4), { cache });
      expect(cache.puts).toBe(6 + 4); // strips: title, 4 rows, bottom margin; SVG: 4 rows
      const grown = await renderFigure(sessions(5), { cache });
      const fresh = await renderFigure(sessions(5));
      expect(grown.svg).toEqual(fresh.svg);
      expect(Buffer.concat(grown.png).equals(Buffer.concat(fresh.png))).toBe(true);
      mark(cache);
      expect(marks((await renderFigure(sessions(6), { cache })).svg)).toBe(5);
    });

    // Rows named by what they are made from: the same rows as sessions(n), counted as they are built.
    let built = 0;
    const keyed = (n: number, last?: FigureRow) =>
      composeFigure({
        ...sessions(n),
        rows: sessions(n).rows.map((row, r) => ({ key: `session ${r}${last && r === n - 1 ? ' (last)' : ''}`, build: () => (built++, r === n - 1 && last ? last : (row as FigureRow)) })),
      });

    it('keyed rows: a figure that gained a row builds and lays out that row only, and is the same as with every row given', async () => {
      const cache = versioned('v1');
      built = 0;
      await renderFigure(keyed(4), { cache });
      expect(built).toBe(4);
      built = 0;
      const grown = await renderFigure(keyed(5), { cache });
      expect(built).toBe(1);
      const whole = await renderFigure(sessions(5));
      expect(grown.svg).toEqual(whole.svg);
      expect(Buffer.concat(grown.png).equals(Buffer.concat(whole.png))).toBe(true);
    });

    it('keyed rows: a new row that moves the columns has the cached rows built and laid out again', async () => {
      const cache = versioned('v1');
      await renderFigure(keyed(3), { cache });
      // A last row whose first panel has a wider legend than any before: every column moves.
      const wide: FigureRow = { title: 'wide', panels: sessionRow(3).map((p, c) => (c === 0 ? { ...p, legend: [{ label: 'a much longer legend entry than the others', color: '#000', mark: 'line' as const }] } : p)) };
      built = 0;
      const drawn = await renderFigure(keyed(4, wide), { cache });
      expect(built).toBe(4);
      const whole = await renderFigure(composeFigure({ ...sessions(4), rows: [...sessions(3).rows, wide] }));
      expect(drawn.svg).toEqual(whole.svg);
    });

    it('keyed rows: another code version, or a damaged summary, builds the rows again', async () => {
      const cache = versioned('v1');
      const first = await renderFigure(keyed(3), { cache });
      cache.codeVersion = 'v2';
      built = 0;
      expect((await renderFigure(keyed(3), { cache })).svg).toEqual(first.svg);
      expect(built).toBe(3);
      for (const [k, v] of cache.map) if (text(v.subarray(65, 73)) === '{"title"') cache.map.set(k, v.slice(0, v.length - 3));
      built = 0;
      expect((await renderFigure(keyed(3), { cache })).svg).toEqual(first.svg);
      expect(built).toBe(3);
    });

    it('another code version, or a damaged entry, lays the rows out again', async () => {
      const cache = versioned('v1');
      const first = await renderFigure(sessions(3), { cache });
      mark(cache);
      cache.codeVersion = 'v2';
      expect((await renderFigure(sessions(3), { cache })).svg).toEqual(first.svg);
      cache.codeVersion = 'v1';
      for (const [k, v] of cache.map) if (isBody(v) && text(v).includes('<!--cached-->')) cache.map.set(k, v.slice(0, v.length - 3));
      expect((await renderFigure(sessions(3), { cache })).svg).toEqual(first.svg);
    });

    it('a row whose context changed (column positions, legends shown) is laid out again', async () => {
      const cache = versioned('v1');
      await renderFigure(sessions(3), { cache });
      mark(cache);
      // A first row without a legend: the legend now shows in row 1, and the column widths change.
      const changed = composeFigure({ ...sessions(3), rows: [{ title: 'other', panels: sessionRow(9).map((p) => ({ ...p, legend: [] })) }, ...sessions(3).rows.slice(1)] });
      const drawn = await renderFigure(changed, { cache });
      // Row 1 now shows its legend: laid out again (unmarked); row 2, unchanged, may be reused.
      expect(marks(drawn.svg)).toBeLessThan(2);
      expect(new TextDecoder().decode(drawn.svg).replaceAll('<!--cached-->', '')).toBe(new TextDecoder().decode((await renderFigure(changed)).svg));
    });
  });
});
