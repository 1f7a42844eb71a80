// Activities of the generic analysis workflow: thin adapters where the stores, the NWB reader
// and the analysis plugins meet; the session and group steps themselves are src/compute/stages.ts,
// run on the worker's compute threads. Each is idempotent (same inputs => same objects, record keyed
// by the dedup key), so Temporal may retry any of them after a crash or an outage.
import { ApplicationFailure, Context, activityInfo, heartbeat } from '@temporalio/activity';
import { z } from 'zod';
import { limiter, startInOrder } from '../concurrency.js';
import { workflowIdFor } from '../schemas/dedup-key.js';
import { toJsonPath } from '../schemas/errors.js';
import type { AnyAnalysis } from '../analyses/define.js';
import type { RecordStore } from '../stores/record-store.js';
import { REPORT_NAME, SESSIONS_TABLE } from '../report/outputs.js';
import { buildRunReport } from '../report/run-report.js';
import type { AnalysisWorkflowInput, AnalysisWorkflowResult, OutputEntry, SessionRef, SessionResult, StepTiming } from '../workflows/analysis-types.js';
import {
  asInvalidInput,
  createStages,
  invalidInput,
  type AnalyzeSessionArgs,
  type ComputeGroupArgs,
  type GroupResult,
  type Progress,
  type StageDeps,
  type StageRunner,
} from '../compute/stages.js';
import { buildProcessingRecord, type ProcessingRecord, type RecordArgs, type RecordError } from './record.js';

export interface AnalysisActivityDeps extends StageDeps {
  records: RecordStore<ProcessingRecord>;
  resolveSessionFiles(location: string): Promise<SessionRef[]>;
  workerIdentity: string;
  now(): Date;
}

export type { GroupResult } from '../compute/stages.js';

export type ResolveResult =
  | { kind: 'already-done'; result: AnalysisWorkflowResult }
  | {
      kind: 'resolved';
      sessions: SessionRef[];
      outputPrefix: string;
      warnings: string[];
      /**
       * Per session, the key of its partial if the cache already holds it (else null): the
       * workflow runs no session activity for those. Absent in histories recorded before it was.
       */
      cachedPartials?: (string | null)[];
      /**
       * Per session, the key its partial is (to be) stored under: a worker of another language
       * writes it there. Absent in histories recorded before it was.
       */
      partialKeys?: string[];
    };

export interface WriteRecordArgs {
  workflow: AnalysisWorkflowInput;
  status: 'completed' | 'failed';
  sessions: SessionRef[];
  outputs: OutputEntry[];
  warnings: string[];
  timings: StepTiming[];
  startedAt: string;
  summary?: unknown;
  error?: RecordError;
}

/**
 * The processing record of a run, or non-retryable bad input when the run's own input cannot make
 * a valid one (a run started by hand with a key that is not its input's, no locations): a retry
 * would build the same invalid record.
 */
function recordOf(a: RecordArgs): ProcessingRecord {
  try {
    return buildProcessingRecord(a);
  } catch (e) {
    if (!(e instanceof z.ZodError)) throw e;
    const problems = e.issues.map((i) => `${toJsonPath(i.path)}: ${i.message}`).join('; ');
    throw invalidInput(`this run's input cannot make a valid processing record (${problems}); start runs with the dispatcher`);
  }
}

/** How often an activity whose stage computes on a thread beats, with its last details, at least. */
const HEARTBEAT_MS = 5_000;

/** Where this activity runs, for the record. */
function runContext(): { namespace?: string; taskQueue?: string; runId?: string } {
  const i = activityInfo();
  return { namespace: i.workflowNamespace, taskQueue: i.taskQueue, runId: i.workflowExecution?.runId };
}

/**
 * The analysis activities over `deps`. With `compute` (the worker's compute threads, ../compute/pool.ts)
 * the session and group stages run there, off the event loop; without it (tests with in-memory
 * stores), on this thread.
 */
export function createAnalysisActivities(deps: AnalysisActivityDeps, compute?: StageRunner) {
  const stages = createStages(deps);
  const { outputPrefix, specOf, resourcesOf, partialKeyFor } = stages;

  /**
   * The language an analysis served by another worker is written in, for its record (none for an
   * analysis this worker does not know: its run's failure is still recorded).
   */
  const languageOf = (w: AnalysisWorkflowInput) => {
    let served: AnyAnalysis['servedBy'];
    try {
      served = deps.getAnalysis(w.analysisName).servedBy;
    } catch {
      return {};
    }
    return served ? { language: { name: 'Python' as const, version: served.languageVersion } } : {};
  };

  /**
   * Runs a stage where it computes: its progress becomes heartbeats. On a compute thread the
   * main thread is free meanwhile, so it also beats every HEARTBEAT_MS with the last details (a
   * step that reports nothing for a while, or a stage waiting for a free thread, is alive), and
   * the activity's cancellation (cancelled, timed out, worker shutting down) stops the task.
   */
  const inStage = async <T>(run: (on: StageRunner, progress: Progress, signal?: AbortSignal) => Promise<T>): Promise<T> => {
    if (!compute) return await run(stages, heartbeat);
    const context = Context.current();
    let last: Record<string, unknown> = { stage: 'queued' };
    const beat = setInterval(() => context.heartbeat(last), HEARTBEAT_MS);
    try {
      return await run(
        compute,
        (details) => {
          last = details;
          context.heartbeat(details);
        },
        context.cancellationSignal,
      );
    } finally {
      clearInterval(beat);
    }
  };

  const alreadyDone = (w: AnalysisWorkflowInput, rec: ProcessingRecord): ResolveResult => ({
    kind: 'already-done',
    result: {
      status: 'already-done',
      dedupKey: w.dedupKey,
      recordId: rec._id,
      subjectId: w.subjectId,
      outputPrefix: deps.results.uri(outputPrefix(w)),
      sessions: rec.inputs.files.length,
      sessionsFromCache: 0,
      outputs: rec.outputs.length,
      warnings: rec.warnings,
    },
  });

  return {
    async resolveInputs(w: AnalysisWorkflowInput): Promise<ResolveResult> {
      if (w.codeVersion !== deps.codeVersion) {
        // Results must come from the code the key names; another worker may hold that version.
        throw ApplicationFailure.retryable(
          `this worker runs code ${deps.codeVersion} but the job was keyed for ${w.codeVersion}: run a worker of that version or dispatch again`,
          'CodeVersionMismatch',
        );
      }
      const { def, spec } = specOf(w); // unknown analysis or invalid parameters fail here, before any work
      const existing = await deps.records.get(w.dedupKey);
      if (existing?.status === 'completed') return alreadyDone(w, existing);

      // Locations are listed 8 at a time (on S3 each is a LIST or HEAD round trip; a job names
      // one per session asset), their sessions kept in job order, problems reported in that order.
      const locations = w.inputs.files?.length ? w.inputs.files : w.inputs.locations;
      const listing = limiter(8);
      const found = startInOrder(locations, listing, (loc) => {
        heartbeat({ stage: 'resolve', location: loc });
        return deps.resolveSessionFiles(loc);
      });
      const seen = new Set<string>();
      const sessions: SessionRef[] = [];
      for (const [i, loc] of locations.entries()) {
        const refs = await found[i].catch(asInvalidInput);
        if (refs.length === 0) throw invalidInput(`no NWB session files (*.nwb) under ${loc}`, loc);
        for (const r of refs) {
          if (seen.has(r.uri)) continue;
          seen.add(r.uri);
          sessions.push(r);
        }
      }

      // Resource files (fit_source) are read before the key is claimed: one that is not there is
      // refused with nothing left `running`.
      heartbeat({ stage: 'resources' });
      const resources = await resourcesOf(def, spec);

      // Claim the key with a 'running' record; a previous failed/crashed run's record is taken over.
      const running = recordOf({
        workflow: w,
        status: 'running',
        sessions,
        outputs: [],
        warnings: [],
        timings: [],
        startedAt: deps.now().toISOString(),
        codeVersion: deps.codeVersion,
        workerIdentity: deps.workerIdentity,
        outputLocation: deps.results.uri(outputPrefix(w)),
        ...languageOf(w),
        ...runContext(),
      });
      if ((await deps.records.insertIfAbsent(running)) === 'exists') {
        const current = await deps.records.get(w.dedupKey);
        if (current?.status === 'completed') return alreadyDone(w, current);
        if (current && current.temporal.run_id !== running.temporal.run_id) {
          await deps.records.replaceIf(running, 'status', current.status);
        }
      }
      // Sessions whose partials are cached need no activity of their own: an incremental run of a
      // mouse with N sessions schedules one session activity, not N (each a round trip through
      // the server and ~6 history events). Checked a few at a time (on S3 each is a request).
      heartbeat({ stage: 'cache' });
      const partialKeys = sessions.map((session) => partialKeyFor(w, def, spec, resources, session));
      const cachedPartials = await Promise.all(partialKeys.map((key) => listing(async () => ((await deps.results.head(key)) ? key : null))));
      return { kind: 'resolved', sessions, outputPrefix: deps.results.uri(outputPrefix(w)), warnings: [], cachedPartials, partialKeys };
    },

    async analyzeSession(args: AnalyzeSessionArgs): Promise<SessionResult> {
      return await inStage((on, progress, signal) => on.analyzeSession(args, progress, signal));
    },

    async computeGroup(args: ComputeGroupArgs): Promise<GroupResult> {
      return await inStage((on, progress, signal) => on.computeGroup(args, progress, signal));
    },

    async publishResults(args: {
      workflow: AnalysisWorkflowInput;
      outputs: OutputEntry[];
      // What the report shows beyond the outputs; absent parts are shown as not recorded.
      sessions?: SessionRef[];
      timings?: StepTiming[];
      warnings?: string[];
    }): Promise<OutputEntry[]> {
      const w = args.workflow;
      const prefix = outputPrefix(w);
      // Verify every output as stored before the record makes the run count as complete: 16 at a
      // time, since on S3 each is a round trip (a 20-session mouse has over 80 outputs), reported
      // in output order.
      const heads = startInOrder(args.outputs, limiter(16), (o) => deps.results.head(prefix + o.name));
      for (const [i, o] of args.outputs.entries()) {
        heartbeat({ stage: 'verify', output: o.name });
        const head = await heads[i];
        if (!head || head.size !== o.size || (head.sha256 && head.sha256 !== o.sha256)) {
          throw new Error(`output ${o.uri} is missing or differs from what was written (size ${head?.size} vs ${o.size})`);
        }
      }
      const put = async (name: string, body: string, contentType: string): Promise<OutputEntry> => {
        const stored = await deps.results.put(prefix + name, body, { contentType });
        return { name, uri: deps.results.uri(stored.key), size: stored.size, sha256: stored.sha256! };
      };
      const hasSessions = args.outputs.some((o) => o.name === SESSIONS_TABLE);
      const report = await put(
        REPORT_NAME,
        buildRunReport({
          dedupKey: w.dedupKey,
          workflowId: workflowIdFor({ analysisName: w.analysisName, subjectId: w.subjectId, analysisTag: w.analysisTag, key: w.dedupKey }),
          subjectId: w.subjectId,
          analysis: { name: w.analysisName, version: w.analysisVersion, tag: w.analysisTag, ...(w.analysisCodeVersion ? { codeVersion: w.analysisCodeVersion } : {}) },
          codeVersion: w.codeVersion,
          parameters: w.parameters,
          inputs: { locations: w.inputs.locations, files: w.inputs.files ?? [], sessions: args.sessions },
          timings: args.timings ?? [],
          warnings: args.warnings ?? [],
          outputs: args.outputs,
          sessionsCsv: hasSessions ? new TextDecoder().decode(await deps.results.get(prefix + SESSIONS_TABLE)) : undefined,
        }),
        'text/html; charset=utf-8',
      );
      const published = [...args.outputs, report];
      const manifest = await put('manifest.json', JSON.stringify({ dedup_key: w.dedupKey, outputs: published }, null, 2), 'application/json');
      return [...published, manifest];
    },

    async writeRecord(a: WriteRecordArgs): Promise<void> {
      const record = recordOf({
        ...a,
        endedAt: deps.now().toISOString(),
        // A failure is recorded under the code version its key names, whichever worker writes it
        // (a run refused for a code version mismatch is recorded by a worker of another version).
        codeVersion: a.status === 'failed' ? a.workflow.codeVersion : deps.codeVersion,
        workerIdentity: deps.workerIdentity,
        outputLocation: deps.results.uri(outputPrefix(a.workflow)),
        ...languageOf(a.workflow),
        ...runContext(),
      });
      if (await deps.records.replaceIf(record, 'status', 'running')) return;
      const current = await deps.records.get(record._id);
      // A retry after a write whose reply was lost, or a run another dispatcher completed: done.
      if (current?.status === 'completed') return;
      if (!current) {
        await deps.records.insertIfAbsent(record);
        return;
      }
      // A failed record may be replaced by this run's outcome; a completed one never is.
      await deps.records.replaceIf(record, 'status', current.status);
    },
  };
}

export type AnalysisActivities = ReturnType<typeof createAnalysisActivities>;
