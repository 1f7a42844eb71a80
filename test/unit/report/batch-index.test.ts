// The results index of the embedded default (results/outputs/index.html): the batch just run,
// what it left out and why, and every batch the store holds (newest first), each on a page of
// its own, so a new batch (`npm start -- --fresh`, a new code version) hides none of the others.
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { batchesOf, writeResultsIndex } from '../../../src/report/batch-index.js';
import type { ProcessingRecord } from '../../../src/schemas/record.js';
import { LocalObjectStore } from '../../../src/stores/local.js';
import { finishedRecord, storeOutputs, workflowInput, type RunSpec } from '../../support/runs.js';

async function run(store: LocalObjectStore, spec: RunSpec, endedAt: string): Promise<ProcessingRecord> {
  const outputs = await storeOutputs(store, workflowInput(spec).dedupKey, { 'index.html': '<p>report</p>' });
  return finishedRecord(store, spec, { outputs, endedAt });
}

/** Relative links of a page, resolved against the page's own folder in the store. */
function linkTargets(page: string, pageKey: string): string[] {
  return [...page.matchAll(/href="([^"#]+)"/g)].map((m) => join(dirname(pageKey), decodeURIComponent(m[1])));
}

describe('results index', () => {
  it('lists every batch, newest first, each on its own page; the batch just run in full with what it did not run and why', async () => {
    const store = new LocalObjectStore(await mkdtemp(join(tmpdir(), 'ga-index-')));
    const older = [await run(store, { subjectId: '889451', tag: 'sample', codeVersion: '0.1.0+src.aaaaaaaaaaaa' }, '2025-01-01T10:00:00.000Z')];
    const sample = [
      await run(store, { subjectId: '889451', tag: 'sample' }, '2025-02-01T10:00:00.000Z'),
      await run(store, { subjectId: '697062', tag: 'sample' }, '2025-02-01T10:00:01.000Z'),
    ];
    const fresh = [await run(store, { subjectId: '889451', tag: 'sample-20250301T100000' }, '2025-03-01T10:00:00.000Z')];
    const all = [...sample, ...fresh, ...older];

    const batches = batchesOf(all);
    expect(batches.map((b) => [b.tag, b.codeVersion, b.records.length])).toEqual([
      ['sample-20250301T100000', '0.1.0+src.0123456789ab', 1],
      ['sample', '0.1.0+src.0123456789ab', 2],
      ['sample', '0.1.0+src.aaaaaaaaaaaa', 1],
    ]);

    const notRun = [{ subject: '697062', analysis: 'grouped-analysis', reason: 'its sessions have no photometry <NWB>' }];
    await writeResultsIndex(store, all, { current: sample, title: 'Sample batch (tag sample)', notRun });
    const index = await readFile(join(store.root, 'index.html'), 'utf8');
    // This batch in full: its runs link to their reports, and the pair it left out is named with the reason.
    expect(index).toContain('Sample batch (tag sample)');
    for (const r of sample) expect(index).toContain(`href="${r._id}/index.html"`);
    expect(index).toMatch(/Not run[\s\S]*697062[\s\S]*grouped-analysis[\s\S]*its sessions have no photometry &lt;NWB&gt;/);
    // Every batch, newest first, linked to a page that exists and lists that batch's runs.
    const pages = batches.map((b) => b.key);
    expect(new Set(pages).size).toBe(3);
    const order = pages.map((k) => index.indexOf(`href="${k.split('/').map(encodeURIComponent).join('/')}"`));
    expect(order.every((i) => i > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    for (const b of batches) {
      const page = await readFile(join(store.root, b.key), 'utf8');
      for (const r of b.records) expect(page).toContain(r._id.slice(0, 16));
      for (const target of linkTargets(page, b.key)) expect(await store.head(target), `${b.key} -> ${target}`).toBeDefined();
    }
    for (const target of linkTargets(index, 'index.html')) expect(await store.head(target), target).toBeDefined();

    // A newer batch run next keeps the former ones reachable.
    await writeResultsIndex(store, all, { current: fresh, title: 'Sample batch (tag sample-20250301T100000)' });
    const again = await readFile(join(store.root, 'index.html'), 'utf8');
    for (const k of pages) expect(again).toContain(`href="${k.split('/').map(encodeURIComponent).join('/')}"`);
    expect(again).not.toContain('Not run');
    // The page of the batch that named a pair it did not run still says so.
    expect(await readFile(join(store.root, batches[1].key), 'utf8')).toContain('its sessions have no photometry');
  });
});
