/**
 * Where results, caches and session partials live: an S3 bucket/prefix or a local folder.
 * Keys are relative to the store's root and may never escape it.
 */
import { createHash } from 'node:crypto';

/**
 * What put stores: bytes, text (as UTF-8), or bytes in parts, stored one after another and never
 * joined here (a 100-row figure's PNG is its strips, not a copy of them as well).
 */
export type Body = Uint8Array | string | readonly Uint8Array[];

const isParts = (body: Body): body is readonly Uint8Array[] => typeof body !== 'string' && !(body instanceof Uint8Array);

/** A body's stored size in bytes. */
export function bodySize(body: Body): number {
  if (typeof body === 'string') return Buffer.byteLength(body, 'utf8');
  return isParts(body) ? body.reduce((n, p) => n + p.byteLength, 0) : body.byteLength;
}

/** Hex sha256 of a body's stored bytes. */
export function bodySha256(body: Body): string {
  const h = createHash('sha256');
  for (const part of isParts(body) ? body : [body]) h.update(part);
  return h.digest('hex');
}

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
  put(key: string, body: Body, opts?: PutOptions): Promise<StoredObject>;
  /** Streams a local file up (multipart on S3), for outputs too large to hold twice. */
  putFile(key: string, path: string, opts?: PutOptions): Promise<StoredObject>;
  /**
   * Copies an object within the store without passing its bytes through this process (S3
   * CopyObject, a local read-only hard link); the copy keeps the source's recorded sha256.
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
