// Payloads of the generic analysis workflow: small JSON, references only (object keys, URIs).
// Shared by the workflow (deterministic sandbox), the activities and the client.

/** One session file of the job, with a cheap content fingerprint (size + ETag/mtime). */
export interface SessionRef {
  uri: string;
  size: number;
  /** S3 ETag (for a Zarr folder: a digest of its objects' ETags). */
  etag?: string;
  /** Local modification time, ISO 8601. */
  mtime?: string;
  /** Everything above that identifies the content, as one string (the cache key's input). */
  fingerprint: string;
}

export interface AnalysisWorkflowInput {
  analysisName: string;
  analysisVersion: string;
  codeVersion: string;
  dedupKey: string;
  subjectId: string;
  analysisTag: string;
  /** Resolved (defaults filled) analysis parameters, exactly as hashed into the key. */
  parameters: Record<string, unknown>;
  /** Asset locations and explicit file URIs of the job (the lab's s3_location / file_location). */
  inputs: { locations: string[]; files?: string[]; assetNames?: string[]; assetIds?: string[] };
  /** Set by the dispatcher, e.g. to find one `npm start` batch in the UI. */
  batchTag?: string;
  /** Per-session activities in flight at once for this mouse. */
  sessionParallelism?: number;
  /**
   * For an analysis served by a worker of another language (a Python analysis): its code
   * version (hashed into the key, names its cached partials) and the task queue its session and
   * group steps are scheduled on. Absent for TypeScript analyses.
   */
  analysisCodeVersion?: string;
  analysisTaskQueue?: string;
}

export type AnalysisStep = 'queued' | 'resolving' | 'sessions' | 'group' | 'publishing' | 'recording' | 'done' | 'failed';

export interface AnalysisProgress {
  step: AnalysisStep;
  sessionsDone: number;
  sessionsTotal: number;
  sessionsFromCache: number;
}

export interface OutputEntry {
  name: string;
  uri: string;
  size: number;
  sha256: string;
}

export interface AnalysisWorkflowResult {
  status: 'completed' | 'already-done';
  dedupKey: string;
  recordId: string;
  subjectId: string;
  outputPrefix: string;
  sessions: number;
  sessionsFromCache: number;
  outputs: number;
  warnings: string[];
}

export interface SessionResult {
  partialKey: string;
  fromCache: boolean;
  warnings: string[];
}

export interface StepTiming {
  step: string;
  startedAt: string;
  endedAt: string;
}
