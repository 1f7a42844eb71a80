/**
 * RFC 8785 (JSON Canonicalization Scheme) serialisation.
 *
 * ECMAScript's own JSON serialisation already is the RFC's number and string format (the RFC
 * defines them by reference to it), so this only has to sort object keys by UTF-16 code units,
 * drop whitespace, and refuse values JSON cannot carry instead of silently changing them.
 */
export function canonicalJson(value: unknown): string {
  return serialize(value, '$');
}

function serialize(value: unknown, at: string): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`${at}: ${value} is not a JSON number`);
      // Number-to-string per ECMA-262 (shortest round-trip, exponent from 1e21 / below 1e-6); -0 -> "0".
      return JSON.stringify(value);
    case 'string':
      if (hasLoneSurrogate(value)) {
        throw new TypeError(`${at}: string has an unpaired UTF-16 surrogate (not valid I-JSON)`);
      }
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) {
        return `[${value.map((v, i) => serialize(v, `${at}[${i}]`)).join(',')}]`;
      }
      const proto = Object.getPrototypeOf(value) as unknown;
      if (proto !== Object.prototype && proto !== null) {
        throw new TypeError(`${at}: only plain objects can be canonicalised`);
      }
      const record = value as Record<string, unknown>;
      // Default sort compares UTF-16 code units, which is exactly RFC 8785's key order.
      const keys = Object.keys(record)
        .filter((k) => record[k] !== undefined)
        .sort();
      return `{${keys
        .map((k) => `${serialize(k, at)}:${serialize(record[k], `${at}.${k}`)}`)
        .join(',')}}`;
    }
    default:
      throw new TypeError(`${at}: ${typeof value} is not a JSON value`);
  }
}

function hasLoneSurrogate(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
      else return true;
    } else if (c >= 0xdc00 && c <= 0xdfff) return true;
  }
  return false;
}
