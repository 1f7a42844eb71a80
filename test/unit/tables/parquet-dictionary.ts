// The dictionary page of a Parquet column, as pyarrow reads it into a pandas category's
// categories (in page order, unused entries included): one list per row group, null when the
// column chunk has no dictionary.
import { parquetMetadata } from 'hyparquet';
import { parquetHeader } from 'hyparquet/src/column.js';
import { decompressPage } from 'hyparquet/src/datapage.js';
import { readPlain } from 'hyparquet/src/plain.js';
import type { Body } from '../../../src/stores/object-store.js';
import { fileBuffer } from '../../support/outputs.js';

export function dictionaryPages(body: Body, column: string): (string[] | null)[] {
  const buffer = fileBuffer(body);
  const meta = parquetMetadata(buffer);
  return meta.row_groups.map((rg) => {
    const chunk = rg.columns.find((c) => c.meta_data?.path_in_schema.join('.') === column);
    if (!chunk?.meta_data) throw new Error(`no column ${column}`);
    const offset = chunk.meta_data.dictionary_page_offset;
    if (offset === undefined) return null;
    const reader = { view: new DataView(buffer), offset: Number(offset) };
    const header = parquetHeader(reader);
    if (header.type !== 'DICTIONARY_PAGE' || !header.dictionary_page_header) return null;
    const compressed = new Uint8Array(buffer, reader.offset, header.compressed_page_size);
    const page = decompressPage(compressed, header.uncompressed_page_size, chunk.meta_data.codec, undefined);
    const values = readPlain({ view: new DataView(page.buffer, page.byteOffset, page.byteLength), offset: 0 }, 'BYTE_ARRAY', header.dictionary_page_header.num_values, undefined);
    return Array.from(values as ArrayLike<Uint8Array>, (v) => new TextDecoder().decode(v));
  });
}
