// A panel's layers (lines, bands, points, bars, ticks, rules, spans) and legend swatches as SVG
// elements, in the panel's px.
import type { Layer, LegendEntry, Values } from '../model.js';
import { COLORS } from '../palette.js';
import type { ScaleGeometry } from './scales.js';
import { num } from './text.js';

export const LEGEND_SWATCH = 18;

function linePath(x: Values, y: Values, sx: (v: number) => number, sy: (v: number) => number, step: boolean): string {
  let d = '';
  let open = false;
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i]) || !Number.isFinite(y[i])) {
      open = false;
      continue;
    }
    const px = num(sx(x[i]));
    const py = num(sy(y[i]));
    if (!open) d += `M${px} ${py}`;
    else d += step ? `H${px}V${py}` : `L${px} ${py}`;
    open = true;
  }
  // a step line holds its last value for half an interval, as far as the last trial's slot
  if (step && x.length > 1 && open) {
    const last = x.length - 1;
    d += `H${num(sx(x[last] + (x[last] - x[last - 1]) / 2))}`;
  }
  return d;
}

function bandPath(x: Values, lo: Values, hi: Values, sx: (v: number) => number, sy: (v: number) => number): string {
  let d = '';
  let start = -1;
  const flush = (end: number) => {
    if (start < 0) return;
    let part = '';
    for (let i = start; i < end; i++) part += `${i === start ? 'M' : 'L'}${num(sx(x[i]))} ${num(sy(hi[i]))}`;
    for (let i = end - 1; i >= start; i--) part += `L${num(sx(x[i]))} ${num(sy(lo[i]))}`;
    d += `${part}Z`;
    start = -1;
  };
  for (let i = 0; i < x.length; i++) {
    const ok = Number.isFinite(x[i]) && Number.isFinite(lo[i]) && Number.isFinite(hi[i]);
    if (ok && start < 0) start = i;
    if (!ok) flush(i);
  }
  flush(x.length);
  return d;
}

const dashAttr = (dash?: readonly number[]) => (dash && dash.length ? ` stroke-dasharray="${dash.join(' ')}"` : '');

export function drawLayer(layer: Layer, sx: ScaleGeometry, sy: ScaleGeometry, w: number, h: number): string {
  const X = sx.toPx;
  const Y = sy.toPx;
  switch (layer.type) {
    case 'line': {
      const d = linePath(layer.x, layer.y, X, Y, layer.curve === 'step');
      if (!d) return '';
      return `<path d="${d}" fill="none" stroke="${layer.color}" stroke-width="${layer.width ?? 1.6}" stroke-linejoin="round"${dashAttr(layer.dash)}/>`;
    }
    case 'band': {
      const d = bandPath(layer.x, layer.lo, layer.hi, X, Y);
      return d ? `<path d="${d}" fill="${layer.color}" fill-opacity="${layer.opacity ?? 0.22}" stroke="none"/>` : '';
    }
    case 'points': {
      const r = layer.radius ?? 2.5;
      let out = `<g fill="${layer.color}" fill-opacity="${layer.opacity ?? 0.6}">`;
      for (let i = 0; i < layer.x.length; i++) {
        if (!Number.isFinite(layer.x[i]) || !Number.isFinite(layer.y[i])) continue;
        out += `<circle cx="${num(X(layer.x[i]))}" cy="${num(Y(layer.y[i]))}" r="${r}"/>`;
      }
      return `${out}</g>`;
    }
    case 'bars': {
      let bars = '';
      let whiskers = '';
      const half = (X(layer.width) - X(0)) / 2;
      const cap = Math.min(Math.abs(half) * 0.35, 5);
      for (let i = 0; i < layer.x.length; i++) {
        const x = layer.x[i];
        const y = layer.y[i];
        if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
        const cx = X(x);
        const top = Math.min(Y(y), Y(0));
        bars += `<rect x="${num(cx - half)}" y="${num(top)}" width="${num(2 * half)}" height="${num(Math.abs(Y(y) - Y(0)))}"/>`;
        const e = layer.err?.[i];
        if (e !== undefined && Number.isFinite(e) && e > 0) {
          const y0 = num(Y(y - e));
          const y1 = num(Y(y + e));
          whiskers += `M${num(cx)} ${y0}V${y1}M${num(cx - cap)} ${y0}H${num(cx + cap)}M${num(cx - cap)} ${y1}H${num(cx + cap)}`;
        }
      }
      const err = whiskers ? `<path d="${whiskers}" stroke="${COLORS.axis}" stroke-width="1.2" fill="none"/>` : '';
      return `<g fill="${layer.color}" fill-opacity="0.85">${bars}</g>${err}`;
    }
    case 'ticks': {
      let d = '';
      const y0 = num(Y(layer.y0));
      const y1 = num(Y(layer.y1));
      for (let i = 0; i < layer.x.length; i++) {
        if (Number.isFinite(layer.x[i])) d += `M${num(X(layer.x[i]))} ${y0}V${y1}`;
      }
      return d ? `<path d="${d}" stroke="${layer.color}" stroke-width="${layer.width ?? 1}" fill="none"/>` : '';
    }
    case 'rule': {
      if (!Number.isFinite(layer.value)) return '';
      const attrs = `stroke="${layer.color}" stroke-width="${layer.width ?? 1}"${dashAttr(layer.dash)}`;
      if (layer.axis === 'x') {
        const px = num(X(layer.value));
        return `<line x1="${px}" x2="${px}" y1="0" y2="${num(h)}" ${attrs}/>`;
      }
      const py = num(Y(layer.value));
      return `<line x1="0" x2="${num(w)}" y1="${py}" y2="${py}" ${attrs}/>`;
    }
    case 'span': {
      const a = X(layer.from);
      const b = X(layer.to);
      return `<rect x="${num(Math.min(a, b))}" y="0" width="${num(Math.abs(b - a))}" height="${num(h)}" fill="${layer.color}" fill-opacity="${layer.opacity ?? 0.15}"/>`;
    }
  }
}

export function legendSwatch(entry: LegendEntry, x: number, y: number): string {
  const c = entry.color;
  switch (entry.mark) {
    case 'line':
      return `<line x1="${num(x)}" x2="${num(x + LEGEND_SWATCH - 4)}" y1="${num(y)}" y2="${num(y)}" stroke="${c}" stroke-width="2"${dashAttr(entry.dash)}/>`;
    case 'band':
      return (
        `<rect x="${num(x)}" y="${num(y - 4)}" width="${LEGEND_SWATCH - 4}" height="8" fill="${c}" fill-opacity="0.25"/>` +
        `<line x1="${num(x)}" x2="${num(x + LEGEND_SWATCH - 4)}" y1="${num(y)}" y2="${num(y)}" stroke="${c}" stroke-width="2"/>`
      );
    case 'point':
      return `<circle cx="${num(x + 7)}" cy="${num(y)}" r="3" fill="${c}"/>`;
    case 'bar':
      return `<rect x="${num(x + 2)}" y="${num(y - 4)}" width="10" height="8" fill="${c}"/>`;
    case 'tick':
      return `<line x1="${num(x + 7)}" x2="${num(x + 7)}" y1="${num(y - 5)}" y2="${num(y + 5)}" stroke="${c}" stroke-width="1.5"/>`;
  }
}
