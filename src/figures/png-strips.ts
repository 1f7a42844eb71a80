// A PNG built from horizontal strips that are encoded on their own and joined without re-encoding.
// Each strip's scanlines are stored unfiltered (nothing refers above the strip) and deflated with a
// full flush (no back-references across strips, no final block), so compressed strips can be cached
// and concatenated: the zlib stream is a 2-byte header, the strips' deflate data, an empty final
// block, and the Adler-32 of everything, which combines from the strips' own checksums. A tall
// figure is then never held as one pixmap, and a figure that gained a row re-encodes that row only.
import { crc32 } from 'node:zlib';

/** One encoded strip: its size in pixels, the Adler-32 of its scanline bytes, and its IDAT chunk. */
export interface PngStrip {
  width: number;
  height: number;
  /** Scanline (uncompressed) byte count: (1 + 3 × width) × height. */
  rawLength: number;
  adler: number;
  /** A complete IDAT chunk (length, type, deflate data, CRC). */
  idat: Uint8Array;
}

/** What encodeStrip needs of node:zlib (passed in: the rasteriser workers run its source text). */
export type StripZlib = Pick<typeof import('node:zlib'), 'constants' | 'crc32' | 'deflateRawSync'>;

const SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);
const MOD = 65521;

/** A PNG chunk in a buffer of its own (transferable). Self-contained: the workers run its source text too. */
export function chunk(type: string, data: Uint8Array, crc: StripZlib['crc32']): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc(out.subarray(4, 8 + data.length)));
  return out;
}

/** Adler-32 of A‖B from those of A and B and B's length (zlib's adler32_combine). */
export function adler32Combine(adlerA: number, adlerB: number, lengthB: number): number {
  const a1 = adlerA & 0xffff;
  const b1 = adlerA >>> 16;
  const a2 = adlerB & 0xffff;
  const b2 = adlerB >>> 16;
  const n = lengthB % MOD;
  const a = (a1 + a2 + MOD - 1) % MOD;
  const b = (b1 + b2 + ((n * a1) % MOD) + MOD - n) % MOD;
  return ((b << 16) | a) >>> 0;
}

/**
 * RGBA pixels (alpha dropped: figures are drawn on white) as unfiltered RGB scanlines, and their
 * Adler-32 in the same pass. Filter None suits flat-coloured plots best: on an all_sess row it
 * deflates smaller than libpng's adaptive choice among None/Sub/Up, and faster.
 * In place: the scanlines are written over the front of `rgba` (writing never overtakes reading:
 * each pixel is read before anything is written over it), so a drawn row is not held twice; `raw`
 * is a view of `rgba`, whose pixels are gone afterwards.
 * Self-contained (no names from outside its body): the rasteriser workers run its source text.
 */
export function scanlines(rgba: Uint8Array, width: number, height: number): { raw: Uint8Array; adler: number } {
  const mod = 65521; // Adler-32's modulus
  const stride = 3 * width;
  const raw = rgba.subarray(0, (stride + 1) * height);
  let a = 1;
  let b = 0;
  for (let y = 0, p = 0; y < height; y++) {
    b += a; // the line's filter byte, 0 (None), written below once the line's first pixel is read
    const line = y * (stride + 1);
    for (let o = line + 1, end = o + stride; o < end; o += 3, p += 4) {
      const r = rgba[p];
      const g = rgba[p + 1];
      const bl = rgba[p + 2];
      raw[o] = r;
      raw[o + 1] = g;
      raw[o + 2] = bl;
      b += (a += r) + (a += g) + (a += bl);
    }
    raw[line] = 0;
    // Reduced once per line: b stays far below 2^53 for any width under a million px.
    a %= mod;
    b %= mod;
  }
  return { raw, adler: ((b << 16) | a) >>> 0 };
}

/**
 * RGBA pixels as a strip: their scanlines (scanlines) deflated with a full flush into one IDAT
 * chunk. The rasteriser workers run it after drawing, so pixels never reach the main thread.
 * Self-contained apart from `scanlines` and `zlib`: the workers run its source text.
 */
export function encodeStrip(rgba: Uint8Array, width: number, height: number, zlib: StripZlib): PngStrip {
  const { raw, adler } = scanlines(rgba, width, height);
  // Level 3, zlib's fastest-matching level with the best ratio: about half the time of level 4
  // for slightly larger files, where deflating was a large share of a row's time in the
  // rasteriser workers.
  const deflated = zlib.deflateRawSync(raw, { level: 3, finishFlush: zlib.constants.Z_FULL_FLUSH });
  return { width, height, rawLength: raw.length, adler, idat: chunk('IDAT', deflated, zlib.crc32) };
}

/**
 * A PNG (8-bit RGB) of the strips stacked top to bottom, as its pieces in order (the strips' own
 * IDAT chunks among them, not copied); all strips must have the same width.
 */
export function pngParts(strips: readonly PngStrip[]): Uint8Array[] {
  if (strips.length === 0) throw new RangeError('pngParts: no strips');
  const width = strips[0].width;
  let height = 0;
  let adler = 1;
  for (const s of strips) {
    if (s.width !== width) throw new RangeError(`pngParts: a strip is ${s.width} px wide, the first ${width} px`);
    height += s.height;
    adler = adler32Combine(adler, s.adler, s.rawLength);
  }
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit, truecolour, deflate, adaptive filtering, no interlace
  const tail = new Uint8Array(6);
  tail.set([0x03, 0x00]); // an empty final fixed-Huffman block ends the deflate stream
  new DataView(tail.buffer).setUint32(2, adler);
  return [
    SIGNATURE,
    chunk('IHDR', ihdr, crc32),
    chunk('IDAT', Uint8Array.of(0x78, 0x01), crc32), // zlib header: deflate, 32 KiB window
    ...strips.map((s) => s.idat),
    chunk('IDAT', tail, crc32),
    chunk('IEND', new Uint8Array(0), crc32),
  ];
}

/** pngParts joined into one buffer. */
export function assemblePng(strips: readonly PngStrip[]): Uint8Array {
  const parts = pngParts(strips);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const STRIP_MAGIC = 0x47415331; // "GAS1"

/** A strip as bytes, for a cache. */
export function serializeStrip(s: PngStrip): Uint8Array {
  const out = new Uint8Array(20 + s.idat.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, STRIP_MAGIC);
  view.setUint32(4, s.width);
  view.setUint32(8, s.height);
  view.setUint32(12, s.rawLength);
  view.setUint32(16, s.adler);
  out.set(s.idat, 20);
  return out;
}

/** The strip serializeStrip wrote, or undefined for bytes that are not one (a damaged cache entry). */
export function deserializeStrip(bytes: Uint8Array): PngStrip | undefined {
  if (bytes.length < 32) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0) !== STRIP_MAGIC) return undefined;
  const idat = bytes.slice(20);
  const idatView = new DataView(idat.buffer);
  const length = idatView.getUint32(0);
  if (length + 12 !== idat.length || idatView.getUint32(8 + length) !== crc32(idat.subarray(4, 8 + length))) return undefined;
  return { width: view.getUint32(4), height: view.getUint32(8), rawLength: view.getUint32(12), adler: view.getUint32(16), idat };
}
