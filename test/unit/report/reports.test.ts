// The per-run report and the batch index as pages, and the publish activity that writes the
// report next to the outputs (local-folder store).
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createAnalysisActivities, type AnalysisActivityDeps } from '../../../src/activities/analysis.js';
import { buildBatchIndex, writeBatchIndex } from '../../../src/report/batch-index.js';
import { escapeHtml } from '../../../src/report/html.js';
import { buildRunReport, type RunReportInput } from '../../../src/report/run-report.js';
import { LocalObjectStore } from '../../../src/stores/local.js';
import { inActivityContext } from '../../support/activity-env.js';
import { finishedRecord, storeOutputs, workflowInput } from '../../support/runs.js';

const KEY = 'ab'.repeat(32);
const EVIL = '<img src=x onerror=alert(1)>';

const input = (over: Partial<RunReportInput> = {}): RunReportInput => ({
  dedupKey: KEY,
  workflowId: `foraging-summary/697062/t1/${KEY.slice(0, 20)}`,
  subjectId: '697062',
  analysis: { name: 'foraging-summary', version: '1.0.0', tag: 't1' },
  codeVersion: '0.1.0+src.0123456789ab',
  parameters: { note: EVIL, window: [0.33, 1] },
  inputs: { locations: ['s3://data/a'], files: [], sessions: [{ uri: 's3://data/a/nwb/a.nwb', size: 2_800_000 }] },
  timings: [
    { step: 'resolve', startedAt: '2025-01-01T10:00:00.000Z', endedAt: '2025-01-01T10:00:01.500Z' },
    { step: 'group', startedAt: '2025-01-01T10:00:01.500Z', endedAt: '2025-01-01T10:00:04.000Z' },
  ],
  warnings: [`session skipped: ${EVIL}`],
  outputs: [
    { name: 'figures/learning curve#1.png', size: 10, sha256: '1'.repeat(64) },
    { name: 'figures/learning curve#1.svg', size: 10, sha256: '2'.repeat(64) },
    { name: 'sessions.csv', size: 10, sha256: '3'.repeat(64) },
  ],
  sessionsCsv: `ses_idx,value,label\n697062_2025-01-01,0.9666666666666667,"a,b"\n697062_2025-01-02,2,${EVIL}\n`,
  ...over,
});

/** Every href/src of the page: relative, so the page works from any folder or static server. */
const links = (page: string) => [...page.matchAll(/(?:href|src)="([^"]*)"/g)].map((m) => m[1]);

describe('buildRunReport', () => {
  const page = buildRunReport(input());

  it('shows every figure at its natural size (its SVG) in a sideways-scrolling box; a click opens the full-size PNG', () => {
    expect(page).toContain(
      '<div class="figure-scroll"><a href="figures/learning%20curve%231.png" title="open the full-size PNG"><img src="figures/learning%20curve%231.svg" alt="learning curve#1"></a></div>',
    );
    expect(page).toContain('<a href="figures/learning%20curve%231.png">PNG</a> · <a href="figures/learning%20curve%231.svg">SVG</a>');
    expect(page).toContain('Figures <span class="count">(1)</span>');
  });

  it('never shrinks a figure below its natural size, nor to fit the window\'s height', () => {
    const css = /<style>([\s\S]*?)<\/style>/.exec(page)![1];
    const rule = (selector: string) => new RegExp(`(?:^|\\n)${selector.replace(/[.*]/g, '\\$&')} \\{([^}]*)\\}`).exec(css)?.[1] ?? '';
    expect(rule('.figure-scroll')).toContain('overflow-x: auto');
    expect(rule('.figures')).toContain('grid-template-columns: minmax(0, 1fr)'); // a wide figure must not widen the page
    const img = rule('.figure-scroll img');
    expect(img).toContain('max-width: none');
    expect(img).toContain('min-width: 100%');
    expect(img).toContain('width: auto');
    expect(css).not.toMatch(/max-height/);
    expect(css).not.toMatch(/(^|[^-])max-width: 100%/);
  });

  it('shows a figure without an SVG from its PNG', () => {
    const only = buildRunReport(input({ outputs: [{ name: 'figures/raster.png', size: 10, sha256: '1'.repeat(64) }] }));
    expect(only).toContain('<div class="figure-scroll"><a href="figures/raster.png" title="open the full-size PNG"><img src="figures/raster.png" alt="raster"></a></div>');
    expect(only).not.toContain('SVG</a>');
  });

  it('renders sessions.csv as a table with one row per session', () => {
    const body = /<table id="sessions-table">[\s\S]*?<tbody>([\s\S]*?)<\/tbody>/.exec(page)![1];
    expect(body.match(/<tr>/g)).toHaveLength(2);
    expect(body).toContain('<td class="num" title="0.9666666666666667">0.9667</td>');
    expect(body).toContain('<td>a,b</td>');
  });

  it('shows the provenance: dedup key, workflow id, inputs, parameters, code version, timings', () => {
    expect(page).toContain(`<code id="dedup-key">${KEY}</code>`);
    expect(page).toContain(`foraging-summary/697062/t1/${KEY.slice(0, 20)}`);
    expect(page).toContain('s3://data/a/nwb/a.nwb');
    expect(page).toContain('0.1.0+src.0123456789ab');
    expect(page).toContain(escapeHtml('"window": [0.33, 1]'));
    expect(page).toMatch(/<td>group<\/td><td>2025-01-01 10:00:01 UTC<\/td><td class="num">2.50 s<\/td>/);
    expect(page).toMatch(/total<\/strong><\/td><td><\/td><td class="num"><strong>4.00 s/);
  });

  it('escapes everything that comes from records, parameters and CSV cells', () => {
    expect(page).not.toContain('<img src=x');
    expect(page.split('&lt;img src=x onerror=alert(1)&gt;').length - 1).toBe(3); // warning, CSV cell, parameters
    expect(page).not.toMatch(/<script/i);
  });

  it('links only relatively and loads nothing from elsewhere', () => {
    for (const l of links(page)) expect(l).not.toMatch(/^[a-z]+:|^\/\//i);
  });

  it('says what is missing instead of failing: no figures, no sessions.csv, no timings', () => {
    const bare = buildRunReport(input({ outputs: [], sessionsCsv: undefined, timings: [], warnings: [] }));
    expect(bare).toContain('This run wrote no figures.');
    expect(bare).toContain('This run wrote no sessions.csv.');
    expect(bare).toContain('not recorded');
    expect(bare).not.toContain('id="warnings"');
  });
});

describe('batch index', () => {
  it('lists every run with a relative link to its report, failures with their reason', async () => {
    const store = new LocalObjectStore(await mkdtemp(join(tmpdir(), 'ga-report-')));
    const ok = finishedRecord(store, { subjectId: '889451' }, { outputs: await storeOutputs(store, workflowInput({ subjectId: '889451' }).dedupKey, { 'index.html': 'x', 'figures/a.png': 'p', 'figures/a.svg': 's' }) });
    const noReport = finishedRecord(store, { subjectId: '697062' });
    const failed = finishedRecord(store, { subjectId: '717531' }, { failed: true });
    const put = await writeBatchIndex(store, [ok, failed, noReport], { title: 'Batch <t1>' });
    const page = await readFile(join(store.root, 'index.html'), 'utf8');
    expect(put.key).toBe('index.html');
    expect(page).toContain('<h1>Batch &lt;t1&gt;</h1>');
    expect(page).toContain('3 mice · 3 runs · 2 completed · 1 failed');
    // Sorted by mouse; only the run that has a report links to it.
    expect([...page.matchAll(/<tr>\n<td>(?:<a href="([^"]+)">)?(\d+)/g)].map((m) => [m[2], m[1]])).toEqual([
      ['697062', undefined],
      ['717531', undefined],
      ['889451', `${ok._id}/index.html`],
    ]);
    expect(page).toContain('sessions: not an HDF5 file &lt;bad&gt;');
    expect(page).toMatch(new RegExp(`${ok._id.slice(0, 16)}[\\s\\S]*?<a href="${ok._id}/index.html">report</a>`));
  });

  it('climbs out of the folders of the key it is stored at', () => {
    const store = new LocalObjectStore('/nowhere');
    const r = finishedRecord(store, { subjectId: '889451' }, { outputs: [{ name: 'index.html', uri: store.uri(`${workflowInput({ subjectId: '889451' }).dedupKey}/index.html`), size: 1, sha256: '0'.repeat(64) }] });
    expect(buildBatchIndex([r], { key: 'batches/t1/index.html' })).toContain(`href="../../${r._id}/index.html"`);
    expect(buildBatchIndex([])).toContain('No runs.');
  });
});

describe('publishResults writes the report', () => {
  it('verifies the outputs, writes index.html from them and lists it in the manifest and the outputs', async () => {
    const store = new LocalObjectStore(await mkdtemp(join(tmpdir(), 'ga-publish-')));
    const w = workflowInput({ subjectId: '697062' });
    const outputs = await storeOutputs(store, w.dedupKey, {
      'figures/learning_curve_697062.png': 'png',
      'figures/learning_curve_697062.svg': '<svg/>',
      'sessions.csv': 'ses_idx,x\n697062_2025-01-01,1\n697062_2025-01-02,2\n697062_2025-01-03,3\n',
    });
    const { publishResults } = inActivityContext(createAnalysisActivities({ results: store } as unknown as AnalysisActivityDeps));
    const timings = [{ step: 'resolve', startedAt: '2025-01-01T10:00:00.000Z', endedAt: '2025-01-01T10:00:01.000Z' }];
    const published = await publishResults({ workflow: w, outputs, timings, warnings: ['w1'], sessions: [{ uri: 's3://data/a.nwb', size: 5, fingerprint: 'f' }] });

    expect(published.map((o) => o.name)).toEqual([...outputs.map((o) => o.name), 'index.html', 'manifest.json']);
    const page = await readFile(join(store.root, w.dedupKey, 'index.html'), 'utf8');
    const report = published.find((o) => o.name === 'index.html')!;
    expect((await store.head(`${w.dedupKey}/index.html`))?.sha256).toBe(report.sha256);
    expect(page).toContain(`<code id="dedup-key">${w.dedupKey}</code>`);
    expect(page).toContain(`foraging-summary/697062/t1/${w.dedupKey.slice(0, 20)}`);
    expect(page).toContain('Sessions <span class="count">(3)</span>');
    expect(page).toContain('<a href="figures/learning_curve_697062.png" title="open the full-size PNG"><img src="figures/learning_curve_697062.svg"');
    expect(page).toContain('<li>w1</li>');
    const manifest = JSON.parse(await readFile(join(store.root, w.dedupKey, 'manifest.json'), 'utf8')) as { outputs: { name: string }[] };
    expect(manifest.outputs.map((o) => o.name)).toContain('index.html');
  });

  it('refuses to publish when an output differs from what was written', async () => {
    const store = new LocalObjectStore(await mkdtemp(join(tmpdir(), 'ga-publish-')));
    const w = workflowInput({ subjectId: '697062' });
    const outputs = await storeOutputs(store, w.dedupKey, { 'sessions.csv': 'a\n1\n' });
    await store.put(`${w.dedupKey}/sessions.csv`, 'a\n1\n2\n');
    const { publishResults } = inActivityContext(createAnalysisActivities({ results: store } as unknown as AnalysisActivityDeps));
    await expect(publishResults({ workflow: w, outputs })).rejects.toThrow(/differs from what was written/);
    expect(await store.head(`${w.dedupKey}/index.html`)).toBeUndefined();
  });

  it('verifies several outputs at a time (on S3 each is a round trip), at most 16, and names the first that is wrong', async () => {
    const store = new LocalObjectStore(await mkdtemp(join(tmpdir(), 'ga-publish-')));
    const w = workflowInput({ subjectId: '697062' });
    const outputs = await storeOutputs(store, w.dedupKey, Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`t${i}.csv`, `a\n${i}\n`])));
    let inFlight = 0;
    let most = 0;
    const slow = Object.assign(Object.create(store) as LocalObjectStore, {
      head: async (key: string) => {
        most = Math.max(most, ++inFlight);
        await new Promise((ok) => setTimeout(ok, 5));
        inFlight--;
        return await store.head(key);
      },
    });
    const { publishResults } = inActivityContext(createAnalysisActivities({ results: slow } as unknown as AnalysisActivityDeps));
    await publishResults({ workflow: w, outputs });
    expect(most).toBe(16);
    await store.put(`${w.dedupKey}/t30.csv`, 'changed');
    await store.put(`${w.dedupKey}/t7.csv`, 'changed');
    await expect(publishResults({ workflow: w, outputs })).rejects.toThrow(/t7\.csv is missing or differs/);
  });
});
