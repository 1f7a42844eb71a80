// Child of bench/analysis.ts: one mouse through analysisWorkflow with the real activities on
// local-folder stores (test/support/local-run.ts: a worker in this process, a Temporal server of its
// own), then, if asked, incremental runs: the mouse gains one session per run, as a mouse does day
// by day (each run's known sessions and drawn figure rows come from the cache). Reports step
// times, per-session read times, our fitted parameters (for the reference's forward pass) and the
// peak RSS.
import { decodePartial } from '../../src/analyses/codec.js';
import type { SessionPartial } from '../../src/analyses/grouped-photometry/session.js';
import { localRun, planJob, type JobSpec, type MouseRun, type WorkflowSetup } from '../../test/support/local-run.js';
import { childArgs, emit, peakRssMb } from './emit.js';

export interface AnalysisArgs {
  root: string;
  job: JobSpec;
  /** Session files added one per incremental run: run k analyses the job's sessions and extra[0..k]. */
  extra?: string[];
  /** Prepared by the parent (prepareWorkflowSetup). */
  workflow: WorkflowSetup;
}

export interface AnalysisReport {
  full: Pick<MouseRun, 'ms' | 'sessionMs'> & { readMs: number[]; outputs: number };
  incremental?: { runs: (Pick<MouseRun, 'ms'> & { sessions: number; fromCache: number; computed: number })[]; peakRssMb: number };
  /** Our fit per ses_idx, as grouped_pipeline.py reads it. */
  params: Record<string, { model: string; params: Record<string, number> }>;
  /** Peak RSS of the full run (the incremental run's, in the same process after it, is reported with it). */
  peakRssMb: number;
  /** Peak RSS before the first run: the code loaded and the Temporal worker started (a worker's floor). */
  startedRssMb: number;
}

const args = childArgs<AnalysisArgs>();
const local = await localRun(args.root, args.workflow);
const startedRssMb = peakRssMb();
const codeVersion = local.runtime.deps.codeVersion;
const full = await local.run(await planJob(`${args.root}/jobs-full`, args.job, codeVersion));
const readMs = local.loads.map((l) => l.ms);
const params: AnalysisReport['params'] = {};
for (const s of full.sessions) {
  const { partial } = decodePartial<{ partial: SessionPartial }>(await local.runtime.deps.results.get(s.partialKey));
  if (partial.model) params[partial.sesIdx] = { model: partial.model.name, params: partial.model.params };
}
const report: AnalysisReport = {
  full: { ms: full.ms, sessionMs: full.sessionMs, readMs, outputs: full.outputs.length },
  params,
  peakRssMb: peakRssMb(),
  startedRssMb,
};
if (args.extra?.length) {
  const runs: NonNullable<AnalysisReport['incremental']>['runs'] = [];
  for (let k = 1; k <= args.extra.length; k++) {
    const job = { ...args.job, sessions: [...args.job.sessions, ...args.extra.slice(0, k)] };
    const grown = await local.run(await planJob(`${args.root}/jobs-grown-${k}`, job, codeVersion));
    const fromCache = grown.sessions.filter((s) => s.fromCache).length;
    runs.push({ ms: grown.ms, sessions: grown.sessions.length, fromCache, computed: grown.sessions.length - fromCache });
  }
  report.incremental = { runs, peakRssMb: peakRssMb() };
}
await local.close();
emit(report);
