// A fit_source file made from the TypeScript grouped plugin's own seeded fit, for cross-checks
// that give both implementations the same fitted parameters (the lab's fitter is slow, and fits
// agree between implementations only in likelihood, not parameters to the bit).
//
//   npx tsx test/support/grouped-fits.ts > test/fixtures/fits/real-nwb-qlearning.json
//
// writes the fixture for the real sessions in test/fixtures/real-nwb (about 10 s).
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { groupedPhotometry } from '../../src/analyses/grouped-photometry/index.js';
import { openNwb } from '../../src/nwb/open.js';
import { readSession } from '../../src/nwb/session.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

export const REAL_SESSIONS = [
  'test/fixtures/real-nwb/697062_2023-11-14_11-12-44.nwb',
  'test/fixtures/real-nwb/697062_2023-11-15_10-02-05.nwb',
  'test/fixtures/real-nwb/behavior_717531_2024-08-07_09-01-02.nwb',
];

export interface FitEntry {
  ses_idx: string;
  nwb_name: string;
  params: Record<string, number>;
  n_trials: number;
  model: string;
  nll: number;
  source: string;
}

/** Our seeded fit (fit_source "fit") of each session, as fit_source entries. */
export async function ourFits(files: readonly string[], model = 'QLearning_L2F1_CKfull_softmax', seed = 0): Promise<FitEntry[]> {
  // behaviour only: the fit does not depend on photometry
  const spec = groupedPhotometry.parameters.schema.parse({ channels: {}, fitted_model: model, fit_seed: seed });
  const out: FitEntry[] = [];
  for (const file of files) {
    const src = await openNwb(join(root, file));
    try {
      const session = await readSession(src, groupedPhotometry.sessionRequest(spec));
      const { partial } = groupedPhotometry.perSession.run(session, spec, { subjectId: '', warn: () => undefined });
      if (!partial.model) throw new Error(`${file}: not fitted (${partial.modelWarning})`);
      out.push({
        ses_idx: partial.sesIdx,
        nwb_name: basename(file),
        params: partial.model.params,
        n_trials: partial.model.n_trials,
        model: partial.model.name,
        nll: partial.model.nll,
        source: `grouped-analysis ${groupedPhotometry.parameters.version} fit_source "fit", fit_seed ${seed}`,
      });
    } finally {
      await src.close();
    }
  }
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.stdout.write(`${JSON.stringify(await ourFits(REAL_SESSIONS), null, 2)}\n`);
}
