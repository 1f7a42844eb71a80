// ColumnTable -> Parquet bytes, for `pandas.read_parquet` (pyarrow engine). Written with
// hyparquet-writer (pure JS: no native or WebAssembly module to load, typed arrays written without
// copies, snappy built in) plus our `ARROW:schema` entry, so pyarrow restores categories and exact
// types. Category columns are written by parquet-category.ts, with their declared categories as
// the dictionary. Missing floats stay NaN values in a required column: pandas reads NaN either way.
import type { ColumnChunk } from 'hyparquet';
import { ByteWriter, ParquetWriter, type ColumnSource, type SchemaElement } from 'hyparquet-writer';
import { keepShape } from '../memory.js';
import { arrowSchemaMetadata } from './arrow-schema.js';
import { writeCategoryChunk } from './parquet-category.js';
import { checkTable, type Column, type ColumnTable } from './types.js';

type Leaf = { schema: SchemaElement[]; data: ColumnSource['data'] };

function toBigInt64(values: BigInt64Array | Float64Array | Int32Array): BigInt64Array {
  if (values instanceof BigInt64Array) return values;
  const out = new BigInt64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = BigInt(values[i]);
  return out;
}

function leaf(column: Column): Leaf {
  const { name } = column;
  switch (column.kind) {
    case 'float64':
      return { schema: [{ name, type: 'DOUBLE', repetition_type: 'REQUIRED' }], data: column.values };
    case 'int32':
      return { schema: [{ name, type: 'INT32', repetition_type: 'REQUIRED' }], data: column.values };
    case 'int64':
      return {
        schema: [{ name, type: 'INT64', repetition_type: 'REQUIRED' }],
        data: toBigInt64(column.values),
      };
    case 'bool':
      return {
        schema: [{ name, type: 'BOOLEAN', repetition_type: 'REQUIRED' }],
        data: Array.from(column.values as ArrayLike<number | boolean>, (v) => v === true || v === 1),
      };
    case 'string':
    case 'category':
      return {
        schema: [{ name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' }],
        data: column.values as (string | null)[],
      };
    case 'list<float64>':
      return {
        schema: [
          { name, repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
          { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
          { name: 'element', type: 'DOUBLE', repetition_type: 'REQUIRED' },
        ],
        // the Dremel encoder walks plain arrays only
        data: column.values.map((row) => (row === null ? null : Array.from(row))),
      };
    case 'timestamp':
      return {
        schema: [
          {
            name,
            type: 'INT64',
            repetition_type: 'OPTIONAL',
            logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: column.timezone === 'UTC', unit: 'MICROS' },
          },
        ],
        data: Array.from(column.values, (ms) => (Number.isNaN(ms) ? null : BigInt(Math.round(ms * 1000)))),
      };
  }
}

/** Bytes the writer gathers before it hands them on as one part. */
const PART_BYTES = 1 << 20;

/**
 * A ByteWriter that hands its bytes on in parts of about PART_BYTES (as hyparquet-writer's own
 * file writer flushes to disk): one growing buffer would double up to the file's size and be
 * copied out once more (a session's df_fip held about twice its size at its peak).
 */
class PartsWriter extends ByteWriter {
  readonly parts: Uint8Array[] = [];

  override ensure(size: number): void {
    if (this.index > PART_BYTES) this.cut();
    super.ensure(size);
  }

  override finish(): void {
    this.cut();
  }

  private cut(): void {
    if (this.index > 0) this.parts.push(new Uint8Array(this.buffer.slice(0, this.index)));
    this.index = 0;
  }
}

keepShape(new PartsWriter(16));
keepShape(new ByteWriter(16));

/** Row groups as hyparquet-writer makes them by default: 1,000 rows, then 100,000 at a time. */
function rowGroups(rows: number): [start: number, size: number][] {
  const groups: [number, number][] = [];
  for (let start = 0, size = 1000; start < rows; start += size, size = 100_000) groups.push([start, Math.min(size, rows - start)]);
  return groups;
}

/** Rows [start, end) of a column's data: a view of a typed array, a copy of the references of an array. */
function rowsOf(data: ColumnSource['data'], start: number, end: number, all: boolean): ColumnSource['data'] {
  if (all) return data;
  return ArrayBuffer.isView(data) ? (data as Float64Array).subarray(start, end) : data.slice(start, end);
}

/**
 * The table as a Parquet file (snappy-compressed, statistics on), in parts to be stored one after
 * another (the object store's Body takes them as they are).
 */
export function toParquet(table: ColumnTable): Uint8Array[] {
  const rows = checkTable(table);
  const leaves = table.columns.map(leaf);
  const schema: SchemaElement[] = [
    { name: 'schema', num_children: table.columns.length },
    ...leaves.flatMap((l) => l.schema),
  ];
  const writer = new PartsWriter(64 * 1024);
  const pq = new ParquetWriter({
    writer,
    schema,
    kvMetadata: [{ key: 'ARROW:schema', value: arrowSchemaMetadata(table.columns) }],
    createdBy: 'grouped-analysis (hyparquet-writer)',
  });
  const plain = table.columns.flatMap((c, i) => (c.kind === 'category' ? [] : [{ name: c.name, data: leaves[i].data }]));
  const groups = rowGroups(rows);
  for (const [start, size] of groups) {
    const groupStart = writer.offset;
    const written = pq.row_groups.length;
    const all = groups.length === 1;
    // With a ByteWriter the write is synchronous (no flush to await).
    if (plain.length > 0) void pq.write({ columnData: plain.map((c) => ({ name: c.name, data: rowsOf(c.data, start, start + size, all) })), rowGroupSize: size });
    if (plain.length === table.columns.length) continue;
    let group = pq.row_groups[written];
    if (group === undefined) {
      group = { columns: [], total_byte_size: 0n, num_rows: BigInt(size) };
      pq.row_groups.push(group);
      pq.num_rows += BigInt(size);
    }
    // The group's column chunks in schema order, category chunks written after the others.
    const others = group.columns.values();
    group.columns = table.columns.map((c): ColumnChunk => {
      if (c.kind !== 'category') return others.next().value!;
      const chunk = writeCategoryChunk(writer, c, start, size);
      group.total_byte_size += chunk.meta_data!.total_uncompressed_size;
      return chunk;
    });
    group.total_compressed_size = BigInt(writer.offset - groupStart);
  }
  void pq.finish();
  return writer.parts;
}
