// Human-readable values for the reports (pure; no locale, so every machine renders the same).

export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = -1;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[u]}`;
}

export function formatDuration(ms: number): string {
  if (ms < 10_000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return s < 3600 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** `2025-01-31T12:00:00.123Z` -> `2025-01-31 12:00:00 UTC` (other offsets are kept as written). */
export function formatDateTime(iso: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.\d+)?(Z|[+-]\d{2}:\d{2})$/.exec(iso);
  if (!m) return iso;
  return `${m[1]} ${m[2]} ${m[3] === 'Z' ? 'UTC' : m[3]}`;
}

/** Milliseconds between two ISO date-times, never negative. */
export function elapsedMs(from: string, to: string): number {
  return Math.max(0, Date.parse(to) - Date.parse(from));
}

/**
 * A table cell: long decimals are shortened to four significant digits for reading (the CSV keeps
 * every digit); anything else is shown as written.
 */
export function formatCell(text: string): { text: string; numeric: boolean; full?: string } {
  if (!/^-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/.test(text)) return { text, numeric: false };
  const v = Number(text);
  if (!/\.\d{5,}|[eE]/.test(text) || !Number.isFinite(v)) return { text, numeric: true };
  const short = Math.abs(v) >= 1000 ? v.toFixed(1) : String(Number(v.toPrecision(4)));
  return { text: short, numeric: true, full: text };
}

function oneLine(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(oneLine).join(', ')}]`;
  return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${oneLine(v)}`).join(', ')}}`;
}

/** JSON with two-space indents, but any array or object that fits in 60 characters on one line. */
export function compactJson(value: unknown, indent = ''): string {
  const flat = oneLine(value);
  if (value === null || typeof value !== 'object' || flat.length <= 60) return flat;
  const inner = `${indent}  `;
  const items = Array.isArray(value)
    ? value.map((v) => inner + compactJson(v, inner))
    : Object.entries(value).map(([k, v]) => `${inner}${JSON.stringify(k)}: ${compactJson(v, inner)}`);
  return Array.isArray(value) ? `[\n${items.join(',\n')}\n${indent}]` : `{\n${items.join(',\n')}\n${indent}}`;
}
