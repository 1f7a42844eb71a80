// Session partials are JSON in the object store. Plain JSON loses typed arrays and NaN/±Infinity,
// which partials are full of; this codec tags them so a decoded partial equals the encoded one.
type Tagged =
  | { $f64: (number | string | null)[] }
  | { $i32: number[] }
  | { $u8: number[] }
  | { $num: 'NaN' | 'Infinity' | '-Infinity' };

function encodeNumber(x: number): number | string | null {
  return Number.isFinite(x) ? x : Number.isNaN(x) ? null : x > 0 ? 'Infinity' : '-Infinity';
}

export function encodePartial(value: unknown): string {
  return JSON.stringify(value, function (this: unknown, _key, v: unknown): unknown {
    if (v instanceof Float64Array) return { $f64: Array.from(v, encodeNumber) } satisfies Tagged;
    if (v instanceof Int32Array) return { $i32: Array.from(v) } satisfies Tagged;
    if (v instanceof Uint8Array) return { $u8: Array.from(v) } satisfies Tagged;
    if (typeof v === 'number' && !Number.isFinite(v)) return { $num: String(v) } as Tagged;
    return v;
  });
}

function revive(v: unknown): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (typeof v[i] === 'object' && v[i] !== null) v[i] = revive(v[i]);
    return v;
  }
  const o = v as Record<string, unknown>;
  if ('$f64' in o) return Float64Array.from(o.$f64 as (number | string | null)[], (x) => (x === null ? NaN : Number(x)));
  if ('$i32' in o) return Int32Array.from(o.$i32 as number[]);
  if ('$u8' in o) return Uint8Array.from(o.$u8 as number[]);
  if ('$num' in o) return Number(o.$num);
  for (const k in o) o[k] = revive(o[k]);
  return o;
}

// A walk after a plain parse rather than a reviver, which JSON.parse would call for every number
// of every array (3x slower on a session partial).
export function decodePartial<T>(text: string): T {
  return revive(JSON.parse(text)) as T;
}
