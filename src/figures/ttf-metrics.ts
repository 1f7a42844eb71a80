// Advance widths from a TrueType file (tables head, hhea, hmtx, cmap format 4), so that layout
// measures text with the same font the PNG is drawn with. Kerning is ignored: a few percent on
// labels, well inside the padding around them.

export interface FontMetrics {
  /** Width in px of `text` at `size` px. */
  width(text: string, size: number): number;
}

export function parseTtfMetrics(bytes: Uint8Array): FontMetrics {
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

  const unitsPerEm = view.getUint16(table('head') + 18);
  const numberOfHMetrics = view.getUint16(table('hhea') + 34);
  const hmtx = table('hmtx');
  const advanceOfGlyph = (glyph: number) =>
    view.getUint16(hmtx + 4 * Math.min(glyph, numberOfHMetrics - 1));

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

  const glyphOf = (code: number): number => {
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

  const advance = new Map<number, number>();
  const advanceOf = (code: number): number => {
    let a = advance.get(code);
    if (a === undefined) {
      a = advanceOfGlyph(code > 0xffff ? 0 : glyphOf(code)) / unitsPerEm;
      advance.set(code, a);
    }
    return a;
  };

  return {
    width(text: string, size: number): number {
      let em = 0;
      for (const ch of text) em += advanceOf(ch.codePointAt(0)!);
      return em * size;
    },
  };
}
