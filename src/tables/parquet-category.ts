// A category column as a Parquet column chunk whose dictionary page is the column's declared
// categories, in their order, unused ones included. pyarrow reads a dictionary-encoded chunk's
// dictionary page as the pandas categories, so every file written with the same categories reads
// back with the same dtype, and pandas concatenates them into one category column (with
// categories in order of appearance, as hyparquet-writer builds dictionaries, sessions differ and
// concatenate into plain strings). One dictionary page (PLAIN) and one data page (v1: RLE
// definition levels, RLE_DICTIONARY indices), uncompressed: a few bytes per run of equal values.
// Layout and enums from apache/parquet-format (parquet.thrift, Encodings.md).
import type { ColumnChunk } from 'hyparquet';
import type { Writer } from 'hyparquet-writer';
import type { CategoryColumn } from './types.js';

// parquet.thrift enums, and the Thrift compact protocol's field types
const PageType = { DATA_PAGE: 0, DICTIONARY_PAGE: 2 } as const;
const Encoding = { PLAIN: 0, RLE: 3, RLE_DICTIONARY: 8 } as const;
const ThriftType = { I32: 5, STRUCT: 12 } as const;

/** A Thrift struct of i32 and struct fields, by field id (ascending, 1..15 apart). */
type ThriftStruct = readonly (readonly [id: number, value: number | ThriftStruct])[];

function varint(out: number[], value: number): void {
  let v = value >>> 0;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
}

/** Thrift compact protocol encoding of a struct (what a page header needs). */
function thriftStruct(out: number[], fields: ThriftStruct): void {
  let last = 0;
  for (const [id, value] of fields) {
    out.push(((id - last) << 4) | (typeof value === 'number' ? ThriftType.I32 : ThriftType.STRUCT));
    last = id;
    if (typeof value === 'number') varint(out, (value << 1) ^ (value >> 31));
    else thriftStruct(out, value);
  }
  out.push(0);
}

/** RLE runs of the RLE/bit-packing hybrid encoding (each run: count, then its value in whole bytes). */
function rleRuns(out: number[], values: ArrayLike<number>, bitWidth: number): void {
  const bytes = Math.ceil(bitWidth / 8);
  for (let i = 0; i < values.length; ) {
    let j = i + 1;
    while (j < values.length && values[j] === values[i]) j++;
    varint(out, (j - i) * 2);
    for (let b = 0; b < bytes; b++) out.push((values[i] >>> (8 * b)) & 0xff);
    i = j;
  }
}

function pageHeader(type: number, size: number, header: readonly [number, ThriftStruct]): Uint8Array {
  const out: number[] = [];
  thriftStruct(out, [[1, type], [2, size], [3, size], header]);
  return Uint8Array.from(out);
}

/**
 * Writes rows [start, start + size) of `column` as one column chunk at the writer's position
 * and returns its metadata, for the row group's column list.
 */
export function writeCategoryChunk(writer: Writer, column: CategoryColumn, start: number, size: number): ColumnChunk {
  const { categories } = column;
  const encoder = new TextEncoder();
  const index = new Map(categories.map((c, i) => [c, i]));

  const dictionary: number[] = [];
  for (const c of categories) {
    const bytes = encoder.encode(c);
    dictionary.push(bytes.length & 0xff, (bytes.length >>> 8) & 0xff, (bytes.length >>> 16) & 0xff, bytes.length >>> 24);
    for (const b of bytes) dictionary.push(b);
  }

  const defined = new Uint8Array(size);
  const codes: number[] = [];
  for (let r = 0; r < size; r++) {
    const v = column.values[start + r];
    if (v === null) continue;
    defined[r] = 1;
    codes.push(index.get(v)!); // checkTable made sure every value is a category
  }
  const levels: number[] = [];
  rleRuns(levels, defined, 1);
  const bitWidth = Math.max(1, Math.ceil(Math.log2(categories.length)));
  const data: number[] = [levels.length & 0xff, (levels.length >>> 8) & 0xff, (levels.length >>> 16) & 0xff, levels.length >>> 24];
  for (const b of levels) data.push(b);
  data.push(bitWidth);
  rleRuns(data, codes, bitWidth);

  const chunkStart = writer.offset;
  writer.appendBytes(pageHeader(PageType.DICTIONARY_PAGE, dictionary.length, [7, [[1, categories.length], [2, Encoding.PLAIN]]]));
  writer.appendBytes(Uint8Array.from(dictionary));
  const dataStart = writer.offset;
  writer.appendBytes(
    pageHeader(PageType.DATA_PAGE, data.length, [5, [[1, size], [2, Encoding.RLE_DICTIONARY], [3, Encoding.RLE], [4, Encoding.RLE]]]),
  );
  writer.appendBytes(Uint8Array.from(data));
  const bytes = BigInt(writer.offset - chunkStart);
  return {
    file_offset: BigInt(chunkStart),
    meta_data: {
      type: 'BYTE_ARRAY',
      encodings: ['PLAIN', 'RLE', 'RLE_DICTIONARY'],
      path_in_schema: [column.name],
      codec: 'UNCOMPRESSED',
      num_values: BigInt(size),
      total_uncompressed_size: bytes,
      total_compressed_size: bytes,
      data_page_offset: BigInt(dataStart),
      dictionary_page_offset: BigInt(chunkStart),
      encoding_stats: [
        { page_type: 'DICTIONARY_PAGE', encoding: 'PLAIN', count: 1 },
        { page_type: 'DATA_PAGE', encoding: 'RLE_DICTIONARY', count: 1 },
      ],
    },
  };
}
