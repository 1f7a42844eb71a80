// Session partials as bytes for the object store: a JSON skeleton, then the typed arrays' own
// bytes. Partials are mostly typed arrays (per-trial columns, PSTH traces); as JSON numbers they
// were slow to decode and twice the space, and the group step decodes every session's partial on
// every run. Layout: "GAP1", the skeleton's UTF-8 length (u32 LE), the
// skeleton, then each array at an 8-byte-aligned offset, little-endian (what every platform Node
// runs on uses; checked below). In the skeleton an array is {"$ta": [type, byte offset, length]}
// and a non-finite number {"$num": "NaN" | "Infinity" | "-Infinity"}, which JSON lacks.

const MAGIC = [0x47, 0x41, 0x50, 0x31]; // "GAP1"

const TYPES = {
  f64: Float64Array,
  f32: Float32Array,
  i32: Int32Array,
  u32: Uint32Array,
  i16: Int16Array,
  u16: Uint16Array,
  i8: Int8Array,
  u8: Uint8Array,
} as const;
type Tag = keyof typeof TYPES;
type NumericArray = InstanceType<(typeof TYPES)[Tag]>;

const TAGS = new Map<unknown, Tag>(Object.entries(TYPES).map(([tag, type]) => [type, tag as Tag]));

const align8 = (n: number) => Math.ceil(n / 8) * 8;

const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

function checkLittleEndian(): void {
  if (!LITTLE_ENDIAN) throw new Error('session partials are stored little-endian; this platform is big-endian');
}

export function encodePartial(value: unknown): Uint8Array {
  checkLittleEndian();
  const arrays: NumericArray[] = [];
  let size = 0;
  const skeleton = JSON.stringify(value, function (this: unknown, _key, v: unknown): unknown {
    if (ArrayBuffer.isView(v)) {
      const tag = TAGS.get(v.constructor);
      if (tag === undefined) throw new TypeError(`encodePartial: ${v.constructor.name} is not supported`);
      const array = v as NumericArray;
      const at = size;
      arrays.push(array);
      size += align8(array.byteLength);
      return { $ta: [tag, at, array.length] };
    }
    if (typeof v === 'number' && !Number.isFinite(v)) return { $num: String(v) };
    return v;
  });
  const head = new TextEncoder().encode(skeleton);
  const dataStart = align8(8 + head.length);
  const out = new Uint8Array(dataStart + size);
  out.set(MAGIC);
  new DataView(out.buffer).setUint32(4, head.length, true);
  out.set(head, 8);
  let at = dataStart;
  for (const a of arrays) {
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at);
    at += align8(a.byteLength);
  }
  return out;
}

function revive(v: unknown, data: ArrayBuffer): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (typeof v[i] === 'object' && v[i] !== null) v[i] = revive(v[i], data);
    return v;
  }
  const o = v as Record<string, unknown>;
  if ('$ta' in o) {
    const [tag, at, length] = o.$ta as [Tag, number, number];
    return new TYPES[tag](data, at, length);
  }
  if ('$num' in o) return Number(o.$num);
  for (const k in o) o[k] = revive(o[k], data);
  return o;
}

/** Bytes that are not a whole encoded partial (cut short, overwritten, not one at all). */
export class DamagedPartialError extends Error {
  override name = 'DamagedPartialError';
}

/** The value encodePartial encoded; `label` (e.g. the object key) names what is damaged. */
export function decodePartial<T>(bytes: Uint8Array, label = 'session partial'): T {
  checkLittleEndian();
  if (bytes.length < 8 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new DamagedPartialError(`${label} is not a session partial (no GAP1 header)`);
  }
  const headLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(4, true);
  const dataStart = align8(8 + headLength);
  if (dataStart > bytes.length) throw new DamagedPartialError(`${label} is truncated`);
  let skeleton: unknown;
  try {
    skeleton = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headLength)));
  } catch (e) {
    throw new DamagedPartialError(`${label} is damaged (its header is not valid JSON)`, { cause: e });
  }
  try {
    // A copy of the arrays' bytes: their own aligned buffer, whatever the input's offset.
    return revive(skeleton, bytes.slice(dataStart).buffer) as T;
  } catch (e) {
    if (e instanceof RangeError) throw new DamagedPartialError(`${label} is truncated`, { cause: e });
    throw e;
  }
}
