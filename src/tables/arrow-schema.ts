// The Parquet key-value entry `ARROW:schema`: the Arrow schema of the table, as Arrow's own
// writers store it (base64 of an encapsulated IPC Schema message). pyarrow reads it to restore
// what Parquet alone cannot say (here: a dictionary column becomes a pandas `category`, and the
// exact int/timestamp types). Field layout from apache/arrow format/Schema.fbs and Message.fbs.
import { Builder } from 'flatbuffers';
import { keepShape } from '../memory.js';
import type { Column } from './types.js';

keepShape(new Builder(16));

// union Type (Schema.fbs); 0 is NONE
const TYPE_INT = 2;
const TYPE_FLOATING_POINT = 3;
const TYPE_UTF8 = 5;
const TYPE_BOOL = 6;
const TYPE_TIMESTAMP = 10;
const TYPE_LIST = 12;
const PRECISION_DOUBLE = 2;
const TIME_UNIT_MICROSECOND = 2;
const METADATA_VERSION_V5 = 4;
const MESSAGE_HEADER_SCHEMA = 1;

type Offset = number;

function emptyTable(b: Builder): Offset {
  b.startObject(0);
  return b.endObject();
}

function intType(b: Builder, bitWidth: number): Offset {
  b.startObject(2);
  b.addFieldInt32(0, bitWidth, 0);
  b.addFieldInt8(1, 1, 0); // is_signed
  return b.endObject();
}

function floatType(b: Builder): Offset {
  b.startObject(1);
  b.addFieldInt16(0, PRECISION_DOUBLE, 0);
  return b.endObject();
}

function offsetVector(b: Builder, offsets: readonly Offset[]): Offset {
  b.startVector(4, offsets.length, 4);
  for (let i = offsets.length - 1; i >= 0; i--) b.addOffset(offsets[i]);
  return b.endVector();
}

interface FieldParts {
  name: string;
  nullable: boolean;
  typeType: number;
  type: Offset;
  dictionary?: Offset;
  children?: Offset[];
}

function field(b: Builder, parts: FieldParts): Offset {
  const name = b.createString(parts.name);
  const children = offsetVector(b, parts.children ?? []);
  b.startObject(7);
  b.addFieldOffset(0, name, 0);
  b.addFieldInt8(1, parts.nullable ? 1 : 0, 0);
  b.addFieldInt8(2, parts.typeType, 0);
  b.addFieldOffset(3, parts.type, 0);
  if (parts.dictionary !== undefined) b.addFieldOffset(4, parts.dictionary, 0);
  b.addFieldOffset(5, children, 0);
  return b.endObject();
}

function columnField(b: Builder, column: Column, dictionaryId: number): Offset {
  const { name } = column;
  switch (column.kind) {
    case 'float64':
      return field(b, { name, nullable: false, typeType: TYPE_FLOATING_POINT, type: floatType(b) });
    case 'int32':
      return field(b, { name, nullable: false, typeType: TYPE_INT, type: intType(b, 32) });
    case 'int64':
      return field(b, { name, nullable: false, typeType: TYPE_INT, type: intType(b, 64) });
    case 'bool':
      return field(b, { name, nullable: false, typeType: TYPE_BOOL, type: emptyTable(b) });
    case 'string':
      return field(b, { name, nullable: true, typeType: TYPE_UTF8, type: emptyTable(b) });
    case 'category': {
      const indexType = intType(b, 32);
      b.startObject(4);
      b.addFieldInt64(0, BigInt(dictionaryId), 0n);
      b.addFieldOffset(1, indexType, 0);
      b.addFieldInt8(2, column.ordered ? 1 : 0, 0);
      const dictionary = b.endObject();
      return field(b, { name, nullable: true, typeType: TYPE_UTF8, type: emptyTable(b), dictionary });
    }
    case 'list<float64>': {
      const element = field(b, {
        name: 'element',
        nullable: false,
        typeType: TYPE_FLOATING_POINT,
        type: floatType(b),
      });
      return field(b, { name, nullable: true, typeType: TYPE_LIST, type: emptyTable(b), children: [element] });
    }
    case 'timestamp': {
      const timezone = column.timezone === undefined ? 0 : b.createString(column.timezone);
      b.startObject(2);
      b.addFieldInt16(0, TIME_UNIT_MICROSECOND, 0);
      if (timezone !== 0) b.addFieldOffset(1, timezone, 0);
      const type = b.endObject();
      return field(b, { name, nullable: true, typeType: TYPE_TIMESTAMP, type });
    }
  }
}

/** The base64 value of the `ARROW:schema` Parquet metadata entry for these columns. */
export function arrowSchemaMetadata(columns: readonly Column[]): string {
  const b = new Builder(256);
  let dictionaryId = 0;
  const fields = columns.map((c) => columnField(b, c, c.kind === 'category' ? dictionaryId++ : 0));
  const fieldVector = offsetVector(b, fields);
  b.startObject(4);
  b.addFieldOffset(1, fieldVector, 0); // endianness stays Little (the default)
  const schema = b.endObject();
  b.startObject(5);
  b.addFieldInt16(0, METADATA_VERSION_V5, 0);
  b.addFieldInt8(1, MESSAGE_HEADER_SCHEMA, 0);
  b.addFieldOffset(2, schema, 0);
  b.finish(b.endObject());
  const body = b.asUint8Array();

  // Encapsulated message: continuation marker, metadata length, flatbuffer padded to 8 bytes.
  const padded = Math.ceil(body.length / 8) * 8;
  const out = new Uint8Array(8 + padded);
  const view = new DataView(out.buffer);
  view.setUint32(0, 0xffffffff, true);
  view.setInt32(4, padded, true);
  out.set(body, 8);
  return Buffer.from(out).toString('base64');
}
