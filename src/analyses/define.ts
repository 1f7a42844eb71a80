// The analysis plugin API. A plugin declares its parameters (zod), what it reads from each
// session, a pure per-session stage (cacheable, small JSON partial out) and a group stage
// (partials in, files and a summary out). Workflow, activities, dispatcher, records and CLI are
// generic over it: adding an analysis touches only its folder and one registry line.
import type { z } from 'zod';
import type { BlobCache } from '../figures/index.js';
import type { SessionReadRequest, LoadedSession } from '../nwb/session.js';
import type { AnalysisParameterSpec, SpecOutputBase } from '../schemas/analysis-spec.js';
import type { Body } from '../stores/object-store.js';

export interface AnalysisContext {
  subjectId: string;
  /** Contents of the files `resources(spec)` named, by location (read by the activity). */
  resources?: Readonly<Record<string, Uint8Array>>;
  /** Non-fatal problems end up in the record and the run summary. */
  warn(message: string): void;
  /** Kept between runs (in the object store): e.g. figure rows already drawn. */
  cache?: BlobCache;
  /**
   * Stores an output at once (large ones: figures) instead of returning it in
   * GroupOutput.files, so a group step never holds all its outputs. Without it, return them.
   * Writes may overlap; outputs are listed in the order of the calls.
   */
  write?(file: OutputFile): Promise<void>;
}

/** One output file, relative to the run's output prefix (e.g. `figures/avg_signal_697062.svg`). */
export interface OutputFile {
  name: string;
  contentType: string;
  /** Bytes, text (UTF-8), or bytes in parts stored in order (e.g. a PNG as its strips), as ObjectStore.put takes them. */
  body: Body;
}

export interface SessionPartialInput<P> {
  /** The session's URI, for messages and tables. */
  uri: string;
  partial: P;
  /**
   * Names the partial's content where known (its cache key: the session's fingerprint, the
   * per-session parameters, the code version): figure rows drawn from it alone are cached under it.
   */
  id?: string;
}

/**
 * What the per-session stage returns: a small partial (per-trial scalars, aggregates; cached and
 * passed to the group stage) and optional per-session files (e.g. the session's Parquet tables),
 * which are stored once and copied into the run's outputs without passing through the group.
 */
export interface SessionOutput<Partial> {
  partial: Partial;
  files?: OutputFile[];
}

export interface GroupOutput<Summary> {
  files: OutputFile[];
  summary: Summary;
}

export interface AnalysisDefinition<Spec extends z.ZodType<SpecOutputBase>, Partial, Summary> {
  /**
   * Name (registry key, `analysis_name` value, workflow-ID prefix), version (bump when results
   * change: part of the dedup key and the partial cache key) and the parameters' zod schema
   * with defaults and descriptions (validation, JSON Schema, --help).
   */
  parameters: AnalysisParameterSpec<Spec>;
  title: string;
  description: string;
  /** Shape of the run summary (`summary.json`, the record's summary). */
  summary: z.ZodType<Summary>;
  /** Figure files the group stage writes, for docs and the report. */
  figures: { name: string; description: string }[];
  /** What the loader must read from each session (nothing else is read). */
  sessionRequest(spec: z.output<Spec>): SessionReadRequest;
  /**
   * Other input files the stages need (e.g. fitted model parameters), as locations (s3:// or
   * local). The activity reads them (small files) and their content is part of the cache key.
   */
  resources?(spec: z.output<Spec>): string[];
  perSession: {
    /** The parameters that change the per-session result: part of the partial's cache key. */
    cacheParameters(spec: z.output<Spec>): unknown;
    run(session: LoadedSession, spec: z.output<Spec>, ctx: AnalysisContext): SessionOutput<Partial>;
  };
  group(sessions: SessionPartialInput<Partial>[], spec: z.output<Spec>, ctx: AnalysisContext): Promise<GroupOutput<Summary>>;
  /**
   * Set for an analysis whose stages run on a worker of another language (external.ts): the
   * workflow schedules its session and group steps on `taskQueue`, and its `codeVersion` is
   * hashed into the dedup key and names its cached partials.
   */
  servedBy?: { language: 'python'; languageVersion: string; taskQueue: string; codeVersion: string; mode: 'job' | 'session-group'; entry: string };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyAnalysis = AnalysisDefinition<z.ZodType<SpecOutputBase>, any, any>;

/**
 * Thrown by a plugin for input it cannot use (a malformed parameter file, a session missing what
 * the analysis needs): the run fails at once, naming `file`, instead of being retried.
 */
export class AnalysisInputError extends Error {
  override name = 'AnalysisInputError';
  constructor(
    message: string,
    readonly file?: string,
  ) {
    super(message);
  }
}

/** Identity function that checks a plugin definition at compile time. */
export function defineAnalysis<Spec extends z.ZodType<SpecOutputBase>, Partial, Summary>(
  def: AnalysisDefinition<Spec, Partial, Summary>,
): AnalysisDefinition<Spec, Partial, Summary> {
  return def;
}
