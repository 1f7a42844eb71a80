// A TrueType file read for what figures need: advance widths (tables head, hhea, hmtx, cmap
// format 4), so layout measures text with the font the PNG is drawn with, and glyph outlines
// (loca, glyf), so the rasteriser is sent text as paths: resvg shapes and outlines every <text>
// anew for each document (half of an all_sess row's drawing time), while a label's outline is
// made here once. Kerning is ignored, in widths and outlines alike: a few percent on labels, well
// inside the padding around them. No library fits: opentype.js 2.0 throws on DejaVu Sans' ccmp
// lookups and holds tens of MB per parsed face.

export interface TextOutline {
  /** SVG path data in font units, y up as in SVG (baseline at 0, pen starting at 0). */
  d: string;
  /** Advance width in font units. */
  width: number;
}

export interface TtfFont {
  unitsPerEm: number;
  /** Width in px of `text` at `size` px. */
  width(text: string, size: number): number;
  /** The outline of `text`, or undefined if a glyph can't be outlined (then let the rasteriser set it). */
  outline(text: string): TextOutline | undefined;
}

interface Point {
  x: number;
  y: number;
  on: boolean;
}
type Contour = Point[];

/** A glyph's outline: its first point (font units, y up), then relative path commands. */
interface GlyphShape {
  x: number;
  y: number;
  rest: string;
}

export function parseTtf(bytes: Uint8Array): TtfFont {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tables = new Map<string, number>();
  const numTables = view.getUint16(4);
  for (let i = 0; i < numTables; i++) {
    const rec = 12 + 16 * i;
    const tag = String.fromCharCode(...bytes.subarray(rec, rec + 4));
    tables.set(tag, view.getUint32(rec + 8));
  }
  const table = (tag: string): number => {
    const offset = tables.get(tag);
    if (offset === undefined) throw new Error(`font has no ${tag} table`);
    return offset;
  };

  const head = table('head');
  const unitsPerEm = view.getUint16(head + 18);
  const longLoca = view.getInt16(head + 50) === 1;
  const numGlyphs = view.getUint16(table('maxp') + 4);
  const numberOfHMetrics = view.getUint16(table('hhea') + 34);
  const hmtx = table('hmtx');
  const advanceOfGlyph = (glyph: number) => view.getUint16(hmtx + 4 * Math.min(glyph, numberOfHMetrics - 1));

  // cmap: the Unicode BMP subtable (platform 3 encoding 1, or platform 0), format 4
  const cmap = table('cmap');
  let sub = -1;
  for (let i = 0; i < view.getUint16(cmap + 2); i++) {
    const rec = cmap + 4 + 8 * i;
    const platform = view.getUint16(rec);
    const encoding = view.getUint16(rec + 2);
    const offset = cmap + view.getUint32(rec + 4);
    if (view.getUint16(offset) !== 4) continue;
    if ((platform === 3 && encoding === 1) || platform === 0) sub = offset;
  }
  if (sub < 0) throw new Error('font has no format-4 Unicode cmap');
  const segCount = view.getUint16(sub + 6) / 2;
  const endCodes = sub + 14;
  const startCodes = endCodes + 2 * segCount + 2;
  const idDeltas = startCodes + 2 * segCount;
  const idRangeOffsets = idDeltas + 2 * segCount;

  const glyphOfCode = (code: number): number => {
    if (code > 0xffff) return 0;
    for (let s = 0; s < segCount; s++) {
      if (code > view.getUint16(endCodes + 2 * s)) continue;
      const start = view.getUint16(startCodes + 2 * s);
      if (code < start) return 0;
      const delta = view.getUint16(idDeltas + 2 * s);
      const rangeOffset = view.getUint16(idRangeOffsets + 2 * s);
      if (rangeOffset === 0) return (code + delta) & 0xffff;
      const glyph = view.getUint16(idRangeOffsets + 2 * s + rangeOffset + 2 * (code - start));
      return glyph === 0 ? 0 : (glyph + delta) & 0xffff;
    }
    return 0;
  };
  const glyphs = new Map<number, number>();
  const glyphOf = (code: number): number => {
    let g = glyphs.get(code);
    if (g === undefined) glyphs.set(code, (g = glyphOfCode(code)));
    return g;
  };

  const loca = table('loca');
  const glyf = table('glyf');
  const glyphRange = (glyph: number): [number, number] =>
    longLoca
      ? [view.getUint32(loca + 4 * glyph), view.getUint32(loca + 4 * glyph + 4)]
      : [2 * view.getUint16(loca + 2 * glyph), 2 * view.getUint16(loca + 2 * glyph + 2)];

  /** A glyph's contours (simple or composite), or undefined where this reader can't place one. */
  const contoursOf = (glyph: number, depth = 0): Contour[] | undefined => {
    if (glyph >= numGlyphs || depth > 8) return undefined;
    const [start, end] = glyphRange(glyph);
    if (end <= start) return []; // e.g. space
    const at = glyf + start;
    const numberOfContours = view.getInt16(at);
    return numberOfContours >= 0 ? simpleContours(at, numberOfContours) : compositeContours(at, depth);
  };

  const simpleContours = (at: number, n: number): Contour[] => {
    const endPts: number[] = [];
    for (let i = 0; i < n; i++) endPts.push(view.getUint16(at + 10 + 2 * i));
    const numPoints = n > 0 ? endPts[n - 1] + 1 : 0;
    let p = at + 10 + 2 * n;
    p += 2 + view.getUint16(p); // instructions
    const flags: number[] = [];
    while (flags.length < numPoints) {
      const f = view.getUint8(p++);
      flags.push(f);
      if (f & 8) for (let r = view.getUint8(p++); r > 0; r--) flags.push(f);
    }
    const coords = (short: number, same: number): number[] => {
      const out: number[] = [];
      let v = 0;
      for (const f of flags) {
        if (f & short) v += f & same ? view.getUint8(p++) : -view.getUint8(p++);
        else if (!(f & same)) {
          v += view.getInt16(p);
          p += 2;
        }
        out.push(v);
      }
      return out;
    };
    const xs = coords(2, 16);
    const ys = coords(4, 32);
    const contours: Contour[] = [];
    let first = 0;
    for (const last of endPts) {
      const c: Contour = [];
      for (let i = first; i <= last; i++) c.push({ x: xs[i], y: ys[i], on: (flags[i] & 1) === 1 });
      contours.push(c);
      first = last + 1;
    }
    return contours;
  };

  const compositeContours = (at: number, depth: number): Contour[] | undefined => {
    const out: Contour[] = [];
    let p = at + 10;
    const f2dot14 = (o: number) => view.getInt16(o) / 16384;
    for (let more = true; more; ) {
      const flags = view.getUint16(p);
      const component = view.getUint16(p + 2);
      p += 4;
      let dx: number;
      let dy: number;
      if (flags & 1) {
        dx = view.getInt16(p);
        dy = view.getInt16(p + 2);
        p += 4;
      } else {
        dx = view.getInt8(p);
        dy = view.getInt8(p + 1);
        p += 2;
      }
      if (!(flags & 2)) return undefined; // components placed by matching points: not read here
      let [a, b, c, d] = [1, 0, 0, 1];
      if (flags & 8) {
        a = d = f2dot14(p);
        p += 2;
      } else if (flags & 0x40) {
        a = f2dot14(p);
        d = f2dot14(p + 2);
        p += 4;
      } else if (flags & 0x80) {
        [a, b, c, d] = [f2dot14(p), f2dot14(p + 2), f2dot14(p + 4), f2dot14(p + 6)];
        p += 8;
      }
      const parts = contoursOf(component, depth + 1);
      if (!parts) return undefined;
      for (const contour of parts) out.push(contour.map((q) => ({ x: a * q.x + c * q.y + dx, y: b * q.x + d * q.y + dy, on: q.on })));
      more = (flags & 0x20) !== 0;
    }
    return out;
  };

  /**
   * A glyph's path data in relative commands after its first point (quadratic curves, implied
   * on-curve midpoints), so one string serves wherever the glyph is set: cached per glyph, where
   * caching per text would keep every distinct label's outline.
   */
  const shapes = new Map<number, GlyphShape | undefined>();
  const shapeOf = (glyph: number): GlyphShape | undefined => {
    if (shapes.has(glyph)) return shapes.get(glyph);
    const contours = contoursOf(glyph);
    let shape: GlyphShape | undefined;
    if (contours) {
      const parts: string[] = [];
      let first: Point | undefined;
      let cur = { x: 0, y: 0 }; // current point, font units, y up
      const rel = (cmd: string, ...qs: Point[]) => {
        parts.push(cmd + qs.map((q) => `${q.x - cur.x} ${cur.y - q.y}`).join(' '));
        cur = qs[qs.length - 1];
      };
      const mid = (a: Point, b: Point): Point => ({ x: (a.x + b.x) / 2, y: (a.y + b.y) / 2, on: true });
      for (const c of contours) {
        if (c.length === 0) continue;
        const startAt = c.findIndex((q) => q.on);
        const start = startAt >= 0 ? c[startAt] : mid(c[0], c[1 % c.length]);
        const from = startAt >= 0 ? startAt : 0;
        if (first) rel('m', start);
        else {
          first = start;
          cur = start;
        }
        for (let k = 1; k <= c.length; k++) {
          const q = c[(from + k) % c.length];
          if (q.on) {
            rel('l', q);
            continue;
          }
          const next = c[(from + k + 1) % c.length];
          rel('q', q, next.on ? next : mid(q, next));
          if (next.on) k++;
        }
        parts.push('z');
        cur = start; // a closed subpath leaves the pen at its start
      }
      shape = { x: first?.x ?? 0, y: first?.y ?? 0, rest: parts.join('') };
    }
    shapes.set(glyph, shape);
    return shape;
  };

  const advance = new Map<number, number>();
  const advanceOf = (code: number): number => {
    let a = advance.get(code);
    if (a === undefined) advance.set(code, (a = advanceOfGlyph(glyphOf(code))));
    return a;
  };

  return {
    unitsPerEm,
    width(text: string, size: number): number {
      let units = 0;
      for (const ch of text) units += advanceOf(ch.codePointAt(0)!);
      return (units / unitsPerEm) * size;
    },
    outline(text: string): TextOutline | undefined {
      const parts: string[] = [];
      let pen = 0;
      for (const ch of text) {
        const code = ch.codePointAt(0)!;
        const glyph = glyphOf(code);
        // A character the font lacks would be drawn by the rasteriser's fallback, not as .notdef.
        const shape = glyph === 0 ? undefined : shapeOf(glyph);
        if (!shape) return undefined;
        if (shape.rest) parts.push(`M${shape.x + pen} ${-shape.y}${shape.rest}`);
        pen += advanceOf(code);
      }
      return { d: parts.join(''), width: pen };
    },
  };
}
