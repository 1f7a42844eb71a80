/**
 * Errors raised while opening or reading an NWB session.
 *
 * Every problem found in a file (corrupt, truncated, not NWB, wrong task, missing columns) is a
 * property of the file, so retrying cannot help: `retryable` is always false and the workflow
 * layer turns these into non-retryable activity failures.
 */

export type NwbErrorCode =
  | 'not-found'
  | 'not-nwb'
  | 'corrupt'
  | 'truncated'
  | 'missing-field'
  | 'wrong-task'
  /** The trial data fails the reference's sanity checks (rewards, choices, ids, dates). */
  | 'inconsistent'
  | 'unsupported';

export interface NwbErrorDetails {
  /** The file, folder or URI being read, as the user named it. */
  readonly file: string;
  /** The path inside the NWB file, or the column name, that is missing or broken. */
  readonly field?: string;
  /** What the user can do about it. */
  readonly hint: string;
  readonly cause?: unknown;
}

export class NwbError extends Error {
  override readonly name = 'NwbError';
  readonly code: NwbErrorCode;
  readonly file: string;
  readonly field: string | undefined;
  readonly hint: string;
  readonly retryable = false as const;

  constructor(code: NwbErrorCode, message: string, details: NwbErrorDetails) {
    const where = details.field === undefined ? details.file : `${details.file} (${details.field})`;
    super(`${where}: ${message}. ${details.hint}`, { cause: details.cause });
    this.code = code;
    this.file = details.file;
    this.field = details.field;
    this.hint = details.hint;
  }
}

export function isNwbError(err: unknown): err is NwbError {
  return err instanceof NwbError;
}
