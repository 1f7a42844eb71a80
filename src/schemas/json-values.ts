import { z } from 'zod';
import type { IssueCode, PathSegment } from './errors.js';

/** A JSON object as parsed from a file: opaque to the generic layers. */
export type JsonObject = { [key: string]: unknown };

export interface JsonValueProblem {
  path: PathSegment[];
  code: IssueCode;
  message: string;
  fix: string;
}

/**
 * Problems that make a value unfit to be stored in MongoDB or hashed: `$`-prefixed or dotted
 * keys (operators / path separators in MongoDB) and numbers JSON cannot carry (1e400 parses
 * to Infinity).
 */
export function storableJsonProblems(value: unknown, at: PathSegment[] = []): JsonValueProblem[] {
  const out: JsonValueProblem[] = [];
  const walk = (v: unknown, p: PathSegment[]): void => {
    if (typeof v === 'number' && !Number.isFinite(v)) {
      out.push({ path: p, code: 'value.not_finite', message: `number ${v} is outside the range of a double`, fix: 'use a finite number' });
    } else if (Array.isArray(v)) {
      v.forEach((item, i) => walk(item, [...p, i]));
    } else if (v !== null && typeof v === 'object') {
      for (const [k, item] of Object.entries(v as JsonObject)) {
        if (k.startsWith('$')) {
          out.push({
            path: [...p, k],
            code: 'value.operator_key',
            message: `key "${k}" starts with "$", which MongoDB reads as an operator`,
            fix: `rename the key without the leading "$"`,
          });
        } else if (k.includes('.')) {
          out.push({
            path: [...p, k],
            code: 'value.dotted_key',
            message: `key "${k}" contains ".", which MongoDB reads as a path separator`,
            fix: `rename the key (e.g. "${k.replaceAll('.', '_')}") or nest it as an object`,
          });
        }
        walk(item, [...p, k]);
      }
    }
  };
  walk(value, at);
  return out;
}

/** A JSON object whose keys and numbers are safe to store and hash. */
export const StorableJsonObject = z
  .record(z.string(), z.unknown())
  .superRefine((value, ctx) => {
    for (const p of storableJsonProblems(value)) {
      ctx.addIssue({ code: 'custom', path: p.path, message: p.message, params: { fix: p.fix, code: p.code } });
    }
  });
