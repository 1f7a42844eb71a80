// Minimal HTML building for the static reports: a tagged template that escapes every
// interpolated value unless it is already markup, so no caller can forget to escape.

/** Markup that is already safe to emit. */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

export type HtmlValue = Html | string | number | null | undefined | false | readonly HtmlValue[];

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

function render(v: HtmlValue): string {
  if (v instanceof Html) return v.text;
  if (Array.isArray(v)) return v.map(render).join('');
  if (v === null || v === undefined || v === false) return '';
  return escapeHtml(String(v));
}

/** `html\`<td>${value}</td>\``: strings and numbers are escaped, Html and arrays of it are not. */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): Html {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1];
  return new Html(out);
}

/** A relative URL to an object name: each path segment percent-encoded ('#', '?', spaces...). */
export function relativeUrl(name: string): string {
  return name.split('/').map(encodeURIComponent).join('/');
}

const STYLE = `
:root { color-scheme: light; --fg: #1d2330; --muted: #5d6678; --line: #dfe3ea; --bg: #f6f7f9; --card: #fff;
  --accent: #2458c6; --ok: #1f7a3d; --bad: #b42318; --run: #9a6700; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; color: var(--fg); background: var(--bg); }
main { max-width: 1280px; margin: 0 auto; padding: 24px 28px 48px; }
header { margin-bottom: 8px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h1 .sub { font-weight: 400; color: var(--muted); }
h2 { font-size: 19px; margin: 32px 0 12px; padding-bottom: 6px; border-bottom: 1px solid var(--line); }
h2 .count { color: var(--muted); font-weight: 400; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
code, pre, .mono { font-family: "DejaVu Sans Mono", ui-monospace, Menlo, Consolas, monospace; font-size: 13px; }
.meta { color: var(--muted); margin: 0; }
nav { margin-top: 10px; display: flex; gap: 16px; }
.figures { display: grid; grid-template-columns: minmax(0, 1fr); gap: 16px; }
figure { margin: 0; background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px; }
/* Figures at their natural size (text as drawn), stretched to the column when narrower; a wider one scrolls sideways in its box. */
.figure-scroll { overflow-x: auto; }
.figure-scroll a { display: block; width: max-content; min-width: 100%; }
.figure-scroll img { display: block; width: auto; min-width: 100%; max-width: none; height: auto; }
figcaption { margin-top: 8px; font-size: 13px; color: var(--muted); display: flex; justify-content: space-between; gap: 12px; }
figcaption .name { color: var(--fg); overflow-wrap: anywhere; }
.table-wrap { overflow-x: auto; margin-bottom: 8px; background: var(--card); border: 1px solid var(--line); border-radius: 8px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { padding: 6px 10px; text-align: left; border-bottom: 1px solid var(--line); white-space: nowrap; vertical-align: top; }
thead th { position: sticky; top: 0; background: #eef1f5; font-weight: 600; }
tbody tr:nth-child(even) { background: #fafbfc; }
tbody tr:last-child td { border-bottom: none; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 8px 20px; margin: 0; background: var(--card);
  border: 1px solid var(--line); border-radius: 8px; padding: 16px; }
dt { font-weight: 600; color: var(--muted); }
dd { margin: 0; min-width: 0; overflow-wrap: anywhere; }
dd ul { margin: 0; padding-left: 18px; }
dd table { width: auto; }
pre { margin: 0; white-space: pre-wrap; background: var(--bg); padding: 10px; border-radius: 6px; }
details > summary { cursor: pointer; color: var(--accent); }
.status { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; color: #fff; }
.status.completed { background: var(--ok); }
.status.failed { background: var(--bad); }
.status.running { background: var(--run); }
.warnings li { color: var(--run); }
.failed-reason { display: block; white-space: normal; max-width: 420px; color: var(--bad); font-size: 12px; }
.empty { color: var(--muted); font-style: italic; }
.muted { color: var(--muted); font-size: 13px; }
footer { margin-top: 40px; color: var(--muted); font-size: 12px; }
`;

/** A complete, self-contained page (inline CSS, no scripts, no external resources). */
export function page(title: string, body: Html): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>${new Html(STYLE)}</style>
</head>
<body>
<main>
${body}
<footer>Generated by grouped-analysis.</footer>
</main>
</body>
</html>
`.text;
}
