import { hash } from 'node:crypto';
import { z } from 'zod';
import { ANALYSIS_NAME_PATTERN, ANALYSIS_TAG_PATTERN } from './analysis-spec.js';
import { canonicalJson } from './canonical-json.js';
import { CodeVersion } from './code-version.js';
import { SUBJECT_ID_PATTERN } from './job.js';
import { checkLocation } from './locations.js';

/** Part of the hashed material, so a future change of the rule cannot collide with old keys. */
export const DEDUP_KEY_VERSION = 1;

export const DedupKey = z
  .string()
  .regex(/^[0-9a-f]{64}$/, { error: 'a dedup key is 64 lowercase hex digits (sha256)' })
  .describe('sha256 of the RFC 8785 canonical JSON of the key material (docs/dedup-key.md).');
export type DedupKey = z.output<typeof DedupKey>;

export interface DedupKeyInput {
  analysisName: string;
  analysisVersion: string;
  codeVersion: string;
  /** Code version of an analysis served by another worker (Python); absent for TypeScript ones. */
  analysisCodeVersion?: string;
  /** The job's `s3_location` entries (order and repeats do not matter). */
  inputLocations: readonly string[];
  /** The job's `file_location` entries, if any (order and repeats do not matter). */
  fileLocations?: readonly string[] | null;
  /** The analysis parameters with every default filled in (opaque JSON to this layer). */
  parameters: Record<string, unknown>;
}

/** The object that is canonicalised and hashed; stored nowhere, recomputable from a record. */
export function dedupKeyMaterial(input: DedupKeyInput): Record<string, unknown> {
  CodeVersion.parse(input.codeVersion);
  if (input.analysisCodeVersion !== undefined) CodeVersion.parse(input.analysisCodeVersion);
  return {
    // Only when there is one, so the keys of TypeScript analyses stay what they were.
    ...(input.analysisCodeVersion !== undefined ? { analysis_code_version: input.analysisCodeVersion } : {}),
    analysis_name: input.analysisName,
    analysis_version: input.analysisVersion,
    code_version: input.codeVersion,
    dedup_key_version: DEDUP_KEY_VERSION,
    file_locations: normalizedSet(input.fileLocations ?? []),
    input_locations: normalizedSet(input.inputLocations),
    parameters: input.parameters,
  };
}

function normalizedSet(locations: readonly string[]): string[] {
  const normalized = locations.map((loc) => {
    const checked = checkLocation(loc);
    if (!checked.ok) throw new TypeError(`dedup key: ${checked.message}`);
    return checked.normalized;
  });
  // Default sort = UTF-16 code units, the same order RFC 8785 uses for keys.
  return [...new Set(normalized)].sort();
}

export function computeDedupKey(input: DedupKeyInput): DedupKey {
  return hash('sha256', canonicalJson(dedupKeyMaterial(input)));
}

/** Characters of the key shown in workflow IDs: 80 bits, ample for one subject and tag. */
export const WORKFLOW_ID_KEY_CHARS = 20;

/** `<analysis name>/<subject>/<analysis tag>/<first 20 hex of the key>` */
export function workflowIdFor(parts: {
  analysisName: string;
  subjectId: string;
  analysisTag: string;
  key: string;
}): string {
  const { analysisName, subjectId, analysisTag, key } = parts;
  if (!ANALYSIS_NAME_PATTERN.test(analysisName)) throw new TypeError(`bad analysis name "${analysisName}"`);
  if (!SUBJECT_ID_PATTERN.test(subjectId)) throw new TypeError(`bad subject id "${subjectId}"`);
  if (!ANALYSIS_TAG_PATTERN.test(analysisTag)) throw new TypeError(`bad analysis tag "${analysisTag}"`);
  DedupKey.parse(key);
  return `${analysisName}/${subjectId}/${analysisTag}/${key.slice(0, WORKFLOW_ID_KEY_CHARS)}`;
}
