// The figure description: plain data that the panel builders produce and `renderSvg` draws.
// Panels are made of a few mark layers over two axes; a figure is rows of panels. Values are
// numbers in data units; non-finite values are gaps (lines break, points and bars are left out).

export type Values = ArrayLike<number>;

export interface LineLayer {
  type: 'line';
  x: Values;
  y: Values;
  color: string;
  width?: number;
  dash?: readonly number[];
  /** 'step' holds each value until the next x (block probabilities). */
  curve?: 'linear' | 'step';
}

/** A filled band between `lo` and `hi` (mean ± SEM). */
export interface BandLayer {
  type: 'band';
  x: Values;
  lo: Values;
  hi: Values;
  color: string;
  opacity?: number;
}

export interface PointsLayer {
  type: 'points';
  x: Values;
  y: Values;
  color: string;
  radius?: number;
  opacity?: number;
}

/** Bars from 0 to y at each x (`width` in x data units), with optional ± err whiskers. */
export interface BarsLayer {
  type: 'bars';
  x: Values;
  y: Values;
  err?: Values;
  width: number;
  color: string;
}

/** Vertical segments at each x from y0 to y1 (event rasters). */
export interface TicksLayer {
  type: 'ticks';
  x: Values;
  y0: number;
  y1: number;
  color: string;
  width?: number;
}

/** A full-height (axis 'x') or full-width (axis 'y') line at `value`. */
export interface RuleLayer {
  type: 'rule';
  axis: 'x' | 'y';
  value: number;
  color: string;
  dash?: readonly number[];
  width?: number;
}

/** A shaded full-height stripe from `from` to `to` on the x axis (e.g. the response window). */
export interface SpanLayer {
  type: 'span';
  from: number;
  to: number;
  color: string;
  opacity?: number;
}

export type Layer = LineLayer | BandLayer | PointsLayer | BarsLayer | TicksLayer | RuleLayer | SpanLayer;

export interface Axis {
  title: string;
  /**
   * 'linear': numbers; 'time': ms since the Unix epoch, labelled as UTC dates;
   * 'band': category k sits at x = k, labelled by `categories[k]`.
   */
  scale?: 'linear' | 'time' | 'band';
  categories?: readonly string[];
  /**
   * Fixed domain; otherwise the data's extent, widened by `pad` of its span on each side.
   * Marks are not clipped, so a fixed domain should contain the data.
   */
  domain?: readonly [number, number];
  pad?: number;
  /** Explicit tick positions and labels (e.g. 'L' / 'R' on a behaviour raster). */
  ticks?: readonly { value: number; label: string }[];
}

export interface LegendEntry {
  label: string;
  /**
   * Text the legend makes room for when wider than `label`: the widest the label can be (e.g.
   * "left (n=0000)"), so a row whose count has more digits leaves the figure's columns, and every
   * cached row, as they were.
   */
  reserve?: string;
  color: string;
  mark: 'line' | 'band' | 'point' | 'bar' | 'tick';
  dash?: readonly number[];
}

export interface Panel {
  title?: string;
  x: Axis;
  y: Axis;
  layers: readonly Layer[];
  legend?: readonly LegendEntry[];
  /** Shown in the middle of the plot area, e.g. "no data". */
  note?: string;
  /** Plot-area size in px, overriding the figure's (e.g. a wide behaviour raster). */
  width?: number;
  height?: number;
}

export interface FigureRow {
  title?: string;
  panels: readonly Panel[];
}

/**
 * A row named by what it is made from instead of given whole: `key` must differ whenever the row
 * would (e.g. a hash of the session partial, the parameters and the title it is drawn from).
 * With a cache, a key seen before is neither built nor drawn again: a 100-session figure that
 * gained a session builds one row.
 */
export interface KeyedRow {
  key: string;
  build(): FigureRow;
}

export interface Figure {
  title: string;
  subtitle?: string;
  rows: readonly (FigureRow | KeyedRow)[];
  /** Plot-area size of every panel, in px (default 250 × 170). */
  panelWidth?: number;
  panelHeight?: number;
}
