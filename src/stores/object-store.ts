/**
 * Where results, caches and session partials live: an S3 bucket/prefix or a local folder.
 * Keys are relative to the store's root and may never escape it.
 */
export interface StoredObject {
  key: string;
  size: number;
  /** Hex sha256 of the content when known (we record it on every put). */
  sha256?: string;
  etag?: string;
  lastModified?: Date;
}

export interface PutOptions {
  contentType?: string;
  /** Fail with ObjectExistsError instead of overwriting (conditional write). */
  ifAbsent?: boolean;
}

export interface ObjectStore {
  /** Full URI of a key, for records and messages (s3://bucket/prefix/key or file:///dir/key). */
  uri(key: string): string;
  put(key: string, body: Uint8Array | string, opts?: PutOptions): Promise<StoredObject>;
  /** Streams a local file up (multipart on S3), for outputs too large to hold twice. */
  putFile(key: string, path: string, opts?: PutOptions): Promise<StoredObject>;
  /**
   * Copies an object within the store without passing its bytes through this process (S3
   * CopyObject, a local file copy); the copy keeps the source's recorded sha256.
   */
  copy(fromKey: string, toKey: string): Promise<void>;
  get(key: string): Promise<Uint8Array>;
  head(key: string): Promise<StoredObject | undefined>;
  list(prefix: string): AsyncIterable<StoredObject>;
  delete(key: string): Promise<void>;
}

export class ObjectNotFoundError extends Error {
  override name = 'ObjectNotFoundError';
  constructor(readonly uri: string) {
    super(`object not found: ${uri}`);
  }
}

export class ObjectExistsError extends Error {
  override name = 'ObjectExistsError';
  constructor(readonly uri: string) {
    super(`object already exists: ${uri}`);
  }
}

/** Rejects keys that could leave the store's root (a job may never touch other prefixes). */
export function checkKey(key: string): string {
  if (key === '' || key.startsWith('/') || key.includes('\\') || key.split('/').some((p) => p === '..' || p === '.')) {
    throw new Error(`invalid object key ${JSON.stringify(key)}: keys are relative, '/'-separated, without '.' or '..' parts`);
  }
  return key;
}

export function joinKey(...parts: string[]): string {
  return parts.filter((p) => p !== '').map((p) => p.replace(/^\/+|\/+$/g, '')).join('/');
}
