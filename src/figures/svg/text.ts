// SVG text elements: sizes, coordinates as written, XML escapes, word wrap, and the outlines the
// rasteriser gets in place of text. Text is measured with the bundled font (assets.ts), so the
// PNG has the spacing the layout planned.
import { textOutline, textWidth } from '../assets.js';
import { COLORS } from '../palette.js';

/** Font sizes (px) by role. */
export const SIZE = { tick: 10, axisTitle: 11, panelTitle: 12, rowTitle: 13, title: 16, subtitle: 12, legend: 10 };

export const LINE = 11; // tick-label line height

/** Greedy word wrap of a label into lines no wider than `max` px (a long word stays whole). */
export function wrap(label: string, max: number): string[] {
  const lines: string[] = [];
  for (const word of label.split(' ')) {
    const last = lines.length - 1;
    if (last >= 0 && textWidth(`${lines[last]} ${word}`, SIZE.tick) <= max) lines[last] += ` ${word}`;
    else lines.push(word);
  }
  return lines;
}

/**
 * A coordinate to 2 decimals, as String(Math.round(v * 100) / 100) writes it, but through integer
 * formatting, which is faster: an all_sess figure writes a number per data point.
 */
export function num(v: number): string {
  const n = Math.round(v * 100);
  if (n % 100 === 0 || !(Math.abs(n) < 1e15)) return String(n / 100);
  const m = Math.abs(n);
  const whole = Math.floor(m / 100);
  const cents = m - whole * 100;
  return (n < 0 ? '-' : '') + whole + (cents % 10 === 0 ? `.${cents / 10}` : cents < 10 ? `.0${cents}` : `.${cents}`);
}

/**
 * Characters beyond Latin-1 (−, ±, ≥) as character references: a JS string holding one of them
 * takes two bytes per character, and a 100-session figure's SVG is millions of characters.
 */
function escapeXml(text: string): string {
  return text.replace(/[&<>"]|[^\x00-\xff]/gu, (c) => XML_ESCAPES[c] ?? `&#${c.codePointAt(0)};`);
}
const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };

export function text(
  x: number,
  y: number,
  content: string,
  opts: { size: number; anchor?: 'start' | 'middle' | 'end'; bold?: boolean; color?: string; rotate?: boolean },
): string {
  const attrs = [
    `x="${num(x)}"`,
    `y="${num(y)}"`,
    `font-size="${opts.size}"`,
    opts.anchor && opts.anchor !== 'start' ? `text-anchor="${opts.anchor}"` : '',
    opts.bold ? 'font-weight="bold"' : '',
    `fill="${opts.color ?? COLORS.text}"`,
    opts.rotate ? `transform="rotate(-90 ${num(x)} ${num(y)})"` : '',
  ].filter(Boolean);
  return `<text ${attrs.join(' ')}>${escapeXml(content)}</text>`;
}


const TEXT_ELEMENT =
  /<text x="([-\d.]+)" y="([-\d.]+)" font-size="([\d.]+)"(?: text-anchor="(middle|end)")?( font-weight="bold")? fill="([^"]+)"(?: transform="(rotate\([^)]*\))")?>([^<]*)<\/text>/g;
// Entity name ("amp") -> character, the inverse of XML_ESCAPES.
const XML_ENTITIES: Record<string, string> = Object.fromEntries(Object.entries(XML_ESCAPES).map(([c, e]) => [e.slice(1, -1), c]));
const unescapeXml = (text: string) =>
  text.replace(/&(?:(amp|lt|gt|quot)|#(\d+));/g, (_, name: string | undefined, code: string | undefined) =>
    name ? XML_ENTITIES[name] : String.fromCodePoint(Number(code)),
  );

/**
 * The document with each element text() wrote replaced by its outline in the bundled font, for
 * the rasteriser (see ttf.ts). A text that can't be outlined stays text.
 */
export function outlineText(svg: string): string {
  return svg.replace(TEXT_ELEMENT, (element, x: string, y: string, size: string, anchor: string | undefined, bold: string | undefined, fill: string, rotate: string | undefined, content: string) => {
    const o = textOutline(unescapeXml(content), bold !== undefined);
    if (!o) return element;
    const scale = Number(size) / o.unitsPerEm;
    const shift = anchor === 'middle' ? o.width / 2 : anchor === 'end' ? o.width : 0;
    const place = `translate(${num(Number(x) - shift * scale)} ${y}) scale(${scale})`;
    return `<path transform="${rotate ? `${rotate} ` : ''}${place}" fill="${fill}" d="${o.d}"/>`;
  });
}
