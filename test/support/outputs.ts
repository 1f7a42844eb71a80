// Reading an analysis' output files back in tests: a body is text, bytes or parts (a figure's PNG
// strips, a Parquet file's row groups), stored one after another.
import { parquetReadObjects } from 'hyparquet';
import type { Body } from '../../src/stores/object-store.js';

/** A body's bytes, its parts joined. */
export const bodyBytes = (body: Body): Uint8Array =>
  typeof body === 'string' ? new TextEncoder().encode(body) : body instanceof Uint8Array ? body : Buffer.concat(body);

/** A body's bytes in an ArrayBuffer of their own, as hyparquet reads a file. */
export function fileBuffer(body: Body): ArrayBuffer {
  const bytes = bodyBytes(body);
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

/** The rows of a Parquet body, read with hyparquet. */
export function parquetRows(body: Body): Promise<Record<string, unknown>[]> {
  return parquetReadObjects({ file: fileBuffer(body) });
}
