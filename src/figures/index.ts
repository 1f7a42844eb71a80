export type {
  Axis,
  BandLayer,
  BarsLayer,
  Figure,
  FigureRow,
  KeyedRow,
  Layer,
  LegendEntry,
  LineLayer,
  Panel,
  PointsLayer,
  RuleLayer,
  SpanLayer,
  TicksLayer,
  Values,
} from './model.js';
export { CATEGORICAL, COLORS, orderedColors, type OrderedPalette } from './palette.js';
export {
  NO_DATA,
  barPanel,
  behaviourPanel,
  format3,
  histogramPanel,
  linePanel,
  psthPanel,
  scatterFitPanel,
  slopeOverTimePanel,
  type BarPanelInput,
  type BarSeries,
  type BehaviourInput,
  type HistogramGroup,
  type HistogramInput,
  type LinePanelInput,
  type LineSeries,
  type PsthGroup,
  type PsthInput,
  type ScatterFitInput,
  type SlopeOverTimeInput,
  type SlopeSeries,
} from './panels.js';
export { composeFigure, figureTitle, LARGE_FIGURE_ROWS, renderFigure, type BlobCache, type ComposeInput, type FigureTitleParts, type RenderOptions, type RenderedFigure } from './compose.js';
export { renderSvg } from './svg/document.js';
export { effectiveScale, renderPng, scaleFor, type PngOptions } from './png.js';
export { FONT_FAMILY } from './assets.js';
