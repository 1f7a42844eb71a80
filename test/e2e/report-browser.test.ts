// The generated reports in a real browser. A small batch runs end to end on the real servers
// (two mice, two analyses, real sessions in S3, records in FerretDB); every run's outputs are
// fetched as `results get` does (verified against the record) together with a batch index, served
// from a local static server, and opened in Debian's chromium driven by playwright-core: every
// figure must decode, the sessions table must have one row per session, the provenance must show
// the dedup key, no link may be broken. One screenshot per page goes to test-results/.
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, resolve, sep } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planDispatch, startPlanned } from '../../src/client/dispatch.js';
import { downloadOutputs } from '../../src/client/results.js';
import { writeBatchIndex } from '../../src/report/batch-index.js';
import { figuresOf, outputName } from '../../src/report/outputs.js';
import type { ProcessingRecord } from '../../src/schemas/record.js';
import { codeVersion } from '../../src/current-code-version.js';
import { startE2E, uploadToS3, type E2E } from '../support/e2e.js';

const CHROMIUM = '/usr/bin/chromium';
const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'real-nwb');
const SCREENSHOTS = join(import.meta.dirname, '..', '..', 'test-results', 'report-browser');
const HDF5_SESSIONS = ['697062_2023-11-14_11-12-44', '697062_2023-11-15_10-02-05'];
const ZARR_SESSION = 'behavior_717531_2024-08-07_09-01-02';

/** The parts of the DOM's HTMLImageElement read here (the project compiles without the DOM types). */
interface BrowserImage {
  getAttribute(name: string): string | null;
  complete: boolean;
  naturalWidth: number;
}

/** The parts of the DOM read to measure a figure as shown (the project compiles without the DOM types). */
interface BrowserElement {
  getAttribute(name: string): string | null;
  querySelector(selector: string): BrowserElement | null;
  querySelectorAll(selector: string): ArrayLike<BrowserElement>;
  closest(selector: string): BrowserElement | null;
  getBoundingClientRect(): { width: number; height: number };
  clientWidth: number;
  scrollWidth: number;
}

/** The size an SVG file declares (its natural size in CSS px). */
async function svgSize(file: string): Promise<{ width: number; height: number }> {
  const head = (await readFile(file, 'utf8')).slice(0, 500);
  const m = /<svg[^>]*?\swidth="([\d.]+)"[^>]*?\sheight="([\d.]+)"/.exec(head);
  if (!m) throw new Error(`${file}: no width/height on the svg root`);
  return { width: Number(m[1]), height: Number(m[2]) };
}

const CONTENT_TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.png': 'image/png', '.svg': 'image/svg+xml', '.csv': 'text/csv', '.json': 'application/json' };

/** A static file server on 127.0.0.1 (random port) for one folder; nothing outside it is served. */
async function serve(root: string): Promise<{ server: Server; base: string }> {
  const server = createServer((req, res) => {
    const path = resolve(root, `.${decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)}`);
    if (!path.startsWith(root + sep)) return void res.writeHead(403).end();
    readFile(path).then(
      (body) => res.writeHead(200, { 'content-type': CONTENT_TYPES[extname(path)] ?? 'application/octet-stream' }).end(body),
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('per-mouse reports and the batch index in chromium', () => {
  let e: E2E;
  let site: string;
  let http: { server: Server; base: string };
  let browser: BrowserContext;
  let records: ProcessingRecord[];
  const tag = `e2e-report-${randomUUID().slice(0, 8)}`;
  const indexKey = `batches/${tag}/index.html`;

  beforeAll(async () => {
    // Fail, never skip: the browser is part of the project's own set-up.
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium is missing at ${CHROMIUM}: run bash scripts/install-browser.sh`);
    e = await startE2E();
    const dir = await mkdtemp(join(tmpdir(), 'ga-report-e2e-'));
    const prefix = `inputs-${tag}`;
    const asset = async (local: string, assetName: string, file: string) =>
      (await uploadToS3(e.config, local, `${prefix}/${assetName}/nwb`, file)).replace(/\/nwb\/[^/]+$/, '');
    const hdf5 = [];
    for (const s of HDF5_SESSIONS) hdf5.push(await asset(join(FIXTURES, `${s}.nwb`), `behavior_${s}`, `${s}.nwb`));
    const zarr = await asset(join(FIXTURES, `${ZARR_SESSION}.nwb`), ZARR_SESSION, `${ZARR_SESSION}.nwb`);
    const write = (name: string, body: unknown) => writeFile(join(dir, name), JSON.stringify(body));
    await mkdir(join(dir, 'jobs'));
    await write('jobs/job_697062.json', { s3_location: hdf5, group_metadata: { 'subject.subject_id': '697062' } });
    await write('jobs/job_717531.json', { s3_location: [zarr], group_metadata: { 'subject.subject_id': '717531' } });
    await write('behaviour.json', { analysis_parameter: { analysis_name: 'foraging-summary', analysis_tag: tag } });
    await write('photometry.json', {
      analysis_parameter: { analysis_name: 'grouped-analysis', analysis_tag: tag, channels: { G_1: 'fiber 1 (green)', G_2: 'fiber 2 (green)' }, preprocessing: 'preprocessed', plot_types: ['avg_lastN_sess', 'all_sess'] },
    });

    const planned = [
      ...(await planDispatch({ jobs: [join(dir, 'jobs')], parametersFile: join(dir, 'behaviour.json'), codeVersion: codeVersion() })),
      ...(await planDispatch({ jobs: [join(dir, 'jobs', 'job_717531.json')], parametersFile: join(dir, 'photometry.json'), codeVersion: codeVersion() })),
    ];
    await startPlanned(planned, { client: e.client, taskQueue: e.config.temporal.taskQueue, records: e.runtime.records });
    await Promise.all(planned.map((p) => e.client.workflow.getHandle(p.workflowId).result()));

    // Every output, fetched and verified as `results get` does, laid out as in the store.
    records = await e.runtime.records.find({ equals: { 'analysis.tag': tag }, sortBy: 'subject_id' });
    site = await mkdtemp(join(tmpdir(), 'ga-report-site-'));
    for (const r of records) {
      const bad = (await downloadOutputs(r, e.runtime.deps.results, join(site, r._id))).filter((o) => o.status !== 'ok');
      expect(bad).toEqual([]);
    }
    await writeBatchIndex(e.runtime.deps.results, records, { title: `Batch ${tag}`, key: indexKey });
    await mkdir(join(site, 'batches', tag), { recursive: true });
    await writeFile(join(site, indexKey), await e.runtime.deps.results.get(indexKey));

    http = await serve(site);
    await mkdir(SCREENSHOTS, { recursive: true });
    browser = await chromium.launchPersistentContext(await mkdtemp(join(tmpdir(), 'ga-chromium-')), {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1366, height: 900 },
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });

  afterAll(async () => {
    await browser?.close();
    http?.server.close();
    await e?.stop();
  });

  /** Opens a page, failing on any request of it that is not found or errors. */
  async function open(path: string) {
    const page = await browser.newPage();
    const broken: string[] = [];
    page.on('response', (r) => void (r.status() >= 400 && broken.push(`${r.status()} ${r.url()}`)));
    page.on('requestfailed', (r) => void broken.push(`${r.failure()?.errorText} ${r.url()}`));
    const response = await page.goto(`${http.base}/${path}`, { waitUntil: 'load' });
    expect(response?.status()).toBe(200);
    return { page, broken };
  }

  it('ran the batch: three completed runs, each with a report', () => {
    expect(records.map((r) => [r.subject_id, r.analysis.name, r.status])).toEqual(
      expect.arrayContaining([
        ['697062', 'foraging-summary', 'completed'],
        ['717531', 'foraging-summary', 'completed'],
        ['717531', 'grouped-analysis', 'completed'],
      ]),
    );
    expect(records).toHaveLength(3);
    for (const r of records) expect(r.outputs.map((o) => outputName(r.location, o.uri))).toContain('index.html');
  });

  it('each report shows every figure, one table row per session and the dedup key', async () => {
    for (const r of records) {
      const { page, broken } = await open(`${r._id}/index.html`);
      const figures = figuresOf(r.outputs.map((o) => outputName(r.location, o.uri)!));
      expect(figures.length).toBeGreaterThan(0);
      const images = await page.locator('#figures img').evaluateAll((imgs) =>
        (imgs as unknown as BrowserImage[]).map((i) => ({ src: i.getAttribute('src'), complete: i.complete, width: i.naturalWidth })),
      );
      // Readable: each figure at least its natural size (the SVG's px) and as wide as the column;
      // one wider than the column scrolls sideways in its box, not the page; a click opens the
      // full-size PNG and the caption links the SVG.
      const shown = await page.locator('#figures figure').evaluateAll((nodes) =>
        (nodes as unknown as BrowserElement[]).map((f) => {
          const img = f.querySelector('img')!;
          const box = f.querySelector('.figure-scroll');
          return {
            width: img.getBoundingClientRect().width,
            height: img.getBoundingClientRect().height,
            column: f.querySelector('figcaption')!.getBoundingClientRect().width, // the figure's content width
            box: box ? { width: box.clientWidth, scrollWidth: box.scrollWidth } : null,
            opens: img.closest('a')?.getAttribute('href') ?? null,
            links: Array.from(f.querySelectorAll('figcaption a'), (a) => a.getAttribute('href')),
          };
        }),
      );
      const pageWidth = await page.evaluate('[document.documentElement.scrollWidth, window.innerWidth]');
      expect((pageWidth as number[])[0], 'the page itself does not scroll sideways').toBeLessThanOrEqual((pageWidth as number[])[1]);
      for (const [k, f] of figures.entries()) {
        const s = shown[k];
        const what = `${f.title} of ${r.subject_id} / ${r.analysis.name}`;
        const natural = await svgSize(join(site, r._id, f.svg!));
        expect(s.column, `${what}: column`).toBeGreaterThan(1000);
        expect(s.width, `${what}: shown width vs natural ${natural.width}`).toBeGreaterThanOrEqual(Math.max(natural.width, s.column) - 0.5);
        expect(s.height, `${what}: shown height vs natural ${natural.height}`).toBeGreaterThanOrEqual(natural.height - 0.5);
        if (natural.width > s.column) expect(s.box?.scrollWidth, `${what}: scrolls sideways in its box`).toBeGreaterThan(s.box!.width);
        expect(s.opens).toBe(f.png);
        expect(s.links).toEqual([f.png, f.svg]);
      }

      expect(images.map((i) => i.src)).toEqual(figures.map((f) => f.svg ?? f.png));
      for (const i of images) {
        expect(i.complete, `${i.src} of ${r.subject_id} / ${r.analysis.name} loaded`).toBe(true);
        expect(i.width, `naturalWidth of ${i.src} of ${r.subject_id} / ${r.analysis.name}`).toBeGreaterThan(0);
      }
      expect(await page.locator('#sessions-table tbody tr').count()).toBe(r.inputs.files.length);
      await expect(page.locator('#dedup-key').textContent()).resolves.toBe(r._id);
      expect(await page.locator('#provenance').innerText()).toContain(r._id);
      expect(broken).toEqual([]);
      await page.screenshot({ path: join(SCREENSHOTS, `${r.subject_id}-${r.analysis.name}.png`), fullPage: true });
      // A click on the figure opens its full-size PNG.
      await page.locator('#figures img').first().click();
      await page.waitForURL(new RegExp(`/${figures[0].png.replace(/[.]/g, '\\.')}$`));
      expect(broken).toEqual([]);
      await page.close();
    }
  });

  it('the batch index lists every run and every report link opens', async () => {
    const { page, broken } = await open(indexKey);
    expect(await page.locator('#runs-table tbody tr').count()).toBe(records.length);
    const links = await page.locator('#runs-table a', { hasText: 'report' }).evaluateAll((as) => (as as unknown as { href: string }[]).map((a) => a.href));
    expect(links.sort()).toEqual(records.map((r) => `${http.base}/${r._id}/index.html`).sort());
    await page.screenshot({ path: join(SCREENSHOTS, 'batch-index.png'), fullPage: true });
    await page.locator('#runs-table a', { hasText: 'report' }).first().click();
    await page.waitForURL(/\/[0-9a-f]{64}\/index\.html$/);
    expect(await page.locator('#dedup-key').count()).toBe(1);
    expect(broken).toEqual([]);
    await page.close();
  });
});
