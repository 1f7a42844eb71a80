// Every analysis the product runs. Adding one = its folder + one line here.
import type { AnyAnalysis } from './define.js';
import { foragingSummary } from './foraging-summary/index.js';
import { groupedPhotometry } from './grouped-photometry/index.js';

// The first entry is the default analysis.
export const ANALYSES: readonly AnyAnalysis[] = [groupedPhotometry, foragingSummary];

/** The default when a job's parameters name no analysis (the lab's main grouped analysis). */
export const DEFAULT_ANALYSIS = ANALYSES[0].parameters.name;

export class UnknownAnalysisError extends Error {
  override name = 'UnknownAnalysisError';
}

export function getAnalysis(name: string): AnyAnalysis {
  const found = ANALYSES.find((a) => a.parameters.name === name);
  if (!found) {
    throw new UnknownAnalysisError(
      `unknown analysis "${name}": registered analyses are ${ANALYSES.map((a) => a.parameters.name).join(', ')}`,
    );
  }
  return found;
}
