// Every analysis the product runs. Adding a TypeScript one = its folder + one line here; a Python
// one = its manifest in python/manifests/ (or a folder named in GA_PYTHON_MANIFESTS).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readVariable } from '../config/variables.js';
import type { AnyAnalysis } from './define.js';
import { loadExternalAnalyses } from './external.js';
import { foragingSummary } from './foraging-summary/index.js';
import { groupedPhotometry } from './grouped-photometry/index.js';

// src/analyses or dist/analyses: the repository is two folders up either way.
const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Folders of external (Python) analysis manifests: the repository's, then GA_PYTHON_MANIFESTS. */
export function manifestFolders(env: NodeJS.ProcessEnv = process.env): string[] {
  return [join(repoRoot, 'python', 'manifests'), ...(readVariable('GA_PYTHON_MANIFESTS', env) ?? [])];
}

// The TypeScript analyses; the first entry is the default analysis.
const TYPESCRIPT_ANALYSES: readonly AnyAnalysis[] = [groupedPhotometry, foragingSummary];

function registered(): AnyAnalysis[] {
  const all = [...TYPESCRIPT_ANALYSES, ...loadExternalAnalyses(manifestFolders())];
  const seen = new Set<string>();
  for (const a of all) {
    if (seen.has(a.parameters.name)) throw new TypeError(`two analyses are named "${a.parameters.name}": rename one (its manifest or its spec)`);
    seen.add(a.parameters.name);
  }
  return all;
}

export const ANALYSES: readonly AnyAnalysis[] = registered();

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
