// The batch index: one static page listing every run (mouse × analysis) of a batch with its
// status and a link to its report, written at the results root so that the links
// (`<dedup key>/index.html`) are relative. The embedded default (`npm start`) writes the results
// index instead: the batch just run, and every batch of the store (newest first) on a page of its
// own, so that a new batch (`--fresh`, another code version) leaves the former ones reachable.
import type { ProcessingRecord } from '../schemas/record.js';
import type { ObjectStore, StoredObject } from '../stores/object-store.js';
import { elapsedMs, formatDateTime, formatDuration } from './human-readable.js';
import { html, page, relativeUrl, type Html } from './html.js';
import { figuresOf, outputName, REPORT_NAME } from './outputs.js';

/** A (mouse, analysis) pair a batch deliberately left out, and why. */
export interface NotRunPair {
  subject: string;
  analysis: string;
  reason: string;
}

export interface BatchIndexOptions {
  title?: string;
  /** Where the page is stored (default `index.html` at the root): links climb out of its folders. */
  key?: string;
  /** Pairs the batch did not run, listed with the reason. */
  notRun?: readonly NotRunPair[];
  /** Key of the page listing every batch, linked from this one. */
  allBatches?: string;
}

function row(r: ProcessingRecord, up: string) {
  const names = r.outputs.flatMap((o) => outputName(r.location, o.uri) ?? []);
  const report = names.includes(REPORT_NAME) ? `${up}${relativeUrl(r._id)}/${REPORT_NAME}` : undefined;
  const end = r.processing.data_processes[0].end_date_time;
  const start = r.processing.data_processes[0].start_date_time;
  const detail = r.status === 'failed' ? html`<span class="failed-reason">${r.error?.step}: ${r.error?.message}</span>` : '';
  return html`<tr>
<td>${report ? html`<a href="${report}">${r.subject_id}</a>` : r.subject_id}</td>
<td>${r.analysis.name}</td><td><code>${r.analysis.tag}</code></td>
<td><span class="status ${r.status}">${r.status}</span> ${detail}</td>
<td class="num">${r.inputs.files.length}</td><td class="num">${figuresOf(names).length}</td>
<td>${end ? formatDateTime(end) : ''}</td><td class="num">${end ? formatDuration(elapsedMs(start, end)) : ''}</td>
<td class="mono">${r._id.slice(0, 16)}</td>
<td>${report ? html`<a href="${report}">report</a>` : html`<span class="empty">none</span>`}</td>
</tr>`;
}

/** "3 mice · 4 runs · 3 completed · 1 failed". */
function countsLine(records: readonly ProcessingRecord[]): string {
  const mice = new Set(records.map((r) => r.subject_id)).size;
  const counts = ['completed', 'failed', 'running'].map((s) => [s, records.filter((r) => r.status === s).length] as const).filter(([, n]) => n > 0);
  return `${mice} mice · ${records.length} runs${counts.map(([s, n]) => ` · ${n} ${s}`).join('')}`;
}

/** The runs table (by mouse, then analysis), links climbing `up` to the results root. */
function runsTable(records: readonly ProcessingRecord[], up: string): Html {
  const sorted = [...records].sort((a, b) => a.subject_id.localeCompare(b.subject_id) || a.analysis.name.localeCompare(b.analysis.name) || a._id.localeCompare(b._id));
  return records.length
    ? html`<div class="table-wrap"><table id="runs-table"><thead><tr><th>mouse</th><th>analysis</th><th>tag</th><th>status</th><th>sessions</th><th>figures</th><th>finished</th><th>wall time</th><th>dedup key</th><th>report</th></tr></thead>
<tbody>${sorted.map((r) => row(r, up))}</tbody></table></div>`
    : html`<p class="empty">No runs.</p>`;
}

function notRunSection(notRun: readonly NotRunPair[] = []): Html | string {
  if (!notRun.length) return '';
  return html`<section id="not-run"><h2>Not run <span class="count">(${notRun.length})</span></h2>
<ul>${notRun.map((n) => html`<li>${n.subject} × ${n.analysis}: ${n.reason}</li>`)}</ul></section>`;
}

/** The page for `records`, to be stored at `key` (links climb out of the key's folders). */
export function buildBatchIndex(records: readonly ProcessingRecord[], options: BatchIndexOptions = {}): string {
  const title = options.title ?? 'Analysis results';
  const up = '../'.repeat((options.key ?? REPORT_NAME).split('/').length - 1);
  const nav = options.allBatches ? html`<nav><a href="${up}${relativeUrl(options.allBatches)}">all batches</a></nav>` : '';
  return page(
    title,
    html`<header><h1>${title}</h1>
<p class="meta">${countsLine(records)}</p>${nav}</header>
<section id="runs"><h2>Runs</h2>
${runsTable(records, up)}
</section>
${notRunSection(options.notRun)}`,
  );
}

/** Writes the batch index for `records` into the results store (by default `index.html` at its root). */
export async function writeBatchIndex(store: ObjectStore, records: readonly ProcessingRecord[], options: BatchIndexOptions = {}): Promise<StoredObject> {
  return await store.put(options.key ?? REPORT_NAME, buildBatchIndex(records, options), { contentType: 'text/html; charset=utf-8' });
}

/** The runs of one analysis tag under one code version: what one `npm start` (or a re-run of it) produced. */
export interface Batch {
  tag: string;
  codeVersion: string;
  records: ProcessingRecord[];
  /** The latest `updated_at` of its records. */
  updatedAt: string;
  /** Where its page is stored: `batches/<tag>/<code version>/index.html`. */
  key: string;
}

const codeVersionOf = (r: ProcessingRecord) => r.processing.data_processes[0].code.version;

// A key part from a tag or code version: only characters every store and browser keep as they are.
function keyPart(s: string): string {
  const p = s.replace(/[^A-Za-z0-9._+-]/g, '_');
  return /^\.*$/.test(p) ? `_${p}` : p;
}

/** The records grouped into batches (analysis tag × code version), most recently updated first. */
export function batchesOf(records: readonly ProcessingRecord[]): Batch[] {
  const groups = new Map<string, Batch>();
  for (const r of records) {
    const [tag, codeVersion] = [r.analysis.tag, codeVersionOf(r)];
    const id = JSON.stringify([tag, codeVersion]);
    let b = groups.get(id);
    if (!b) groups.set(id, (b = { tag, codeVersion, records: [], updatedAt: r.updated_at, key: `batches/${keyPart(tag)}/${keyPart(codeVersion)}/${REPORT_NAME}` }));
    b.records.push(r);
    if (r.updated_at > b.updatedAt) b.updatedAt = r.updated_at;
  }
  return [...groups.values()].sort((a, b) => b.updatedAt.localeCompare(a.updatedAt) || a.tag.localeCompare(b.tag) || a.codeVersion.localeCompare(b.codeVersion));
}

function batchesTable(batches: readonly Batch[], current: Batch | undefined): Html {
  return html`<div class="table-wrap"><table id="batches-table"><thead><tr><th>tag</th><th>code version</th><th>runs</th><th>last updated</th><th>page</th></tr></thead>
<tbody>${batches.map(
    (b) => html`<tr>
<td><a href="${relativeUrl(b.key)}"><code>${b.tag}</code></a>${b === current ? ' (this batch)' : ''}</td><td class="mono">${b.codeVersion}</td>
<td>${countsLine(b.records)}</td><td>${formatDateTime(b.updatedAt)}</td><td><a href="${relativeUrl(b.key)}">runs</a></td>
</tr>`,
  )}</tbody></table></div>`;
}

export interface ResultsIndexOptions {
  /** The batch just run: shown in full on the index. */
  current: readonly ProcessingRecord[];
  title: string;
  notRun?: readonly NotRunPair[];
}

/**
 * Writes the results index (`index.html` at the store's root) for `all` the records of the store:
 * the current batch in full with the pairs it did not run, then every batch, newest first, each
 * linked to its page. The current batch's page is (re)written; the page of every other batch is
 * written if missing (so what a former start noted on it stays).
 */
export async function writeResultsIndex(store: ObjectStore, all: readonly ProcessingRecord[], o: ResultsIndexOptions): Promise<{ index: StoredObject; batches: Batch[] }> {
  const byId = new Map([...all, ...o.current].map((r) => [r._id, r]));
  const batches = batchesOf([...byId.values()]);
  const first = o.current[0];
  const current = first && batches.find((b) => b.tag === first.analysis.tag && b.codeVersion === codeVersionOf(first));
  for (const b of batches) {
    if (b !== current && (await store.head(b.key))) continue;
    const title = b === current ? o.title : `Batch ${b.tag} (code ${b.codeVersion})`;
    await writeBatchIndex(store, b.records, { title, key: b.key, allBatches: REPORT_NAME, ...(b === current && { notRun: o.notRun }) });
  }
  const body = html`<header><h1>Analysis results</h1>
<p class="meta">${batches.length} batches · ${byId.size} runs</p></header>
<section id="runs"><h2>${o.title}</h2>
<p class="meta">${countsLine(o.current)}</p>
${runsTable(o.current, '')}
</section>
${notRunSection(o.notRun)}
<section id="batches"><h2>All batches <span class="count">(${batches.length}, newest first)</span></h2>
${batchesTable(batches, current)}
</section>`;
  const index = await store.put(REPORT_NAME, page('Analysis results', body), { contentType: 'text/html; charset=utf-8' });
  return { index, batches };
}
