import { mkdirSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderPng, renderPngAsync, renderSvg } from '../../../src/figures/index.js';
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
  it('rasterises at the requested scale with the bundled font', () => {
    const svg = renderSvg(allSessionsFigure());
    const started = performance.now();
    const png = renderPng(svg, { scale: 2 });
    const ms = performance.now() - started;
    const size = svgSize(svg);
    expect(pngSize(png)).toEqual({ width: size.width * 2, height: size.height * 2 });
    mkdirSync(SAMPLES, { recursive: true });
    writeFileSync(`${SAMPLES}/all_sess_5x5.png`, png);
    writeFileSync(`${SAMPLES}/all_sess_5x5.svg`, svg);
    console.log(`5x5 figure: PNG ${size.width * 2}x${size.height * 2} px in ${ms.toFixed(0)} ms`);
  });

  it('renders off the main thread too', async () => {
    const svg = renderSvg(weeklyAndBehaviourFigure());
    const png = await renderPngAsync(svg, { scale: 1 });
    expect(pngSize(png)).toEqual(svgSize(svg));
    writeFileSync(`${SAMPLES}/weekly_behaviour.png`, png);
  });

  it('draws text: the same figure without its labels has fewer dark pixels', () => {
    // resvg drops text it has no font for; a PNG identical with and without <text> means no font
    const svg = renderSvg(weeklyAndBehaviourFigure());
    const bare = svg.replace(/<text[^>]*>[^<]*<\/text>/g, '');
    expect(Buffer.from(renderPng(svg, { scale: 1 })).equals(Buffer.from(renderPng(bare, { scale: 1 })))).toBe(false);
  });
});
