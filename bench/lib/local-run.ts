// One mouse through the real activities, in-process, in analysisWorkflow's order (resolve ->
// each session -> group -> publish -> record), against local-folder stores wired by
// createRuntime exactly as a worker with GA_LOCAL_RESULTS_DIR / GA_LOCAL_RECORDS_DIR. Sessions
// run one after another: within one process the per-session stage is CPU-bound, and one at a
// time keeps the peak RSS that of a single session. Used by bench:analysis and the incremental
// re-analysis test.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createAnalysisActivities, type AnalysisActivities } from '../../src/activities/analysis.js';
import { planDispatch } from '../../src/client/dispatch.js';
import { loadConfig } from '../../src/config.js';
import { createRuntime, type Runtime } from '../../src/runtime.js';
import type { AnalysisWorkflowInput, OutputEntry, SessionResult } from '../../src/workflows/analysis-types.js';

export interface LocalRuntime {
  runtime: Runtime;
  activities: AnalysisActivities;
  /** Sessions the activities read from their files (cache misses), in order, with the read's time. */
  loads: { uri: string; ms: number }[];
}

/** Real activities over `<root>/outputs` (object store) and `<root>/records` (record store). */
export async function localRuntime(root: string): Promise<LocalRuntime> {
  const env = {
    GA_LOCAL_RESULTS_DIR: join(root, 'outputs'),
    GA_LOCAL_RECORDS_DIR: join(root, 'records'),
    ...(process.env.GA_CODE_VERSION ? { GA_CODE_VERSION: process.env.GA_CODE_VERSION } : {}),
  };
  const runtime = await createRuntime(loadConfig(env), env);
  const loads: LocalRuntime['loads'] = [];
  const activities = createAnalysisActivities({
    ...runtime.deps,
    loadSession: async (uri, request) => {
      const started = performance.now();
      const session = await runtime.deps.loadSession(uri, request);
      loads.push({ uri, ms: performance.now() - started });
      return session;
    },
  });
  return { runtime, activities, loads };
}

export interface JobSpec {
  subjectId: string;
  /** Session files, one location each, as the lab's job files list assets. */
  sessions: string[];
  /** `analysis_parameter` of analysis_parameters.json. */
  parameters: Record<string, unknown>;
}

/** Writes the job file and analysis_parameters.json under `dir` and plans them with the dispatcher. */
export async function planJob(dir: string, job: JobSpec, codeVersion: string): Promise<AnalysisWorkflowInput> {
  await mkdir(dir, { recursive: true });
  const jobFile = join(dir, `job_${job.subjectId}.json`);
  const parametersFile = join(dir, 'analysis_parameters.json');
  await writeFile(jobFile, JSON.stringify({ s3_location: job.sessions, group_metadata: { 'subject.subject_id': job.subjectId } }));
  await writeFile(parametersFile, JSON.stringify({ analysis_parameter: job.parameters }));
  const [planned] = await planDispatch({ jobs: [jobFile], parametersFile, codeVersion });
  return planned.input;
}

export interface MouseRun {
  sessions: SessionResult[];
  outputs: OutputEntry[];
  summary: unknown;
  warnings: string[];
  /** Wall time of each step and in total (ms). */
  ms: { resolve: number; sessions: number; group: number; publish: number; record: number; total: number };
  /** Per-session activity times (ms), in session order. */
  sessionMs: number[];
}

export async function runMouse(activities: AnalysisActivities, input: AnalysisWorkflowInput): Promise<MouseRun> {
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  const resolved = await activities.resolveInputs(input);
  if (resolved.kind !== 'resolved') throw new Error(`${input.subjectId}: already done (key ${input.dedupKey})`);
  const t1 = performance.now();
  const sessions: SessionResult[] = [];
  const sessionMs: number[] = [];
  // As the workflow does: sessions the resolver found cached run no activity.
  for (const [i, session] of resolved.sessions.entries()) {
    const s = performance.now();
    const partialKey = resolved.cachedPartials?.[i];
    sessions.push(partialKey ? { partialKey, fromCache: true, warnings: [] } : await activities.analyzeSession({ workflow: input, session }));
    sessionMs.push(performance.now() - s);
  }
  const t2 = performance.now();
  const group = await activities.computeGroup({ workflow: input, sessions: resolved.sessions, partialKeys: sessions.map((s) => s.partialKey) });
  const t3 = performance.now();
  const outputs = await activities.publishResults({ workflow: input, outputs: group.outputs });
  const t4 = performance.now();
  const warnings = [...resolved.warnings, ...(group.sessionWarnings ?? []), ...group.warnings];
  await activities.writeRecord({
    workflow: input,
    status: 'completed',
    sessions: resolved.sessions,
    outputs,
    warnings,
    timings: [],
    startedAt,
    summary: group.summary,
  });
  const t5 = performance.now();
  return {
    sessions,
    outputs,
    summary: group.summary,
    warnings,
    ms: { resolve: t1 - t0, sessions: t2 - t1, group: t3 - t2, publish: t4 - t3, record: t5 - t4, total: t5 - t0 },
    sessionMs,
  };
}
