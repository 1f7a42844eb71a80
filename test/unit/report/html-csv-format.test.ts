import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../../src/tables/csv.js';
import { compactJson, formatBytes, formatCell, formatDateTime, formatDuration } from '../../../src/report/human-readable.js';
import { escapeHtml, html, relativeUrl } from '../../../src/report/html.js';
import { figuresOf, outputName } from '../../../src/report/outputs.js';
import { toCsv } from '../../../src/tables/index.js';

describe('html', () => {
  it('escapes every interpolated string, but not nested markup', () => {
    const evil = `<script>alert("x")</script>&'`;
    const out = html`<p title="${evil}">${evil}${html`<b>${evil}</b>`}${[evil, html`<i>ok</i>`]}${null}${false}${3}</p>`.text;
    expect(out).not.toContain('<script>');
    expect(out).toBe(
      `<p title="${escapeHtml(evil)}">${escapeHtml(evil)}<b>${escapeHtml(evil)}</b>${escapeHtml(evil)}<i>ok</i>3</p>`,
    );
    expect(escapeHtml(evil)).toBe('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;');
  });

  it('percent-encodes each path segment of a relative URL, keeping the slashes', () => {
    expect(relativeUrl('figures/a b#1?.png')).toBe('figures/a%20b%231%3F.png');
  });
});

describe('parseCsv', () => {
  it('reads back what the tables layer writes: quotes, separators and line breaks inside fields', () => {
    const values = ['plain', 'with,comma', 'with "quotes"', 'two\nlines', '', null];
    const csv = toCsv({ columns: [{ name: 'a,b', kind: 'string', values }, { name: 'n', kind: 'float64', values: Float64Array.from([1, 0.5, NaN, 2, 3, 4]) }] });
    expect(parseCsv(csv)).toEqual([
      ['a,b', 'n'],
      ['plain', '1.0'],
      ['with,comma', '0.5'],
      ['with "quotes"', ''],
      ['two\nlines', '2.0'],
      ['', '3.0'],
      ['', '4.0'],
    ]);
  });

  it('accepts CRLF line ends and a missing final line break, and rejects an open quote', () => {
    expect(parseCsv('a,b\r\n1,2')).toEqual([['a', 'b'], ['1', '2']]);
    expect(parseCsv('')).toEqual([]);
    expect(() => parseCsv('a\n"open')).toThrow(/quoted field/);
  });

  it('round-trips arbitrary string tables', () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.string(), { minLength: 2, maxLength: 2 }), { minLength: 1, maxLength: 5 }), (rows) => {
        const csv = toCsv({ columns: [0, 1].map((c) => ({ name: `c${c}`, kind: 'string' as const, values: rows.map((r) => r[c]) })) });
        expect(parseCsv(csv).slice(1)).toEqual(rows);
      }),
    );
  });
});

describe('format', () => {
  it('shortens long decimals only, keeping the full text', () => {
    expect(formatCell('0.9666666666666667')).toEqual({ text: '0.9667', numeric: true, full: '0.9666666666666667' });
    expect(formatCell('194.7843212630749')).toEqual({ text: '194.8', numeric: true, full: '194.7843212630749' });
    expect(formatCell('12345.678901')).toEqual({ text: '12345.7', numeric: true, full: '12345.678901' });
    expect(formatCell('1.25e-07')).toEqual({ text: '1.25e-7', numeric: true, full: '1.25e-07' });
    expect(formatCell('0.5')).toEqual({ text: '0.5', numeric: true });
    expect(formatCell('090102')).toEqual({ text: '090102', numeric: true });
    expect(formatCell('2025-04-24')).toEqual({ text: '2025-04-24', numeric: false });
    expect(formatCell('')).toEqual({ text: '', numeric: false });
  });

  it('prints sizes, durations and UTC times for people', () => {
    expect([formatBytes(999), formatBytes(1500), formatBytes(18_300_000), formatBytes(2.5e12)]).toEqual(['999 B', '1.5 kB', '18 MB', '2.5 TB']);
    expect([formatDuration(420), formatDuration(13_700), formatDuration(192_000), formatDuration(3_720_000)]).toEqual(['0.42 s', '13.7 s', '3 min 12 s', '1 h 2 min']);
    expect(formatDateTime('2025-01-31T12:00:00.123Z')).toBe('2025-01-31 12:00:00 UTC');
    expect(formatDateTime('2025-01-31T12:00:00-07:00')).toBe('2025-01-31 12:00:00 -07:00');
  });

  it('compactJson is JSON that means the same, short parts on one line', () => {
    expect(compactJson({ a: [1, 2], b: { c: 'x' } })).toBe('{"a": [1, 2], "b": {"c": "x"}}');
    expect(compactJson({ long: 'x'.repeat(70), w: [0.33, 1] })).toBe(`{\n  "long": "${'x'.repeat(70)}",\n  "w": [0.33, 1]\n}`);
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(JSON.parse(compactJson(v))).toEqual(JSON.parse(JSON.stringify(v)));
      }),
    );
  });
});

describe('output names', () => {
  it('lists every PNG under figures/ with its SVG twin when there is one', () => {
    expect(figuresOf(['figures/b.png', 'figures/b.svg', 'figures/sub/a.png', 'figures/c.svg', 'x.png', 'sessions.csv'])).toEqual([
      { title: 'b', png: 'figures/b.png', svg: 'figures/b.svg' },
      { title: 'a', png: 'figures/sub/a.png' },
    ]);
  });

  it('names an output relative to the run folder, with or without a trailing slash', () => {
    expect(outputName('s3://b/p/key', 's3://b/p/key/figures/a.png')).toBe('figures/a.png');
    expect(outputName('file:///r/key/', 'file:///r/key/x.csv')).toBe('x.csv');
    expect(outputName('s3://b/p/key', 's3://b/p/key2/x.csv')).toBeUndefined();
  });
});
