// ColumnTable -> Parquet bytes, for `pandas.read_parquet` (pyarrow engine). Written with
// hyparquet-writer (pure JS: no native or WebAssembly module to load, typed arrays written without
// copies, snappy built in) plus our `ARROW:schema` entry, so pyarrow restores categories and exact
// types. Missing floats stay NaN values in a required column: pandas reads NaN either way.
import { ByteWriter, parquetWrite, type ColumnSource, type SchemaElement } from 'hyparquet-writer';
import { keepShape } from '../memory.js';
import { arrowSchemaMetadata } from './arrow-schema.js';
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
 * copied out once more (a session's 14 MB df_fip held ~30 MB at its peak).
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

/**
 * The table as a Parquet file (snappy-compressed, statistics on), in parts to be stored one after
 * another (the object store's Body takes them as they are).
 */
export function toParquet(table: ColumnTable): Uint8Array[] {
  checkTable(table);
  const leaves = table.columns.map(leaf);
  const schema: SchemaElement[] = [
    { name: 'schema', num_children: table.columns.length },
    ...leaves.flatMap((l) => l.schema),
  ];
  const writer = new PartsWriter(64 * 1024);
  // With a ByteWriter the write is synchronous (no flush to await).
  void parquetWrite({
    writer,
    schema,
    columnData: table.columns.map((c, i) => ({ name: c.name, data: leaves[i].data })),
    kvMetadata: [{ key: 'ARROW:schema', value: arrowSchemaMetadata(table.columns) }],
    createdBy: 'grouped-analysis (hyparquet-writer)',
  });
  return writer.parts;
}
