// The shapes of job creation: where sessions come from, the options, and what comes out (jobs,
// and the files skipped, excluded or ignored, each with its reason).
import type { S3Client } from '@aws-sdk/client-s3';
import type { NwbFormat } from '../../nwb/source.js';
import type { AnalysisDispatchJobInput } from '../../schemas/job.js';

/** The group-by field every job has: one job analyses one mouse. */
export const SUBJECT_FIELD = 'subject.subject_id';

export type SameDayPolicy = 'keep-more-finished' | 'keep-all';

export interface MetadataSource {
  /** MongoDB-wire URI (MongoDB, DocumentDB, FerretDB). */
  uri: string;
  db: string;
  collection: string;
  /** A filter using only what MongoDB, DocumentDB and FerretDB share (see `checkPortableFilter`). */
  filter: Record<string, unknown>;
  /** Record fields whose values make one job; `subject.subject_id` is always one of them. */
  groupBy?: readonly string[];
  /** Keep only the newest record (by `created`) per asset name without its processing suffix. */
  filterObsolete?: boolean;
}

export type JobSource = { location: string } | { metadata: MetadataSource };

export interface CreateJobsOptions {
  /** For sessions on S3; HDF5 sessions are downloaded into `cacheDir` (h5wasm needs a file). */
  s3?: { client: S3Client; cacheDir: string };
  subjects?: readonly string[];
  excludeSubjects?: readonly string[];
  /** Inclusive bounds on the session's date (YYYY-MM-DD of its start time, as recorded). */
  from?: string;
  to?: string;
  /** Mice with fewer sessions (after the same-day rule) get no job. Default 1. */
  minSessions?: number;
  /** Default 'keep-more-finished', the analysis's own rule. */
  sameDay?: SameDayPolicy;
  /** One job per session instead of one per mouse. */
  splitFiles?: boolean;
  maxJobs?: number;
  /** Sessions opened at once. Default 8. */
  concurrency?: number;
}

export interface JobSession {
  /** As in the job's `file_location`: an s3:// URI or an absolute path. */
  location: string;
  format: NwbFormat;
  subjectId: string;
  sessionId: string;
  /** `/session_start_time` as stored (ISO 8601 with offset). */
  startTime: string;
  /** YYYY-MM-DD of the start time. */
  date: string;
  /** Read only where a same-day duplicate had to be settled. */
  finishedTrials?: number;
}

export interface CreatedJob {
  /** `job_<subject>.json`, with a suffix when a mouse has several jobs. */
  fileName: string;
  subjectId: string;
  job: AnalysisDispatchJobInput;
  /** The file's exact text. */
  text: string;
  /** In start-time order. */
  sessions: JobSession[];
}

export interface FileNote {
  path: string;
  reason: string;
}

export interface CreateJobsResult {
  /** Sorted by file name. */
  jobs: CreatedJob[];
  /** Files that look like sessions (or records / assets that should hold them) but cannot be used. */
  skipped: FileNote[];
  /** Usable sessions or records that an option or rule left out (subjects, dates, duplicates, ...). */
  excluded: FileNote[];
  /** Files that are neither HDF5 nor a Zarr folder (sidecar JSON, videos, ...). */
  ignored: string[];
}

/** A data asset: a top-level folder under the location, or one metadata record. */
export interface Asset {
  location: string;
  name: string;
  recordId?: string;
  /** The job's `group_metadata` (subject from the record; from the file for locations). */
  group?: Record<string, unknown>;
}

export type Notes = Omit<CreateJobsResult, 'jobs'>;
