// The report's contract with the analyses. Reports are generic: they read only what every run
// has (its record and the names of its outputs), plus two naming conventions an analysis opts
// into by writing the files:
//   figures/<name>.png (+ figures/<name>.svg)  shown as figures at the SVG's size (else the PNG's),
//                                             a click opening the PNG, the caption linking both
//   sessions.csv                              shown as the sessions table, one row per session

/** The per-run report, written next to the outputs (`<dedup key>/index.html`). */
export const REPORT_NAME = 'index.html';
export const SESSIONS_TABLE = 'sessions.csv';

export interface FigureRef {
  /** File name without folder and extension. */
  title: string;
  png: string;
  svg?: string;
}

/** The figures among output names: every `figures/**.png`, with its SVG twin when there is one. */
export function figuresOf(names: readonly string[]): FigureRef[] {
  const all = new Set(names);
  return names
    .filter((n) => n.startsWith('figures/') && n.endsWith('.png'))
    .sort()
    .map((png) => {
      const svg = png.replace(/\.png$/, '.svg');
      return { title: png.slice(png.lastIndexOf('/') + 1, -'.png'.length), png, ...(all.has(svg) ? { svg } : {}) };
    });
}

/**
 * An output's name relative to the run's folder (`location`), e.g. `figures/a.png`; undefined
 * when the URI lies elsewhere (records never list such outputs, but a hand-edited one could).
 */
export function outputName(location: string, uri: string): string | undefined {
  const folder = location.endsWith('/') ? location : `${location}/`;
  return uri.startsWith(folder) && uri.length > folder.length ? uri.slice(folder.length) : undefined;
}
