// The tables' CSV. Written (ColumnTable -> text) as pandas `DataFrame.to_csv()` writes it
// (defaults: ',' separator, '\n' line ends, minimal quoting, missing values as empty fields), so
// files compare equal to the reference's byte for byte; float text is Python's repr (shortest
// round-trip digits). Read back (parseCsv, for the reports) as RFC 4180: quoted fields may hold
// separators, quotes ('""') and line breaks; '\n' or '\r\n' line ends.
import { checkTable, type Column, type ColumnTable } from './types.js';

export interface CsvOptions {
  /** Write pandas' default RangeIndex as an unnamed first column (pandas' own default is true). */
  index?: boolean;
}

/** Python's `repr(float)`: shortest round-trip digits, scientific below 1e-4 and from 1e16. */
export function pythonFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  // toExponential() without digits gives the shortest digits that round-trip, as Python does
  const [mantissa, expText] = x.toExponential().split('e');
  const exp = Number(expText);
  const sign = x < 0 ? '-' : '';
  const digits = mantissa.replace('-', '').replace('.', '');
  if (exp >= -4 && exp < 16) {
    if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
    const whole = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
    const fraction = digits.slice(exp + 1) || '0';
    return `${sign}${whole}.${fraction}`;
  }
  const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  return `${sign}${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
}

// Python csv.QUOTE_MINIMAL: quote fields holding the separator, the quote or a line break.
function quote(field: string): string {
  return /[",\n\r]/.test(field) ? `"${field.replaceAll('"', '""')}"` : field;
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

// pandas prints a datetime column with one format: the date alone when every value is a midnight
// (naive columns only), else the time plus the finest sub-second unit any value needs (ms or us),
// then the offset for UTC columns.
function timestampFormatter(values: Float64Array, utc: boolean): (ms: number) => string {
  let datesOnly = !utc;
  let fraction: 0 | 3 | 6 = 0;
  for (const ms of values) {
    if (Number.isNaN(ms)) continue;
    const us = Math.round(ms * 1000);
    if (us % 86_400_000_000 !== 0) datesOnly = false;
    if (us % 1000 !== 0) fraction = 6;
    else if (us % 1_000_000 !== 0 && fraction === 0) fraction = 3;
  }
  const offset = utc ? '+00:00' : '';
  return (ms: number) => {
    const us = Math.round(ms * 1000);
    const d = new Date(Math.floor(us / 1000));
    const date = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}`;
    if (datesOnly) return date;
    const time = `${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}`;
    const subUs = ((us % 1_000_000) + 1_000_000) % 1_000_000;
    const sub =
      fraction === 6 ? `.${pad(subUs, 6)}` : fraction === 3 ? `.${pad(Math.floor(subUs / 1000), 3)}` : '';
    return `${date} ${time}${sub}${offset}`;
  };
}

function cellFormatter(column: Column): (row: number) => string {
  switch (column.kind) {
    case 'float64': {
      const v = column.values;
      return (i) => (Number.isNaN(v[i]) ? '' : pythonFloatRepr(v[i]));
    }
    case 'int32':
    case 'int64': {
      const v = column.values;
      return (i) => String(v[i]);
    }
    case 'bool': {
      const v = column.values;
      return (i) => (v[i] === true || v[i] === 1 ? 'True' : 'False');
    }
    case 'string':
    case 'category': {
      const v = column.values;
      return (i) => (v[i] === null ? '' : quote(v[i] as string));
    }
    case 'list<float64>': {
      // a list cell prints as the Python list literal pandas writes for a list-valued object column
      const v = column.values;
      return (i) => {
        const row = v[i];
        if (row === null) return '';
        return quote(`[${Array.from(row, pythonFloatRepr).join(', ')}]`);
      };
    }
    case 'timestamp': {
      const v = column.values;
      const format = timestampFormatter(v, column.timezone === 'UTC');
      return (i) => (Number.isNaN(v[i]) ? '' : format(v[i]));
    }
  }
}

/** The table as CSV text, one header line then one line per row, each ending in '\n'. */
export function toCsv(table: ColumnTable, options: CsvOptions = {}): string {
  const rows = checkTable(table);
  const index = options.index ?? false;
  const formatters = table.columns.map(cellFormatter);
  const header = table.columns.map((c) => quote(c.name));
  const width = header.length + (index ? 1 : 0);
  // Python's csv writer quotes a lone empty field so that the line is not blank
  const line = (fields: string[]) => (width === 1 && fields[0] === '' ? '""' : fields.join(','));
  const lines: string[] = [line(index ? ['', ...header] : header)];
  for (let r = 0; r < rows; r++) {
    const fields = formatters.map((f) => f(r));
    lines.push(line(index ? [String(r), ...fields] : fields));
  }
  return lines.join('\n') + '\n';
}

/** Rows of fields; a trailing line break does not make an empty last row. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c !== '"') field += c;
      else if (text[i + 1] === '"') {
        field += '"';
        i++;
      }
      else quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    }
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (quoted) throw new Error('CSV ends inside a quoted field');
  if (field !== '' || row.length > 0) rows.push([...row, field]);
  return rows;
}
