import { z } from 'zod';
import { ANALYSIS_NAME_PATTERN, ANALYSIS_TAG_PATTERN } from './analysis-spec.js';
import { CodeVersion } from './code-version.js';
import { computeDedupKey, DedupKey } from './dedup-key.js';
import { SUBJECT_ID_PATTERN } from './job.js';
import { StorableJsonObject } from './json-values.js';

// The processing record: one per dedup key, stored in MongoDB (`_id` = key) and as JSON next
// to the results. Its `processing.data_processes[0]` is an aind-data-schema `DataProcess`
// (process_type "Analysis", code {url, name, version, parameters, input_data}, start/end,
// output_path) so the lab's tools find code, parameters and inputs where they look for them;
// the rest is ours. Mapping: docs/records.md.

export const RECORD_VERSION = 1;

const DateTime = z.iso.datetime({ offset: true }).describe('ISO 8601 date-time with offset, e.g. 2025-01-31T12:00:00.000Z');
const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/);
const Uri = z.string().min(1);

export const RecordStatus = z.enum(['running', 'completed', 'failed']);
export type RecordStatus = z.output<typeof RecordStatus>;

const DataAsset = z.strictObject({
  object_type: z.literal('Data asset'),
  url: Uri.describe('Location of one input data asset (s3_location entry).'),
});

const CoreDependency = z.strictObject({
  object_type: z.literal('Software'),
  name: z.string().min(1),
  version: z.string().min(1),
});

/** aind-data-schema `Code`. */
const Code = z.strictObject({
  object_type: z.literal('Code'),
  url: Uri.describe('Repository of the analysis code.'),
  name: z.string().min(1).describe('Analysis name.'),
  version: CodeVersion,
  run_script: z.string().nullable(),
  language: z.enum(['TypeScript', 'Python']).describe('Python for an analysis served by the Python worker.'),
  language_version: z.string().min(1).describe('Node.js version (e.g. 24.11.1), or Python major.minor.'),
  input_data: z.array(DataAsset).min(1),
  parameters: StorableJsonObject.describe('Resolved analysis parameters (every default filled in).'),
  core_dependency: CoreDependency.nullable(),
});

/** aind-data-schema `DataProcess` (v2 field names). */
const DataProcess = z.strictObject({
  object_type: z.literal('Data process'),
  process_type: z.literal('Analysis'),
  name: z.string().min(1).describe('Analysis name.'),
  stage: z.literal('Analysis'),
  code: Code,
  experimenters: z.array(z.string()).describe('Who dispatched the job, when known.'),
  pipeline_name: z.null(),
  start_date_time: DateTime,
  end_date_time: DateTime.nullable().describe('Null while running.'),
  output_path: Uri.describe('Results prefix (same as the record\'s location).'),
  output_parameters: StorableJsonObject.describe('Small summary the analysis reports (counts, ...).'),
  notes: z.string().nullable(),
});

const InputFile = z.strictObject({
  uri: Uri,
  size: z.int().min(0).optional(),
  etag: z.string().optional().describe('S3 ETag, when read from S3.'),
  mtime: DateTime.optional().describe('Modification time, when read from a local disk.'),
});

const Inputs = z.strictObject({
  locations: z.array(Uri).min(1).describe('The job\'s s3_location entries (normalised).'),
  file_locations: z.array(Uri).describe('The job\'s file_location entries (empty when the reader found the files).'),
  asset_ids: z.array(z.string()).optional(),
  asset_names: z.array(z.string()).optional(),
  docdb_record_ids: z.array(z.string()).optional(),
  files: z
    .array(InputFile)
    .describe('Files actually read, with cheap content fingerprints (size + ETag or mtime).'),
});

const OutputFile = z.strictObject({
  uri: Uri,
  size: z.int().min(0),
  sha256: Sha256Hex,
  media_type: z.string().optional(),
});

const StepTiming = z.strictObject({
  name: z.string().min(1).describe('Step (activity) name, e.g. load-session, group-stage, upload.'),
  started_at: DateTime,
  ended_at: DateTime.optional(),
  duration_ms: z.number().min(0).optional(),
  attempts: z.int().min(1).optional().describe('Attempts the step took (Temporal retries included).'),
});

const RecordError = z.strictObject({
  message: z.string().min(1),
  step: z.string().min(1).describe('Step that failed.'),
  file: z.string().nullable().describe('Input or output file involved, when there is one.'),
  type: z.string().min(1).optional().describe('Failure type: InvalidInput, or the exception class of a Python analysis.'),
  traceback: z.string().optional().describe('Last frames of the Python traceback, for a Python analysis.'),
});

export const ProcessingRecordSchema = z
  .strictObject({
    _id: DedupKey.describe('The dedup key (also the MongoDB _id).'),
    record_version: z.literal(RECORD_VERSION),
    name: z.string().min(1).describe('Temporal workflow ID: <analysis>/<subject>/<tag>/<key prefix>.'),
    location: Uri.describe('Where the results are (URI prefix); upstream Metadata.location.'),
    subject_id: z.string().regex(SUBJECT_ID_PATTERN),
    analysis: z.strictObject({
      name: z.string().regex(ANALYSIS_NAME_PATTERN),
      version: z.string().min(1),
      tag: z.string().regex(ANALYSIS_TAG_PATTERN),
      code_version: CodeVersion.optional().describe('Code version of an analysis served by another worker (Python); part of the key.'),
    }),
    status: RecordStatus,
    processing: z.strictObject({
      data_processes: z.tuple([DataProcess]),
    }),
    inputs: Inputs,
    temporal: z.strictObject({
      namespace: z.string().min(1),
      task_queue: z.string().min(1),
      workflow_id: z.string().min(1),
      run_id: z.string().min(1),
    }),
    worker: z.strictObject({
      identity: z.string().min(1).describe('Temporal worker identity (pid@host by default).'),
    }),
    steps: z.array(StepTiming),
    outputs: z.array(OutputFile),
    warnings: z.array(z.string()),
    error: RecordError.nullable(),
    updated_at: DateTime,
  })
  .superRefine((record, ctx) => {
    const process = record.processing.data_processes[0];
    const add = (path: (string | number)[], message: string, fix: string): void => {
      ctx.addIssue({ code: 'custom', path, message, params: { fix } });
    };
    if (record.status === 'running' && process.end_date_time !== null) {
      add(['processing', 'data_processes', 0, 'end_date_time'], 'a running record has an end time', 'clear end_date_time or set the final status');
    }
    if (record.status !== 'running' && process.end_date_time === null) {
      add(['processing', 'data_processes', 0, 'end_date_time'], `a ${record.status} record needs an end time`, 'set end_date_time');
    }
    if ((record.status === 'failed') !== (record.error !== null)) {
      add(['error'], 'error must be set exactly when status is "failed"', 'set both or neither');
    }
    if (record.name !== record.temporal.workflow_id) {
      add(['name'], 'name differs from temporal.workflow_id', 'use the workflow ID as the name');
    }
    if (process.output_path !== record.location) {
      add(['processing', 'data_processes', 0, 'output_path'], 'output_path differs from location', 'use the same URI');
    }
    if (process.name !== record.analysis.name || process.code.name !== record.analysis.name) {
      add(['processing', 'data_processes', 0, 'name'], 'process and code names must be the analysis name', 'use analysis.name');
    }
    const urls = process.code.input_data.map((d) => d.url);
    if (urls.length !== record.inputs.locations.length || urls.some((u, i) => u !== record.inputs.locations[i])) {
      add(['processing', 'data_processes', 0, 'code', 'input_data'], 'input_data differs from inputs.locations', 'list the same locations in the same order');
    }
    // The key must be recomputable from what the record says was run.
    let expected: string | undefined;
    try {
      expected = computeDedupKey({
        analysisName: record.analysis.name,
        analysisVersion: record.analysis.version,
        codeVersion: process.code.version,
        analysisCodeVersion: record.analysis.code_version,
        inputLocations: record.inputs.locations,
        fileLocations: record.inputs.file_locations,
        parameters: process.code.parameters,
      });
    } catch (e) {
      add(['inputs'], `the dedup key cannot be recomputed: ${(e as Error).message}`, 'correct the inputs');
    }
    if (expected !== undefined && expected !== record._id) {
      add(['_id'], 'does not match the dedup key recomputed from analysis, code version, inputs and parameters', 'recompute the key with computeDedupKey');
    }
  })
  .describe('Processing record of one analysis run (one per dedup key).');

export type ProcessingRecord = z.output<typeof ProcessingRecordSchema>;

export interface NewRecordInput {
  key: string;
  workflowId: string;
  location: string;
  subjectId: string;
  analysis: { name: string; version: string; tag: string; code_version?: string };
  codeVersion: string;
  codeUrl: string;
  /** The analysis's language when it is not the worker's TypeScript (then nodeVersion is unused). */
  language?: { name: 'Python'; version: string };
  nodeVersion: string;
  temporalSdkVersion: string;
  parameters: Record<string, unknown>;
  inputs: z.input<typeof Inputs>;
  temporal: { namespace: string; taskQueue: string; runId: string };
  workerIdentity: string;
  experimenters?: string[];
  startedAt: string;
  warnings?: string[];
}

/**
 * A validated record in the "running" state, with the DataProcess part filled consistently.
 * Timestamps are passed in: this layer has no clock.
 */
export function newRunningRecord(input: NewRecordInput): ProcessingRecord {
  return ProcessingRecordSchema.parse({
    _id: input.key,
    record_version: RECORD_VERSION,
    name: input.workflowId,
    location: input.location,
    subject_id: input.subjectId,
    analysis: input.analysis,
    status: 'running',
    processing: {
      data_processes: [
        {
          object_type: 'Data process',
          process_type: 'Analysis',
          name: input.analysis.name,
          stage: 'Analysis',
          code: {
            object_type: 'Code',
            url: input.codeUrl,
            name: input.analysis.name,
            version: input.codeVersion,
            run_script: null,
            language: input.language?.name ?? 'TypeScript',
            language_version: input.language?.version ?? input.nodeVersion,
            input_data: input.inputs.locations.map((url) => ({ object_type: 'Data asset', url })),
            parameters: input.parameters,
            core_dependency: { object_type: 'Software', name: '@temporalio/worker', version: input.temporalSdkVersion },
          },
          experimenters: input.experimenters ?? [],
          pipeline_name: null,
          start_date_time: input.startedAt,
          end_date_time: null,
          output_path: input.location,
          output_parameters: {},
          notes: null,
        },
      ],
    },
    inputs: input.inputs,
    temporal: {
      namespace: input.temporal.namespace,
      task_queue: input.temporal.taskQueue,
      workflow_id: input.workflowId,
      run_id: input.temporal.runId,
    },
    worker: { identity: input.workerIdentity },
    steps: [],
    outputs: [],
    warnings: input.warnings ?? [],
    error: null,
    updated_at: input.startedAt,
  });
}
