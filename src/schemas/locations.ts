import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { IssueCode } from './errors.js';

/**
 * Data locations in job files: `s3://bucket/prefix` URIs, or (local mode) a path or `file://` URI.
 * Pure string handling: nothing here touches the file system.
 */
export type Location =
  | { kind: 's3'; bucket: string; key: string; uri: string }
  | { kind: 'local'; path: string };

export type LocationCheck =
  | { ok: true; location: Location; normalized: string }
  | { ok: false; code: IssueCode; message: string; fix: string };

// AWS bucket naming rules (3-63 chars, lowercase, digits, dots, hyphens, alphanumeric ends).
const S3_URI = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/;
const SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//;

export const LOCATION_EXAMPLES = 's3://my-bucket/behavior_697062_2023-11-14_11-12-44 or /data/sessions/697062';

/** Validates and normalises one location (trailing slashes dropped; `file://` becomes a path). */
export function checkLocation(raw: string): LocationCheck {
  if (raw.length === 0) {
    return { ok: false, code: 'location.invalid', message: 'location is empty', fix: `give a location such as ${LOCATION_EXAMPLES}` };
  }
  if (raw.trim() !== raw) {
    return { ok: false, code: 'location.invalid', message: 'location has leading or trailing spaces', fix: 'remove the spaces' };
  }
  if (raw.includes('\0')) {
    return { ok: false, code: 'location.invalid', message: 'location contains a NUL character', fix: 'remove it' };
  }
  const scheme = SCHEME.exec(raw)?.[1]?.toLowerCase();
  if (scheme === 's3') {
    const m = S3_URI.exec(raw);
    if (!m) {
      return {
        ok: false,
        code: 'location.invalid',
        message: `"${raw}" is not a valid s3:// URI (bucket names are 3-63 lowercase letters, digits, dots or hyphens)`,
        fix: 'write it as s3://bucket/prefix, e.g. s3://my-bucket/behavior_697062_2023-11-14_11-12-44',
      };
    }
    // Keys are opaque to S3, but HTTP stacks normalise ".." in request paths (some servers refuse it).
    if (hasDotDotSegment(m[2] ?? '', false)) return dotDot(raw);
    const bucket = m[1];
    const key = (m[2] ?? '').replace(/\/+$/, '');
    const uri = key ? `s3://${bucket}/${key}` : `s3://${bucket}`;
    return { ok: true, location: { kind: 's3', bucket, key, uri }, normalized: uri };
  }
  let localPath = raw;
  if (scheme === 'file') {
    // URL parsing resolves "..", even percent-encoded ones, so look before it does.
    if (hasDotDotSegment(raw.slice('file://'.length), true)) return dotDot(raw);
    try {
      localPath = fileURLToPath(raw);
    } catch {
      return {
        ok: false,
        code: 'location.invalid',
        message: `"${raw}" is not a valid file:// URI`,
        fix: 'use an absolute file URI (file:///data/sessions/697062) or a plain path',
      };
    }
  } else if (scheme !== undefined) {
    return {
      ok: false,
      code: 'location.invalid',
      message: `"${scheme}://" locations are not supported`,
      fix: 'use an s3:// URI, a file:// URI or a local path',
    };
  }
  if (hasDotDotSegment(localPath, false)) return dotDot(raw);
  const normalized = trimTrailingSlash(path.posix.normalize(localPath));
  return { ok: true, location: { kind: 'local', path: normalized }, normalized };
}

function hasDotDotSegment(p: string, percentEncoded: boolean): boolean {
  return p.split(/[\\/]/).some((segment) => {
    if (!percentEncoded) return segment === '..';
    try {
      return decodeURIComponent(segment) === '..';
    } catch {
      return false;
    }
  });
}

function dotDot(raw: string): LocationCheck {
  return {
    ok: false,
    code: 'location.traversal',
    message: `"${raw}" contains a ".." path segment`,
    fix: 'give the path without ".." (relative paths are resolved inside GA_DATA_ROOT)',
  };
}

function trimTrailingSlash(p: string): string {
  return p.length > 1 ? p.replace(/\/+$/, '') || '/' : p;
}

/** The last path segment of a location: the asset name in the lab's bucket layout. */
export function locationBasename(normalized: string): string {
  const withoutScheme = normalized.replace(/^s3:\/\/[^/]+\/?/, '');
  const parts = withoutScheme.split('/').filter((p) => p.length > 0);
  return parts[parts.length - 1] ?? '';
}

/**
 * Resolves a local location against the data root and refuses anything that ends up outside
 * it. (Symlinks inside the root are the operator's choice and are not followed here.)
 */
export function resolveLocalLocation(
  location: string,
  dataRoot: string,
): { ok: true; path: string } | { ok: false; message: string; fix: string } {
  const checked = checkLocation(location);
  if (!checked.ok) return checked;
  if (checked.location.kind !== 'local') {
    return { ok: false, message: `"${location}" is not a local location`, fix: 'give a path or file:// URI' };
  }
  const root = path.resolve(dataRoot);
  const resolved = path.resolve(root, checked.location.path);
  if (resolved !== root && !resolved.startsWith(root.endsWith(path.sep) ? root : root + path.sep)) {
    return {
      ok: false,
      message: `"${location}" is outside the data root ${root}`,
      fix: `move the data under ${root}, or set GA_DATA_ROOT to a folder that contains it`,
    };
  }
  return { ok: true, path: resolved };
}
