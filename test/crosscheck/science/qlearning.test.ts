// Cross-check of src/science/qlearning against aind-dynamic-foraging-models (ForagerQLearning) via
// scripts/reference/models_forward.py:
// - forward pass at given parameters: q_value, choice_kernel and choice_prob within 1e-12 of the
//   package's latents (Q and kernel come out bit-identical; probabilities differ by exp()'s last
//   ulp), and base.negLL within 1e-12 relative;
// - MLE fit: our NLL <= the package's fitted NLL + 1e-6·|NLL| on simulated sessions. The package's
//   fit takes ~30–60 s per 300-trial session, so three sessions (two L2F1_CKfull, one L1F1_CK1).
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SeededUniform } from '../../../src/science/optimize.js';
import {
  fitQLearning,
  forwardPass,
  modelNegLogLikelihood,
  QLEARNING_MODELS,
  simulateQLearning,
  type QLearningModelName,
} from '../../../src/science/qlearning.js';
import { CellComparison } from '../../support/compare-cells.js';
import { runReferencePython } from '../../support/reference.js';
import { blockTask } from '../../support/tasks.js';

const MODELS: QLearningModelName[] = ['QLearning_L2F1_CKfull_softmax', 'QLearning_L1F1_CK1_softmax'];
const FITS: Record<QLearningModelName, number> = { QLearning_L2F1_CKfull_softmax: 2, QLearning_L1F1_CK1_softmax: 1 };

interface Session {
  choices: number[];
  rewards: number[];
  params: Record<string, number> | null;
  fit: boolean;
  seed: number;
}
interface Latents {
  q_value: number[][];
  choice_kernel: number[][];
  choice_prob: number[][];
}
interface Response {
  versions: Record<string, string>;
  sessions: { latents?: Latents; nll?: number; fit?: { params: Record<string, number>; nll: number; nfev: number; nit: number } }[];
}

/** Parameters drawn within the fit bounds (beta kept at mouse-like values) plus a corner case. */
function paramSets(model: QLearningModelName): Record<string, number>[] {
  const free = QLEARNING_MODELS[model].free;
  const sets: Record<string, number>[] = [];
  for (let k = 0; k < 5; k++) {
    const rng = new SeededUniform(1000 + k);
    const p: Record<string, number> = {};
    for (const b of free) p[b.name] = b.lower + (b.upper - b.lower) * rng.uniform();
    p.softmax_inverse_temperature = 1 + 14 * rng.uniform();
    sets.push(p);
  }
  // Corners of the box: beta at 100, rates at 0 and 1, full kernel weight, extreme bias.
  const corner: Record<string, number> = {};
  free.forEach((b, j) => (corner[b.name] = j % 2 ? b.upper : b.lower));
  corner.softmax_inverse_temperature = 100;
  corner.biasL = -5;
  sets.push(corner);
  return sets;
}

function sessionsFor(model: QLearningModelName): Session[] {
  const sessions: Session[] = paramSets(model).map((params, k) => {
    const sim = simulateQLearning(model, params, blockTask(60 + 80 * k, 50 + k), 50 + k);
    return { choices: Array.from(sim.choices), rewards: Array.from(sim.rewards), params, fit: false, seed: 0 };
  });
  const truth = paramSets(model)[0];
  truth.softmax_inverse_temperature = 4;
  for (let k = 0; k < FITS[model]; k++) {
    const sim = simulateQLearning(model, truth, blockTask(300, 70 + k), 70 + k);
    sessions.push({ choices: Array.from(sim.choices), rewards: Array.from(sim.rewards), params: null, fit: true, seed: 70 + k });
  }
  return sessions;
}

const requests = new Map<QLearningModelName, Session[]>();
const responses = new Map<QLearningModelName, Response>();
const report: string[] = [];
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ga-models-'));
  // Both models in parallel: the package's fits dominate and are single-threaded.
  await Promise.all(
    MODELS.map(async (model) => {
      const sessions = sessionsFor(model);
      requests.set(model, sessions);
      const input = join(dir, `${model}.in.json`);
      const output = join(dir, `${model}.out.json`);
      await writeFile(input, JSON.stringify({ model, sessions }));
      await runReferencePython(['scripts/reference/models_forward.py', '--in', input, '--out', output]);
      responses.set(model, JSON.parse(await readFile(output, 'utf8')) as Response);
    }),
  );
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  if (report.length) console.log(`qlearning cross-check (${JSON.stringify(responses.get(MODELS[0])?.versions)}):\n  ${report.join('\n  ')}`);
});

describe.each(MODELS)('%s against aind-dynamic-foraging-models', (model) => {
  it('forward pass equals the package latents and negLL', () => {
    const sessions = requests.get(model)!;
    const res = responses.get(model)!;
    const latents = new CellComparison({ rel: 0, abs: 1e-12 });
    let worstNll = 0;
    sessions.forEach((s, i) => {
      if (!s.params) return;
      const ref = res.sessions[i];
      const lat = forwardPass(model, s.params, s.choices, s.rewards);
      const T = s.choices.length;
      for (const row of [0, 1] as const) {
        for (const [name, ours, theirs, len] of [
          ['q_value', lat.q_value[row], ref.latents!.q_value[row], T + 1],
          ['choice_kernel', lat.choice_kernel[row], ref.latents!.choice_kernel[row], T + 1],
          ['choice_prob', lat.choice_prob[row], ref.latents!.choice_prob[row], T],
        ] as const) {
          expect(theirs, `${name}[${row}] length`).toHaveLength(len);
          latents.check(`${name}[${row}]`, ours, theirs, undefined, `session ${i}`);
        }
      }
      const nll = modelNegLogLikelihood(model, s.params, s.choices, s.rewards);
      const rel = Math.abs(nll - ref.nll!) / Math.abs(ref.nll!);
      expect(rel, `session ${i} NLL ${nll} vs ${ref.nll}`).toBeLessThanOrEqual(1e-12);
      worstNll = Math.max(worstNll, rel);
    });
    report.push(`${model} forward: max rel ΔNLL = ${worstNll}`, ...latents.report().map((line) => `${model} forward ${line}`));
  });

  it("our fit's NLL is at most the package fit's NLL + 1e-6·|NLL|", () => {
    const sessions = requests.get(model)!;
    const res = responses.get(model)!;
    sessions.forEach((s, i) => {
      if (!s.fit) return;
      const theirs = res.sessions[i].fit!;
      const t0 = performance.now();
      const ours = fitQLearning(model, s.choices, s.rewards, { seed: s.seed }).fit!;
      const ms = performance.now() - t0;
      // The package's reported optimum, re-evaluated by our forward pass, must match its own NLL.
      const atTheirs = modelNegLogLikelihood(model, theirs.params, s.choices, s.rewards);
      expect(Math.abs(atTheirs - theirs.nll) / Math.abs(theirs.nll)).toBeLessThanOrEqual(1e-12);
      expect(ours.nll, `session ${i}: ours ${ours.nll}, package ${theirs.nll}`).toBeLessThanOrEqual(
        theirs.nll + 1e-6 * Math.abs(theirs.nll),
      );
      report.push(
        `${model} fit T=${s.choices.length}: ours ${ours.nll} (${ms.toFixed(0)} ms, ${ours.nfev} evals), ` +
          `package ${theirs.nll} (${theirs.nfev} evals), ours - package = ${ours.nll - theirs.nll}`,
      );
    });
  });
});
