// Child of bench/analysis.ts: one mouse through the real activities on local-folder stores
// (bench/lib/local-run.ts), then, if asked, the same mouse with one more session (incremental:
// the known sessions' partials come from the cache). Reports step times, per-session read
// times, our fitted parameters (for the reference's forward pass) and the peak RSS.
import { decodePartial } from '../../src/analyses/codec.js';
import type { SessionPartial } from '../../src/analyses/grouped-photometry/session.js';
import { localRuntime, planJob, runMouse, type JobSpec, type MouseRun } from '../lib/local-run.js';
import { childArgs, emit, peakRssMb } from './emit.js';

export interface AnalysisArgs {
  root: string;
  job: JobSpec;
  /** A session file added for the incremental run. */
  extra?: string;
}

export interface AnalysisReport {
  full: Pick<MouseRun, 'ms' | 'sessionMs'> & { readMs: number[]; outputs: number };
  incremental?: Pick<MouseRun, 'ms'> & { fromCache: number; computed: number; peakRssMb: number };
  /** Our fit per ses_idx, as grouped_pipeline.py reads it. */
  params: Record<string, { model: string; params: Record<string, number> }>;
  /** Peak RSS of the full run (the incremental run's, in the same process after it, is reported with it). */
  peakRssMb: number;
}

const args = childArgs<AnalysisArgs>();
const local = await localRuntime(args.root);
const codeVersion = local.runtime.deps.codeVersion;
const full = await runMouse(local.activities, await planJob(`${args.root}/jobs-full`, args.job, codeVersion));
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
};
if (args.extra) {
  const grown = await runMouse(local.activities, await planJob(`${args.root}/jobs-grown`, { ...args.job, sessions: [...args.job.sessions, args.extra] }, codeVersion));
  const fromCache = grown.sessions.filter((s) => s.fromCache).length;
  report.incremental = { ms: grown.ms, fromCache, computed: grown.sessions.length - fromCache, peakRssMb: peakRssMb() };
}
await local.runtime.close();
emit(report);
