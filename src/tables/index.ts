export type {
  BoolColumn,
  CategoryColumn,
  Column,
  ColumnKind,
  ColumnTable,
  Float64Column,
  Float64ListColumn,
  Int32Column,
  Int64Column,
  StringColumn,
  TimestampColumn,
} from './types.js';
export { checkTable } from './types.js';
export { toParquet } from './parquet.js';
export { toCsv, pythonFloatRepr, type CsvOptions } from './csv.js';
