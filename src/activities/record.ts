// Builds the processing record (src/schemas/record.ts) for each state of a run, from what the
// workflow passes and what the worker knows about itself.
import { createRequire } from 'node:module';
import { newRunningRecord, ProcessingRecordSchema, type ProcessingRecord } from '../schemas/record.js';
import { workflowIdFor } from '../schemas/dedup-key.js';
import type { AnalysisWorkflowInput, OutputEntry, SessionRef, StepTiming } from '../workflows/analysis-types.js';

export type { ProcessingRecord };

export interface RecordError {
  message: string;
  step: string;
  file?: string;
  /** The failure's type (InvalidInput, or a Python exception's class). */
  type?: string;
  /** The last frames of a Python traceback. */
  traceback?: string;
}

const require = createRequire(import.meta.url);
const temporalSdkVersion = (require('@temporalio/worker/package.json') as { version: string }).version;
const pkg = require('../../package.json') as { name: string; repository?: string | { url: string } };
const codeUrl = typeof pkg.repository === 'string' ? pkg.repository : pkg.repository?.url ?? `npm:${pkg.name}`;

const mediaTypes: Record<string, string> = {
  json: 'application/json',
  csv: 'text/csv',
  parquet: 'application/vnd.apache.parquet',
  svg: 'image/svg+xml',
  png: 'image/png',
  html: 'text/html',
};

export interface RecordArgs {
  workflow: AnalysisWorkflowInput;
  status: 'running' | 'completed' | 'failed';
  sessions: SessionRef[];
  outputs: OutputEntry[];
  warnings: string[];
  timings: StepTiming[];
  startedAt: string;
  endedAt?: string;
  summary?: unknown;
  error?: RecordError;
  codeVersion: string;
  /** The language of an analysis served by another worker (from its manifest). */
  language?: { name: 'Python'; version: string };
  workerIdentity: string;
  outputLocation: string;
  namespace?: string;
  taskQueue?: string;
  runId?: string;
}

export function buildProcessingRecord(a: RecordArgs): ProcessingRecord {
  const w = a.workflow;
  const workflowId = workflowIdFor({ analysisName: w.analysisName, subjectId: w.subjectId, analysisTag: w.analysisTag, key: w.dedupKey });
  const running = newRunningRecord({
    key: w.dedupKey,
    workflowId,
    location: a.outputLocation,
    subjectId: w.subjectId,
    analysis: { name: w.analysisName, version: w.analysisVersion, tag: w.analysisTag, ...(w.analysisCodeVersion ? { code_version: w.analysisCodeVersion } : {}) },
    codeVersion: a.codeVersion,
    codeUrl,
    ...(a.language ? { language: a.language } : {}),
    nodeVersion: process.versions.node,
    temporalSdkVersion,
    parameters: w.parameters,
    inputs: {
      locations: w.inputs.locations,
      file_locations: w.inputs.files ?? [],
      ...(w.inputs.assetIds ? { asset_ids: w.inputs.assetIds } : {}),
      ...(w.inputs.assetNames ? { asset_names: w.inputs.assetNames } : {}),
      files: a.sessions.map((s) => ({ uri: s.uri, size: s.size, ...(s.etag ? { etag: s.etag } : {}), ...(s.mtime ? { mtime: s.mtime } : {}) })),
    },
    temporal: { namespace: a.namespace ?? 'default', taskQueue: a.taskQueue ?? 'unknown', runId: a.runId ?? 'none' },
    workerIdentity: a.workerIdentity,
    startedAt: a.startedAt,
    warnings: a.warnings,
  });
  if (a.status === 'running') return running;

  const endedAt = a.endedAt ?? a.startedAt;
  const dataProcess = running.processing.data_processes[0];
  return ProcessingRecordSchema.parse({
    ...running,
    status: a.status,
    processing: {
      data_processes: [
        {
          ...dataProcess,
          end_date_time: endedAt,
          output_parameters: (a.summary ?? {}) as Record<string, unknown>,
          notes: a.error ? `failed in step ${a.error.step}: ${a.error.message}` : null,
        },
      ],
    },
    steps: a.timings.map((t) => ({
      name: t.step,
      started_at: t.startedAt,
      ended_at: t.endedAt,
      duration_ms: Math.max(0, Date.parse(t.endedAt) - Date.parse(t.startedAt)),
    })),
    outputs: a.outputs.map((o) => ({
      uri: o.uri,
      size: o.size,
      sha256: o.sha256,
      media_type: mediaTypes[o.name.split('.').pop() ?? ''] ?? 'application/octet-stream',
    })),
    error: a.error
      ? { message: a.error.message, step: a.error.step, file: a.error.file ?? null, ...(a.error.type ? { type: a.error.type } : {}), ...(a.error.traceback ? { traceback: a.error.traceback } : {}) }
      : null,
    updated_at: endedAt,
  });
}
