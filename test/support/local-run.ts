// One mouse through analysisWorkflow itself, in this process: a Temporal server of its own
// (test/support/workflow-env.ts) and a worker running the real activities over local-folder
// stores wired by createRuntime exactly as a worker with GA_LOCAL_RESULTS_DIR /
// GA_LOCAL_RECORDS_DIR. Every activity call is kept with its argument, result and time (an
// activity interceptor), so a run reports each step. Jobs are planned with one session at a time:
// within one process the per-session stage is CPU-bound, and one at a time keeps the peak RSS that
// of a single session. Used by the incremental re-analysis test and bench:analysis.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundle } from '@temporalio/worker';
import { createAnalysisActivities, type AnalysisActivities, type GroupResult, type ResolveResult } from '../../src/activities/analysis.js';
import { planDispatch } from '../../src/client/dispatch.js';
import { loadConfig } from '../../src/config.js';
import { createRuntime, type Runtime } from '../../src/runtime.js';
import { workflowIdFor } from '../../src/schemas/dedup-key.js';
import { workflowSource } from '../../src/temporal/worker-factory.js';
import type { AnalysisWorkflowInput, OutputEntry, SessionResult } from '../../src/workflows/analysis-types.js';
import type { analysisWorkflow } from '../../src/workflows/analysis.js';
import { bundleWorkflows, createTestEnv, temporalCli } from './workflow-env.js';

export interface LocalRun {
  runtime: Runtime;
  activities: AnalysisActivities;
  /** Sessions the activities read from their files (cache misses), in order, with the read's time. */
  loads: { uri: string; ms: number }[];
  /** Runs the workflow for `input` to its end; a key already done is an error. */
  run(input: AnalysisWorkflowInput): Promise<MouseRun>;
  /** Stops the worker and the server, closes the stores. */
  close(): Promise<void>;
}

/** The real activities over `<root>/outputs` (object store) and `<root>/records` (record store). */
async function localActivities(root: string) {
  const env = {
    GA_LOCAL_RESULTS_DIR: join(root, 'outputs'),
    GA_LOCAL_RECORDS_DIR: join(root, 'records'),
    ...(process.env.GA_CODE_VERSION ? { GA_CODE_VERSION: process.env.GA_CODE_VERSION } : {}),
  };
  const runtime = await createRuntime(loadConfig(env), env);
  const loads: LocalRun['loads'] = [];
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
  const [planned] = await planDispatch({ jobs: [jobFile], parametersFile, codeVersion, sessionParallelism: 1 });
  return planned.input;
}

export interface MouseRun {
  /** Per session, in session order: computed by its activity, or found cached by the resolver. */
  sessions: SessionResult[];
  /** As published (the manifest and the report included). */
  outputs: OutputEntry[];
  summary: unknown;
  warnings: string[];
  /**
   * Wall time (ms) of each step's activities (sessions: from the first session's start to the
   * last one's end), and in total from the resolver's start to the record's end, the workflow's
   * own work and Temporal's hops between activities included.
   */
  ms: { resolve: number; sessions: number; group: number; publish: number; record: number; total: number };
  /** Per-session activity times (ms), in session order (0 for a session found cached). */
  sessionMs: number[];
}

interface ActivityCall {
  name: string;
  arg: unknown;
  result: unknown;
  started: number;
  ended: number;
}

/**
 * What a benchmark's child needs to run the workflow, prepared by its parent (which runs from the
 * sources: the child is a bundle elsewhere): the temporal CLI and the workflow code bundled into a
 * file, so the child starts its worker without webpack, whose memory would count in its peak RSS.
 */
export interface WorkflowSetup {
  temporalCli: string;
  workflowBundle: string;
}

/** Bundles the workflow code into `dir` and finds the temporal CLI. */
export async function prepareWorkflowSetup(dir: string): Promise<WorkflowSetup> {
  const cli = temporalCli();
  const workflowBundle = join(dir, 'workflow-bundle.js');
  const { code } = await bundleWorkflows();
  await mkdir(dir, { recursive: true });
  await writeFile(workflowBundle, code);
  return { temporalCli: cli, workflowBundle };
}

let bundled: Promise<WorkflowBundle> | undefined;

/**
 * The real activities on local stores under `root`, and a server and a worker serving
 * analysisWorkflow with them; `setup` as prepared by prepareWorkflowSetup, else the CLI found and
 * the workflow code bundled here (once per process).
 */
export async function localRun(root: string, setup?: WorkflowSetup): Promise<LocalRun> {
  const env: TestWorkflowEnvironment = await createTestEnv(setup?.temporalCli);
  const local = await localActivities(root);
  const calls = new Map<string, ActivityCall[]>();
  const taskQueue = 'local-analysis';
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    activities: local.activities,
    ...(setup ? workflowSource(setup.workflowBundle) : { workflowBundle: await (bundled ??= bundleWorkflows()) }),
    interceptors: {
      activity: [
        (ctx) => ({
          inbound: {
            async execute(input, next) {
              const started = performance.now();
              const result = await next(input);
              const workflowId = ctx.info.workflowExecution!.workflowId;
              if (!calls.has(workflowId)) calls.set(workflowId, []);
              calls.get(workflowId)!.push({ name: ctx.info.activityType, arg: input.args[0], result, started, ended: performance.now() });
              return result;
            },
          },
        }),
      ],
    },
  });
  const running = worker.run();

  return {
    ...local,
    async run(input) {
      const workflowId = workflowIdFor({ analysisName: input.analysisName, subjectId: input.subjectId, analysisTag: input.analysisTag, key: input.dedupKey });
      calls.delete(workflowId); // a key run again (after a failure) keeps only its new calls
      const result = await env.client.workflow.execute<typeof analysisWorkflow>('analysisWorkflow', { taskQueue, workflowId, args: [input] });
      if (result.status !== 'completed') throw new Error(`${input.subjectId}: already done (key ${input.dedupKey})`);
      const made = calls.get(workflowId) ?? [];
      const only = (name: keyof AnalysisActivities) => made.find((c) => c.name === name)!;
      const resolved = only('resolveInputs').result as Extract<ResolveResult, { kind: 'resolved' }>;
      const analysed = new Map(made.filter((c) => c.name === 'analyzeSession').map((c) => [(c.arg as { session: { uri: string } }).session.uri, c]));
      const sessions = resolved.sessions.map((s, i): SessionResult => {
        const cached = resolved.cachedPartials?.[i];
        return cached ? { partialKey: cached, fromCache: true, warnings: [] } : (analysed.get(s.uri)!.result as SessionResult);
      });
      const ms = (c: ActivityCall) => c.ended - c.started;
      const sessionCalls = [...analysed.values()];
      const group = only('computeGroup');
      return {
        sessions,
        outputs: only('publishResults').result as OutputEntry[],
        summary: (group.result as GroupResult).summary,
        warnings: result.warnings,
        ms: {
          resolve: ms(only('resolveInputs')),
          sessions: sessionCalls.length ? Math.max(...sessionCalls.map((c) => c.ended)) - Math.min(...sessionCalls.map((c) => c.started)) : 0,
          group: ms(group),
          publish: ms(only('publishResults')),
          record: ms(only('writeRecord')),
          total: only('writeRecord').ended - only('resolveInputs').started,
        },
        sessionMs: resolved.sessions.map((s) => (analysed.has(s.uri) ? ms(analysed.get(s.uri)!) : 0)),
      };
    },
    async close() {
      worker.shutdown();
      await running;
      await env.teardown();
      await local.runtime.close();
    },
  };
}
