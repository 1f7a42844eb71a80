// The per-run (per-mouse) report: one static `index.html` next to the run's outputs, with
// relative links only, so it works from a local folder, a download (`results get`) or any static
// file server. Pure: the caller reads sessions.csv and writes the page.
import { parseCsv } from '../tables/csv.js';
import { compactJson, elapsedMs, formatBytes, formatCell, formatDateTime, formatDuration } from './human-readable.js';
import { html, page, relativeUrl, type Html } from './html.js';
import { figuresOf, SESSIONS_TABLE } from './outputs.js';

export interface RunReportInput {
  dedupKey: string;
  workflowId: string;
  subjectId: string;
  /** `codeVersion`: a Python analysis's own (its sources), beside the framework's. */
  analysis: { name: string; version: string; tag: string; codeVersion?: string };
  codeVersion: string;
  parameters: Record<string, unknown>;
  inputs: {
    /** The job's asset locations. */
    locations: readonly string[];
    /** The job's explicit file locations (often none). */
    files: readonly string[];
    /** Session files actually read, when known. */
    sessions?: readonly { uri: string; size: number }[];
  };
  /** Steps finished so far (a report written while publishing has no publish/record step). */
  timings: readonly { step: string; startedAt: string; endedAt: string }[];
  warnings: readonly string[];
  /** Outputs, named relative to the run's folder. */
  outputs: readonly { name: string; size: number; sha256: string }[];
  /** Text of sessions.csv, when the run wrote one. */
  sessionsCsv?: string;
}

/** Collapsed when long, so a 500-session mouse's inputs do not bury the page. */
function list(items: readonly Html[], what: string): Html {
  if (items.length === 0) return html`<span class="empty">none</span>`;
  const ul = html`<ul>${items.map((i) => html`<li>${i}</li>`)}</ul>`;
  return items.length <= 10 ? ul : html`<details><summary>${items.length} ${what}</summary>${ul}</details>`;
}

/**
 * Each figure shown from its SVG, whose px are the figure's natural size (the PNG has 1-2 pixels
 * per px, which a page cannot tell), at least as wide as the column and never shrunk: a wider one
 * scrolls sideways in its box. A click opens the full-size PNG; the caption links both files.
 */
function figuresSection(names: readonly string[]): Html {
  const figures = figuresOf(names);
  const body = figures.length
    ? html`<div class="figures">${figures.map(
        (f) => html`<figure>
<div class="figure-scroll"><a href="${relativeUrl(f.png)}" title="open the full-size PNG"><img src="${relativeUrl(f.svg ?? f.png)}" alt="${f.title}"></a></div>
<figcaption><span class="name">${f.title}</span><span><a href="${relativeUrl(f.png)}">PNG</a>${f.svg ? html` · <a href="${relativeUrl(f.svg)}">SVG</a>` : ''}</span></figcaption>
</figure>`,
      )}</div>`
    : html`<p class="empty">This run wrote no figures.</p>`;
  return html`<section id="figures"><h2>Figures <span class="count">(${figures.length})</span></h2>${body}</section>`;
}

function sessionsSection(csv: string | undefined): Html {
  const rows = csv === undefined ? [] : parseCsv(csv);
  if (rows.length === 0) {
    return html`<section id="sessions"><h2>Sessions</h2><p class="empty">This run wrote no ${SESSIONS_TABLE}.</p></section>`;
  }
  const [header, ...body] = rows;
  const cell = (text: string) => {
    const c = formatCell(text);
    return html`<td${c.numeric ? html` class="num"` : ''}${c.full ? html` title="${c.full}"` : ''}>${c.text}</td>`;
  };
  return html`<section id="sessions"><h2>Sessions <span class="count">(${body.length})</span></h2>
<div class="table-wrap"><table id="sessions-table">
<thead><tr>${header.map((h) => html`<th>${h}</th>`)}</tr></thead>
<tbody>${body.map((r) => html`<tr>${r.map(cell)}</tr>\n`)}</tbody>
</table></div>
<p class="meta">From <a href="${relativeUrl(SESSIONS_TABLE)}">${SESSIONS_TABLE}</a>; long decimals are shortened here (hover for the full value).</p>
</section>`;
}

function timingsTable(timings: RunReportInput['timings']): Html {
  if (timings.length === 0) return html`<span class="empty">not recorded in this report; the processing record has every step</span>`;
  const total = elapsedMs(timings[0].startedAt, timings[timings.length - 1].endedAt);
  return html`<table id="timings"><thead><tr><th>step</th><th>started</th><th>duration</th></tr></thead><tbody>
${timings.map((t) => html`<tr><td>${t.step}</td><td>${formatDateTime(t.startedAt)}</td><td class="num">${formatDuration(elapsedMs(t.startedAt, t.endedAt))}</td></tr>`)}
<tr><td><strong>total</strong></td><td></td><td class="num"><strong>${formatDuration(total)}</strong></td></tr>
</tbody></table>`;
}

function provenanceSection(r: RunReportInput): Html {
  const sessions = r.inputs.sessions ?? [];
  return html`<section id="provenance"><h2>Provenance</h2><dl>
<dt>dedup key</dt><dd><code id="dedup-key">${r.dedupKey}</code></dd>
<dt>workflow id</dt><dd><code id="workflow-id">${r.workflowId}</code></dd>
<dt>analysis</dt><dd>${r.analysis.name} ${r.analysis.version}, tag <code>${r.analysis.tag}</code></dd>
${r.analysis.codeVersion ? html`<dt>analysis code</dt><dd><code id="analysis-code-version">${r.analysis.codeVersion}</code> (Python)</dd>` : ''}
<dt>code version</dt><dd><code>${r.codeVersion}</code></dd>
<dt>input locations</dt><dd>${list(r.inputs.locations.map((l) => html`<code>${l}</code>`), 'locations')}</dd>
${r.inputs.files.length ? html`<dt>input files</dt><dd>${list(r.inputs.files.map((f) => html`<code>${f}</code>`), 'files')}</dd>` : ''}
${sessions.length ? html`<dt>sessions read</dt><dd>${list(sessions.map((s) => html`<code>${s.uri}</code> <span class="muted">${formatBytes(s.size)}</span>`), 'session files')}</dd>` : ''}
<dt>parameters</dt><dd><pre>${compactJson(r.parameters)}</pre></dd>
<dt>timings</dt><dd>${timingsTable(r.timings)}</dd>
</dl></section>`;
}

function filesSection(outputs: RunReportInput['outputs']): Html {
  return html`<section id="files"><h2>Files <span class="count">(${outputs.length})</span></h2>
<details><summary>every output with its size and sha256</summary>
<div class="table-wrap"><table><thead><tr><th>name</th><th>size</th><th>sha256</th></tr></thead><tbody>
${outputs.map((o) => html`<tr><td><a href="${relativeUrl(o.name)}">${o.name}</a></td><td class="num">${formatBytes(o.size)}</td><td class="mono">${o.sha256}</td></tr>`)}
</tbody></table></div></details></section>`;
}

export function buildRunReport(r: RunReportInput): string {
  const names = r.outputs.map((o) => o.name);
  const sessionCount = r.inputs.sessions?.length;
  const title = `${r.subjectId} · ${r.analysis.name}`;
  return page(
    title,
    html`<header>
<h1>Mouse ${r.subjectId} <span class="sub">· ${r.analysis.name} ${r.analysis.version}</span></h1>
<p class="meta">tag <code>${r.analysis.tag}</code>${sessionCount === undefined ? '' : ` · ${sessionCount} session${sessionCount === 1 ? '' : 's'}`} · ${r.outputs.length} outputs · key <code>${r.dedupKey.slice(0, 16)}</code></p>
<nav><a href="#figures">Figures</a><a href="#sessions">Sessions</a><a href="#provenance">Provenance</a><a href="#files">Files</a></nav>
</header>
${r.warnings.length ? html`<section id="warnings"><h2>Warnings <span class="count">(${r.warnings.length})</span></h2><ul class="warnings">${r.warnings.map((w) => html`<li>${w}</li>`)}</ul></section>` : ''}
${figuresSection(names)}
${sessionsSection(r.sessionsCsv)}
${provenanceSection(r)}
${filesSection(r.outputs)}`,
  );
}
