// The dispatcher: job files (+ analysis_parameters.json) -> one workflow per (mouse, parameter
// set), keyed by the dedup key. Everything is validated before anything starts; a job already
// done (record completed, or a closed successful run) is skipped and reported as such.
import { randomUUID } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { AnyAnalysis } from '../analyses/define.js';
import { DEFAULT_ANALYSIS, getAnalysis, UnknownAnalysisError } from '../analyses/registry.js';
import { mapBounded } from '../concurrency.js';
import { computeDedupKey, workflowIdFor } from '../schemas/dedup-key.js';
import { ValidationError, type ValidationIssue } from '../schemas/errors.js';
import { parseJobFile, parseParametersFile } from '../schemas/files.js';
import { expandJobs, parameterSets, type AnalysisParametersFile, type JobSource } from '../schemas/parameters.js';
import type { RecordStore, StoredRecord } from '../stores/record-store.js';
import { analysisWorkflow } from '../workflows/analysis.js';
import type { AnalysisWorkflowInput } from '../workflows/analysis-types.js';
import { SA } from '../workflows/search-attributes.js';

export type DispatchStatus = 'started' | 'already-running' | 'already-done' | 'would-start' | 'invalid';

export interface DispatchRow {
  jobFile: string;
  subjectId?: string;
  analysisName?: string;
  analysisTag?: string;
  dedupKey?: string;
  workflowId?: string;
  status: DispatchStatus;
  message?: string;
}

export interface PlannedJob {
  jobFile: string;
  workflowId: string;
  input: AnalysisWorkflowInput;
  warnings: string[];
}

export interface PlanOptions {
  /** Job JSON files, or folders of them (`job_dict/*.json`). */
  jobs: string[];
  parametersFile?: string;
  /** Overrides `analysis_name` from the parameters. */
  analysis?: string;
  codeVersion: string;
  batchTag?: string;
  sessionParallelism?: number;
  /** Task queue of the Python worker (GA_PY_TASK_QUEUE), instead of each Python analysis's manifest's. */
  pythonTaskQueue?: string;
  /** S3 inputs must be in one of these buckets (GA_INPUT_BUCKETS); undefined = any. */
  inputBuckets?: string[];
  /** Ignore unknown top-level job fields (a warning each) instead of refusing the job (`--allow-unknown-fields`). */
  allowUnknownFields?: boolean;
}

async function jobFiles(paths: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    const s = await stat(p).catch(() => undefined);
    if (s?.isDirectory()) {
      out.push(...(await readdir(p)).filter((f) => f.endsWith('.json')).sort().map((f) => join(p, f)));
    } else out.push(p); // a missing file is reported by the parser, with its name
  }
  return out;
}

/** Locations in buckets the workers may not read: refused here rather than failing a run later. */
function foreignBuckets(j: JobSource, allowed: string[]): ValidationIssue[] {
  const fields = [['s3_location', j.parsed.job.s3_location], ['file_location', j.parsed.job.file_location ?? []]] as const;
  return fields.flatMap(([field, locations]) =>
    locations.flatMap((loc, i) => {
      const bucket = /^s3:\/\/([^/]+)/.exec(loc)?.[1];
      if (bucket === undefined || allowed.includes(bucket)) return [];
      return [{ code: 'dispatch.bucket_not_allowed' as const, file: j.file, jsonPath: `$.${field}[${i}]`, message: `bucket "${bucket}" is not an allowed input bucket (${allowed.join(', ')})`, fix: 'use a location in an allowed bucket, or add the bucket to GA_INPUT_BUCKETS' }];
    }),
  );
}

/** The analysis named by the flag, else the parameters (all sets must agree), else the default. */
function chooseAnalysis(override: string | undefined, params: AnalysisParametersFile | undefined, jobs: JobSource[], paramsFile?: string): AnyAnalysis {
  const named = new Set<string>();
  if (override) named.add(override);
  else {
    for (const set of params ? parameterSets(params) : []) {
      for (const s of set.sources) if (typeof s.values.analysis_name === 'string') named.add(s.values.analysis_name);
    }
    for (const j of jobs) {
      const n = j.parsed.job.distributed_parameters?.analysis_name;
      if (typeof n === 'string') named.add(n);
    }
  }
  if (named.size > 1) {
    throw new ValidationError([
      {
        code: 'dispatch.several_analyses',
        file: paramsFile ?? jobs[0]?.file ?? '<jobs>',
        jsonPath: '$..analysis_name',
        message: `one dispatch runs one analysis, but these name several: ${[...named].join(', ')}`,
        fix: 'dispatch each analysis separately (or pass --analysis NAME)',
      },
    ]);
  }
  return getAnalysis([...named][0] ?? DEFAULT_ANALYSIS);
}

/**
 * Reads and validates every job and the parameters, expands jobs x parameter sets, and computes
 * each run's dedup key and workflow ID. Throws one ValidationError listing every problem.
 */
export async function planDispatch(o: PlanOptions): Promise<PlannedJob[]> {
  const issues: ValidationIssue[] = [];
  const jobs: JobSource[] = [];
  for (const file of await jobFiles(o.jobs)) {
    try {
      jobs.push({ file, parsed: await parseJobFile(file, { allowUnknownFields: o.allowUnknownFields }) });
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      issues.push(...e.issues);
    }
  }
  let params: { file: string; parameters: AnalysisParametersFile } | undefined;
  if (o.parametersFile) {
    try {
      params = { file: o.parametersFile, parameters: await parseParametersFile(o.parametersFile) };
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      issues.push(...e.issues);
    }
  }
  if (o.inputBuckets?.length) issues.push(...jobs.flatMap((j) => foreignBuckets(j, o.inputBuckets!)));
  if (issues.length) throw new ValidationError(issues);
  if (jobs.length === 0) {
    throw new ValidationError([{ code: 'dispatch.no_job_files', file: o.jobs.join(', '), jsonPath: '$', message: 'no job files (*.json) found', fix: 'give job JSON files or a folder of them' }]);
  }

  let analysis: AnyAnalysis;
  try {
    analysis = chooseAnalysis(o.analysis, params?.parameters, jobs, params?.file);
  } catch (e) {
    if (e instanceof UnknownAnalysisError) {
      throw new ValidationError([{ code: 'dispatch.unknown_analysis', file: params?.file ?? jobs[0].file, jsonPath: '$..analysis_name', message: e.message, fix: 'use one of the registered analyses' }]);
    }
    throw e;
  }
  const spec = analysis.parameters;
  const served = analysis.servedBy;
  const expanded = expandJobs(spec, jobs, params);
  const planned: PlannedJob[] = [];
  for (const x of expanded) {
    if (!x.subjectId) {
      issues.push({
        code: 'job.no_subject',
        file: x.jobFile,
        jsonPath: '$.group_metadata',
        message: 'the subject id cannot be derived from group_metadata or the asset names',
        fix: 'add "group_metadata": {"subject.subject_id": "<id>"} or name assets behavior_<subject>_<date>_<time>',
      });
      continue;
    }
    const parameters = x.parameters as unknown as Record<string, unknown>;
    const dedupKey = computeDedupKey({
      analysisName: spec.name,
      analysisVersion: spec.version,
      codeVersion: o.codeVersion,
      ...(served ? { analysisCodeVersion: served.codeVersion } : {}),
      inputLocations: x.job.s3_location,
      fileLocations: x.job.file_location ?? null,
      parameters,
    });
    const analysisTag = String(parameters.analysis_tag);
    planned.push({
      jobFile: x.jobFile,
      workflowId: workflowIdFor({ analysisName: spec.name, subjectId: x.subjectId, analysisTag, key: dedupKey }),
      warnings: x.warnings,
      input: {
        analysisName: spec.name,
        analysisVersion: spec.version,
        codeVersion: o.codeVersion,
        dedupKey,
        subjectId: x.subjectId,
        analysisTag,
        parameters,
        inputs: {
          locations: x.job.s3_location,
          ...(x.job.file_location?.length ? { files: x.job.file_location } : {}),
          ...(x.job.asset_name ? { assetNames: x.job.asset_name } : {}),
          ...(x.job.asset_id ? { assetIds: x.job.asset_id } : {}),
        },
        ...(o.batchTag ? { batchTag: o.batchTag } : {}),
        ...(o.sessionParallelism ? { sessionParallelism: o.sessionParallelism } : {}),
        ...(served ? { analysisCodeVersion: served.codeVersion, analysisTaskQueue: o.pythonTaskQueue ?? served.taskQueue } : {}),
      },
    });
  }
  if (issues.length) throw new ValidationError(issues);
  return planned;
}

export interface StartOptions {
  client: Client;
  taskQueue: string;
  records: RecordStore<StoredRecord & { status?: unknown }>;
  /** Starts in flight at once. */
  concurrency?: number;
  onRow?: (row: DispatchRow) => void;
}

const rowOf = (p: PlannedJob, status: DispatchStatus, message?: string): DispatchRow => ({
  jobFile: p.jobFile,
  subjectId: p.input.subjectId,
  analysisName: p.input.analysisName,
  analysisTag: p.input.analysisTag,
  dedupKey: p.input.dedupKey,
  workflowId: p.workflowId,
  status,
  ...(message ? { message } : {}),
});

/** Starts the planned runs (skipping those already done) with bounded concurrency. */
export async function startPlanned(planned: PlannedJob[], o: StartOptions): Promise<DispatchRow[]> {
  // One round trip for the whole batch: re-dispatching thousands of done jobs stays cheap.
  const done = new Set(
    (await o.records.getMany(planned.map((p) => p.input.dedupKey), ['status'])).filter((r) => r.status === 'completed').map((r) => r._id),
  );
  return await mapBounded(planned, o.concurrency ?? 16, async (p) => {
    const row = await startOne(p, done.has(p.input.dedupKey), o);
    o.onRow?.(row);
    return row;
  });
}

async function startOne(p: PlannedJob, recordDone: boolean, o: StartOptions): Promise<DispatchRow> {
  if (recordDone) return rowOf(p, 'already-done', 'a completed record exists for this key');
  // This start's own mark: the execution the server returns carries it only if this start
  // created it (USE_EXISTING returns a running execution as it is, memo included).
  const dispatchNonce = randomUUID();
  try {
    const handle = await o.client.workflow.start(analysisWorkflow, {
      taskQueue: o.taskQueue,
      workflowId: p.workflowId,
      args: [p.input],
      // A second start while running attaches to the run; after success it is refused;
      // failed/terminated/timed-out runs may run again.
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
      typedSearchAttributes: [
        { key: SA.SubjectId, value: p.input.subjectId },
        { key: SA.AnalysisName, value: p.input.analysisName },
        { key: SA.AnalysisTag, value: p.input.analysisTag },
        { key: SA.DedupKey, value: p.input.dedupKey },
        { key: SA.CodeVersion, value: p.input.codeVersion },
        ...(p.input.batchTag ? [{ key: SA.BatchTag, value: p.input.batchTag }] : []),
      ],
      memo: { jobFile: p.jobFile, locations: p.input.inputs.locations.length, parameters: p.input.parameters, dispatchNonce },
    });
    // The very execution the start returned (not the ID's latest run, which may be a newer one).
    const d = await o.client.workflow.getHandle(p.workflowId, handle.firstExecutionRunId).describe();
    return rowOf(p, d.memo?.dispatchNonce === dispatchNonce ? 'started' : 'already-running');
  } catch (e) {
    if (e instanceof WorkflowExecutionAlreadyStartedError) return rowOf(p, 'already-done', 'a successful run with this workflow ID exists');
    throw e;
  }
}
