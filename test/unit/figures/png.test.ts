import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { RESVG_MODULE } from '../../../src/figures/assets.js';
import { effectiveScale, renderFigure, renderPng, renderSvg } from '../../../src/figures/index.js';
import { outlineText } from '../../../src/figures/svg/text.js';
import { decodePng } from '../../support/png-decode.js';
import { allSessionsFigure, weeklyAndBehaviourFigure } from './samples.js';

// Samples to look at by eye after a run.
const SAMPLES = '/tmp/figure-samples';

function pngSize(png: Uint8Array): { width: number; height: number } {
  expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  expect(new TextDecoder().decode(png.subarray(12, 16))).toBe('IHDR');
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

const svgSize = (svg: string) => {
  const m = svg.match(/width="(\d+)" height="(\d+)"/)!;
  return { width: Number(m[1]), height: Number(m[2]) };
};

describe('renderPng', () => {
  it('rasterises a 5 × 5 figure at the requested scale', async () => {
    const svg = renderSvg(allSessionsFigure());
    const png = await renderPng(svg, { scale: 2 });
    const size = svgSize(svg);
    expect(pngSize(png)).toEqual({ width: size.width * 2, height: size.height * 2 });
    mkdirSync(SAMPLES, { recursive: true });
    writeFileSync(`${SAMPLES}/all_sess_5x5.png`, png);
    writeFileSync(`${SAMPLES}/all_sess_5x5.svg`, svg);
  });

  it("holds exactly resvg's own drawing of the document (the workers' options change no pixel)", async () => {
    const svg = renderSvg(weeklyAndBehaviourFigure());
    const ours = decodePng(await renderPng(svg, { scale: 2 }));
    const { Resvg } = createRequire(import.meta.url)(RESVG_MODULE) as typeof import('@resvg/resvg-js');
    const image = new Resvg(outlineText(svg), { background: '#ffffff', fitTo: { mode: 'zoom', value: 2 }, font: { loadSystemFonts: false } }).render();
    expect([ours.width, ours.height]).toEqual([image.width, image.height]);
    const rgba = image.pixels;
    let differing = 0;
    for (let p = 0, q = 0; p < rgba.length; p += 4, q += 3) {
      if (rgba[p] !== ours.rgb[q] || rgba[p + 1] !== ours.rgb[q + 1] || rgba[p + 2] !== ours.rgb[q + 2]) differing++;
    }
    expect(differing).toBe(0);
  });

  it('lowers the scale of a figure that would exceed maxPixels', async () => {
    const svg = renderSvg(weeklyAndBehaviourFigure());
    const { width, height } = svgSize(svg);
    const maxPixels = width * height; // room for scale 1 only
    expect(effectiveScale(svg, { scale: 2, maxPixels })).toBeCloseTo(1, 12);
    const png = Buffer.concat((await renderFigure(weeklyAndBehaviourFigure(), { scale: 2, maxPixels })).png);
    expect(pngSize(png)).toEqual({ width, height });
    writeFileSync(`${SAMPLES}/weekly_behaviour.png`, png);
  });

  it('rejects an SVG resvg cannot parse, and keeps serving later calls', async () => {
    await expect(renderPng('<svg width="10" height="10" xmlns="http://www.w3.org/2000/svg"><g>')).rejects.toThrow();
    const svg = renderSvg(weeklyAndBehaviourFigure());
    const [half, full] = await Promise.all([renderPng(svg, { scale: 0.5 }), renderPng(svg, { scale: 1 })]);
    expect(pngSize(full).width).toBe(svgSize(svg).width);
    expect(Math.abs(pngSize(half).width - svgSize(svg).width / 2)).toBeLessThanOrEqual(1);
  });

  it('draws text with the bundled font: without its labels the image differs', async () => {
    const svg = renderSvg(weeklyAndBehaviourFigure());
    const bare = svg.replace(/<text[^>]*>[^<]*<\/text>/g, '');
    const [a, b] = await Promise.all([renderPng(svg, { scale: 1 }), renderPng(bare, { scale: 1 })]);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
  });
});
