import { z } from 'zod';
import { closest } from './analysis-spec.js';
import { didYouMean, issuesFromZod, toJsonPath, ValidationError, type PathSegment } from './errors.js';
import { StorableJsonObject } from './json-values.js';
import { parseJsonText } from './json-text.js';
import { checkLocation, locationBasename } from './locations.js';

const LocationString = z
  .string()
  .meta({ examples: ['s3://my-bucket/behavior_697062_2023-11-14_11-12-44', '/data/sessions/697062'] })
  .transform((raw, ctx) => {
    const checked = checkLocation(raw);
    if (!checked.ok) {
      ctx.addIssue({ code: 'custom', message: checked.message, params: { fix: checked.fix, code: checked.code } });
      return z.NEVER;
    }
    return checked.normalized;
  });

const NonEmptyString = z.string().min(1);

/** Subject ids end up in workflow IDs and object keys, so they must be plain tokens. */
export const SUBJECT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/**
 * The lab's job file (`AnalysisDispatchModel`), field names as upstream so existing `job_dict/`
 * folders parse unchanged. The schema itself lets other fields through; `validateJob` refuses
 * them (a misspelt `distributed_parameters` would otherwise be dropped without a word), or with
 * `allowUnknownFields` ignores them with a warning each.
 */
export const AnalysisDispatchModel = z
  .looseObject({
    s3_location: z
      .array(LocationString)
      .min(1)
      .describe(
        'Location of each data asset to analyse: s3://bucket/prefix, or in local mode a path or file:// URI.',
      ),
    docdb_record_id: z
      .array(NonEmptyString)
      .optional()
      .describe('Metadata-database record id of each asset (same order and length as s3_location).'),
    asset_id: z
      .array(NonEmptyString)
      .optional()
      .describe('Data asset id of each asset (older job files; same length as s3_location).'),
    asset_name: z
      .array(NonEmptyString)
      .optional()
      .describe(
        'Data asset name of each asset, e.g. behavior_697062_2023-11-14_11-12-44 (same length as s3_location).',
      ),
    file_location: z
      .array(LocationString)
      .min(1)
      .nullable()
      .optional()
      .describe('Full location of each NWB file inside the assets; null lets the reader find them.'),
    distributed_parameters: StorableJsonObject.nullable()
      .optional()
      .describe('Analysis parameters for this job; they override analysis_parameters.json values.'),
    group_metadata: z
      .record(z.string(), z.unknown())
      .nullable()
      .optional()
      .describe('Shared metadata of a grouped job, e.g. {"subject.subject_id": "697062"}.'),
    query: z.string().nullable().optional().describe('The metadata query that selected the assets.'),
    analysis_code: z
      .record(z.string(), z.unknown())
      .nullable()
      .optional()
      .describe('Code record written by the upstream dispatcher (kept for provenance, not used).'),
  })
  .superRefine((job, ctx) => {
    const n = job.s3_location.length;
    for (const field of ['docdb_record_id', 'asset_id', 'asset_name'] as const) {
      const list = job[field];
      if (list !== undefined && list.length !== n) {
        ctx.addIssue({
          code: 'custom',
          path: [field],
          message: `has ${list.length} entries but s3_location has ${n}`,
          params: { fix: `give exactly one ${field} per s3_location entry, in the same order (or omit ${field})`, code: 'job.lengths_differ' },
        });
      }
    }
    const kinds = new Set(
      [...job.s3_location, ...(job.file_location ?? [])].map((loc) =>
        loc.startsWith('s3://') ? 's3' : 'local',
      ),
    );
    if (kinds.size > 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['s3_location'],
        message: 'mixes s3:// and local locations',
        params: { fix: 'use only s3:// URIs, or only local paths, within one job', code: 'job.mixed_location_kinds' },
      });
    }
    const conflict = subjectConflict(job);
    if (conflict) {
      ctx.addIssue({
        code: 'custom',
        path: conflict.path,
        message: conflict.message,
        params: { fix: 'one job analyses one mouse: split the assets into one job per subject', code: 'job.mixed_subjects' },
      });
    }
    const bad = subjectCandidates(job).find((c) => !SUBJECT_ID_PATTERN.test(c.subject));
    if (bad) {
      ctx.addIssue({
        code: 'custom',
        path: bad.path,
        message: `subject id "${bad.subject}" is not a plain token (letters, digits, ".", "_", "-")`,
        params: { fix: 'correct the subject id', code: 'job.bad_subject_id' },
      });
    }
  })
  .describe('One analysis job: the data assets of one mouse (the lab\'s AnalysisDispatchModel).');

export type AnalysisDispatchJob = z.output<typeof AnalysisDispatchModel>;
export type AnalysisDispatchJobInput = z.input<typeof AnalysisDispatchModel>;

export const KNOWN_JOB_FIELDS: ReadonlySet<string> = new Set(Object.keys(AnalysisDispatchModel.shape));
const KNOWN_JOB_FIELD_LIST = [...KNOWN_JOB_FIELDS];

/** Asset names `behavior_<subject>_<date>_<time>[_...]` and `<subject>_<date>_<time>[_...|.nwb]`. */
const ASSET_NAME = /^(?:behavior_)?([^_/]+)_(\d{4}-\d{2}-\d{2})_(\d{2}-\d{2}-\d{2})(?:[_.].*)?$/;

export function subjectFromAssetName(name: string): string | undefined {
  return ASSET_NAME.exec(name)?.[1];
}

interface SubjectCandidate {
  subject: string;
  path: PathSegment[];
}

function subjectFromGroupMetadata(meta: Record<string, unknown>): SubjectCandidate | undefined {
  const nested = meta.subject;
  const options: [unknown, PathSegment[]][] = [
    [meta['subject.subject_id'], ['group_metadata', 'subject.subject_id']],
    [meta.subject_id, ['group_metadata', 'subject_id']],
    [
      nested !== null && typeof nested === 'object' ? (nested as Record<string, unknown>).subject_id : undefined,
      ['group_metadata', 'subject', 'subject_id'],
    ],
  ];
  for (const [value, path] of options) {
    if (typeof value === 'string' && value.length > 0) return { subject: value, path };
    if (typeof value === 'number' && Number.isSafeInteger(value)) return { subject: String(value), path };
  }
  return undefined;
}

// Every place the job states or implies a subject: group metadata, then each asset's name
// (the asset_name field, else the last segment of its location, which is the asset name in
// the lab's bucket layout).
function subjectCandidates(job: AnalysisDispatchJob): SubjectCandidate[] {
  const out: SubjectCandidate[] = [];
  const fromMeta = job.group_metadata ? subjectFromGroupMetadata(job.group_metadata) : undefined;
  if (fromMeta) out.push(fromMeta);
  const names = job.asset_name ?? job.s3_location.map(locationBasename);
  const field = job.asset_name ? 'asset_name' : 's3_location';
  names.forEach((name, i) => {
    const subject = subjectFromAssetName(name);
    if (subject !== undefined) out.push({ subject, path: [field, i] });
  });
  return out;
}

function subjectConflict(job: AnalysisDispatchJob): { path: PathSegment[]; message: string } | undefined {
  const candidates = subjectCandidates(job);
  const first = candidates[0];
  const other = candidates.find((c) => c.subject !== first?.subject);
  if (!first || !other) return undefined;
  const subjects = [...new Set(candidates.map((c) => c.subject))];
  return {
    path: other.path,
    message: `belongs to subject "${other.subject}" but ${toJsonPath(first.path)} says "${first.subject}" (subjects in this job: ${subjects.join(', ')})`,
  };
}

/**
 * The job's subject id from its group metadata, else its asset names; `undefined` when neither
 * says, in which case the NWB files' `subject.subject_id` decides (read by the data layer).
 * Assumes a validated job (mixed subjects were already rejected).
 */
export function subjectIdOf(job: AnalysisDispatchJob): string | undefined {
  return subjectCandidates(job)[0]?.subject;
}

export interface ParsedJob {
  job: AnalysisDispatchJob;
  /** Subject from group metadata or asset names; undefined = read it from the NWB files. */
  subjectId: string | undefined;
  /** Non-fatal findings (unknown fields ignored, ...), each naming the file and path. */
  warnings: string[];
}

export interface JobParseOptions {
  /**
   * Ignore unknown top-level fields, with a warning each, instead of refusing the file (the
   * `--allow-unknown-fields` flag, for lab files that carry extras of their own).
   */
  allowUnknownFields?: boolean;
}

/** Validates an already-parsed job document. `file` names it in errors and warnings. */
export function validateJob(data: unknown, file: string, options: JobParseOptions = {}): ParsedJob {
  const isObject = data !== null && typeof data === 'object' && !Array.isArray(data);
  const entries = isObject ? Object.entries(data) : [];
  const unknown = entries.map(([k]) => k).filter((k) => !KNOWN_JOB_FIELDS.has(k));
  const issues = options.allowUnknownFields
    ? []
    : unknown.map((k) => ({
        code: 'value.unknown_field' as const,
        file,
        jsonPath: toJsonPath([k]),
        message: `unknown field "${k}"`,
        fix: `${didYouMean(closest(k, KNOWN_JOB_FIELD_LIST), `remove it (known fields: ${KNOWN_JOB_FIELD_LIST.join(', ')})`)}; dispatch --allow-unknown-fields ignores unknown fields instead`,
      }));
  const known = unknown.length > 0 ? Object.fromEntries(entries.filter(([k]) => KNOWN_JOB_FIELDS.has(k))) : data;
  const result = AnalysisDispatchModel.safeParse(known, { reportInput: true });
  if (!result.success || issues.length > 0) {
    throw new ValidationError([...issues, ...(result.success ? [] : issuesFromZod(result.error, file))]);
  }
  const job = result.data;
  const warnings = unknown.map((k) => {
    const guess = closest(k, KNOWN_JOB_FIELD_LIST);
    return `${file}: ${toJsonPath([k])}: unknown field ignored (--allow-unknown-fields)${guess ? `; did you mean "${guess}"?` : ''}`;
  });
  return { job, subjectId: subjectIdOf(job), warnings };
}

/** Parses and validates job-file text (size limit, JSON syntax with line/column, schema). */
export function parseJob(text: string, file: string, options: JobParseOptions = {}): ParsedJob {
  return validateJob(parseJsonText(text, file), file, options);
}
