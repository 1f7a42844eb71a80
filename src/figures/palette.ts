// Colours. Fixed meanings keep every figure of a mouse readable at a glance; ordered categories
// (RPE bins, Q bins, weeks) take colours along a sequential or diverging ramp, as the reference
// does with seaborn's mako and vlag.

export const COLORS = {
  left: '#1f6fb4',
  right: '#d1495b',
  ignore: '#8c8c8c',
  rewarded: '#2a9d55',
  unrewarded: '#e09a1a',
  rpeNegative: '#1f4fd1',
  rpePositive: '#d62828',
  stay: '#5e4fa2',
  switch: '#e66101',
  model: '#222222',
  blockProbability: '#8c6d1f',
  window: '#9e9e9e',
  reference: '#555555',
  grid: '#e6e6e6',
  axis: '#333333',
  text: '#222222',
  muted: '#777777',
} as const;

/** Distinct colours for unordered groups (Okabe–Ito, colour-blind safe). */
export const CATEGORICAL = ['#0072b2', '#e69f00', '#009e73', '#cc79a7', '#56b4e9', '#d55e00', '#f0e442', '#000000'];

// seaborn's mako sampled at 17 even points of the colormap.
const MAKO = [
  '#0b0405', '#1c101c', '#2b1c35', '#37284f', '#3e356b', '#414387', '#3b5698', '#36699f', '#357ba3',
  '#348da7', '#359fab', '#3cb1ad', '#4bc2ad', '#6ad2ad', '#99ddb6', '#c0e9cc', '#def5e5',
];
// vlag's ends with a mid grey in place of its near-white centre, which vanishes on white paper.
const VLAG = ['#2369bd', '#4a7bbc', '#678bbe', '#8296b8', '#8f8f8f', '#c08584', '#bf6765', '#b44f4f', '#a9373b'];

function hexToRgb(hex: string): [number, number, number] {
  const v = Number.parseInt(hex.slice(1), 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}

function sample(ramp: readonly string[], t: number): string {
  const pos = Math.min(Math.max(t, 0), 1) * (ramp.length - 1);
  const i = Math.min(Math.floor(pos), ramp.length - 2);
  const f = pos - i;
  const a = hexToRgb(ramp[i]);
  const b = hexToRgb(ramp[i + 1]);
  const c = a.map((v, k) => Math.round(v + (b[k] - v) * f));
  return `#${c.map((v) => v.toString(16).padStart(2, '0')).join('')}`;
}

export type OrderedPalette = 'mako' | 'vlag';

/**
 * `n` colours for ordered categories, low to high, at the positions seaborn's
 * `color_palette(name, n)` uses: (k + 1) / (n + 1).
 */
export function orderedColors(n: number, palette: OrderedPalette): string[] {
  const ramp = palette === 'mako' ? MAKO : VLAG;
  return Array.from({ length: n }, (_, k) => sample(ramp, (k + 1) / (n + 1)));
}
