// JSON text exactly as Python's `json.dumps(obj, indent=4, sort_keys=True, ensure_ascii=True)`,
// which is how zarr-python (and so hdmf-zarr) writes `.zarray`, `.zattrs`, `.zgroup` and
// `.zmetadata`. Python prints floats with a decimal point (0.0, 1.0), so floats are marked.

/** A number Python holds as a float (printed `1.0`, not `1`). */
export class PyFloat {
  constructor(readonly value: number) {}
}

export type PyJson = string | number | boolean | null | PyFloat | readonly PyJson[] | { readonly [key: string]: PyJson };

/** Python's repr of a float. */
function floatRepr(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? 'Infinity' : '-Infinity';
  const abs = Math.abs(v);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e16)) {
    // Python: shortest digits, exponent with sign and at least two digits.
    return v.toExponential().replace(/e([+-])(\d)$/, 'e$10$2');
  }
  if (Number.isInteger(v)) return `${Object.is(v, -0) ? '-0' : String(v)}.0`;
  return String(v);
}

function stringRepr(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    const code = s.charCodeAt(i);
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (code < 0x20 || code > 0x7e) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

function render(v: PyJson, depth: number): string {
  if (v === null) return 'null';
  if (v instanceof PyFloat) return floatRepr(v.value);
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new TypeError(`non-integer ${v} must be a PyFloat`);
    return String(v);
  }
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'string') return stringRepr(v);
  const pad = ' '.repeat(4 * (depth + 1));
  const end = ' '.repeat(4 * depth);
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    return `[\n${v.map((x) => pad + render(x, depth + 1)).join(',\n')}\n${end}]`;
  }
  const obj = v as { readonly [key: string]: PyJson };
  // Python sorts by code point; these keys are ASCII, where that equals JS's default sort.
  const keys = Object.keys(obj).sort();
  if (keys.length === 0) return '{}';
  return `{\n${keys.map((k) => `${pad}${stringRepr(k)}: ${render(obj[k], depth + 1)}`).join(',\n')}\n${end}}`;
}

export function pyJsonDumps(v: PyJson): string {
  return render(v, 0);
}
