// PNG decoding for tests with pngjs, a decoder independent of our encoder (src/figures/png*.ts):
// it checks every chunk's CRC and the zlib stream, and undoes every filter and colour type.
import { PNG } from 'pngjs';

export interface DecodedPng {
  width: number;
  height: number;
  /** RGB bytes, row after row (alpha dropped). */
  rgb: Uint8Array;
}

export function decodePng(png: Uint8Array): DecodedPng {
  const { width, height, data } = PNG.sync.read(Buffer.from(png.buffer, png.byteOffset, png.byteLength), { checkCRC: true });
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0, j = 0; i < data.length; i += 4, j += 3) rgb.set(data.subarray(i, i + 3), j);
  return { width, height, rgb };
}
