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

export function decodePartial<T>(text: string): T {
  return JSON.parse(text, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const o = v as Record<string, unknown>;
      if ('$f64' in o) return Float64Array.from(o.$f64 as (number | string | null)[], (x) => (x === null ? NaN : Number(x)));
      if ('$i32' in o) return Int32Array.from(o.$i32 as number[]);
      if ('$u8' in o) return Uint8Array.from(o.$u8 as number[]);
      if ('$num' in o) return Number(o.$num);
    }
    return v;
  }) as T;
}
