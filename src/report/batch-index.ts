// The batch index: one static page listing every run (mouse × analysis) of a batch with its
// status and a link to its report, written at the results root so that the links
// (`<dedup key>/index.html`) are relative.
import type { ProcessingRecord } from '../schemas/record.js';
import type { ObjectStore, StoredObject } from '../stores/object-store.js';
import { elapsedMs, formatDateTime, formatDuration } from './format.js';
import { html, page, relativeUrl } from './html.js';
import { figuresOf, outputName, REPORT_NAME } from './outputs.js';

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

/** The page for `records`, to be stored at `key` (links climb out of the key's folders). */
export function buildBatchIndex(records: readonly ProcessingRecord[], options: { title?: string; key?: string } = {}): string {
  const title = options.title ?? 'Analysis results';
  const up = '../'.repeat((options.key ?? REPORT_NAME).split('/').length - 1);
  const sorted = [...records].sort((a, b) => a.subject_id.localeCompare(b.subject_id) || a.analysis.name.localeCompare(b.analysis.name) || a._id.localeCompare(b._id));
  const mice = new Set(records.map((r) => r.subject_id)).size;
  const counts = ['completed', 'failed', 'running'].map((s) => [s, records.filter((r) => r.status === s).length] as const).filter(([, n]) => n > 0);
  return page(
    title,
    html`<header><h1>${title}</h1>
<p class="meta">${mice} mice · ${records.length} runs${counts.map(([s, n]) => ` · ${n} ${s}`)}</p></header>
<section id="runs"><h2>Runs</h2>
${
  records.length
    ? html`<div class="table-wrap"><table id="runs-table"><thead><tr><th>mouse</th><th>analysis</th><th>tag</th><th>status</th><th>sessions</th><th>figures</th><th>finished</th><th>wall time</th><th>dedup key</th><th>report</th></tr></thead>
<tbody>${sorted.map((r) => row(r, up))}</tbody></table></div>`
    : html`<p class="empty">No runs.</p>`
}
</section>`,
  );
}

/** Writes the batch index for `records` into the results store (by default `index.html` at its root). */
export async function writeBatchIndex(
  store: ObjectStore,
  records: readonly ProcessingRecord[],
  options: { title?: string; key?: string } = {},
): Promise<StoredObject> {
  return await store.put(options.key ?? REPORT_NAME, buildBatchIndex(records, options), { contentType: 'text/html; charset=utf-8' });
}
