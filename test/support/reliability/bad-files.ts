// Generated bad job and parameter files (fast-check), one category per line of issue 8's list:
// wrong types, missing fields, huge arrays, deep nesting, non-UTF-8 bytes, `$`/`.` keys, `..`
// paths, URIs to other buckets than configured, empty files. Each case breaks exactly one of the
// two files; the other stays valid, so the error must name the broken one.
import fc from 'fast-check';
import { BUCKET } from './env.js';

export type Target = 'job' | 'params';

export interface BadCase {
  category: string;
  target: Target;
  bytes: Uint8Array;
  /** The other file, valid. */
  other: Uint8Array;
}

const SUBJECT = '700001';
const LOCATION = `s3://${BUCKET}/inputs/${SUBJECT}/behavior_${SUBJECT}_2025-03-03_10-00-00.nwb`;
export const GOOD_JOB = { s3_location: [LOCATION], group_metadata: { 'subject.subject_id': SUBJECT } };
export const GOOD_PARAMS = { analysis_parameter: { analysis_name: 'foraging-summary', analysis_tag: 'fuzz' } };

const enc = (v: unknown): Uint8Array => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));
const bad = (category: string, target: Target, bytes: Uint8Array): BadCase => ({ category, target, bytes, other: enc(target === 'job' ? GOOD_PARAMS : GOOD_JOB) });

const isPlainObject = (v: unknown) => v !== null && typeof v === 'object' && !Array.isArray(v);
const anyJson = fc.oneof(
  fc.integer(),
  // Finite: JSON.stringify writes NaN and Infinity as null, which some fields accept.
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
  fc.string({ maxLength: 12 }),
  fc.array(fc.integer(), { minLength: 1, maxLength: 4 }),
  fc.array(fc.string({ maxLength: 6 }), { minLength: 0, maxLength: 4 }),
  fc.dictionary(fc.string({ maxLength: 6 }), fc.integer(), { minKeys: 1, maxKeys: 3 }),
);

// A value that the field's schema refuses, whatever else the job says.
const JOB_FIELD_INVALID: Record<string, (v: unknown) => boolean> = {
  s3_location: (v) => !(Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string')),
  asset_name: (v) => !(Array.isArray(v) && v.length === 1 && v.every((x) => typeof x === 'string')),
  docdb_record_id: (v) => !(Array.isArray(v) && v.length === 1 && v.every((x) => typeof x === 'string' && x.length > 0)),
  asset_id: (v) => !(Array.isArray(v) && v.length === 1 && v.every((x) => typeof x === 'string' && x.length > 0)),
  file_location: (v) => v !== null && !(Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string')),
  group_metadata: (v) => v !== null && !isPlainObject(v),
  distributed_parameters: (v) => v !== null && !isPlainObject(v),
  query: (v) => v !== null && typeof v !== 'string',
  analysis_code: (v) => v !== null && !isPlainObject(v),
};

const wrongTypeJob = fc
  .constantFrom(...Object.keys(JOB_FIELD_INVALID))
  .chain((field) => anyJson.filter(JOB_FIELD_INVALID[field]).map((value) => ({ field, value })))
  .map(({ field, value }) => bad(`wrong type (job.${field})`, 'job', enc({ ...GOOD_JOB, [field]: value })));

const wrongTypeParams = fc.oneof(
  anyJson.filter((v) => !isPlainObject(v)).map((v) => bad('wrong type (analysis_parameter)', 'params', enc({ analysis_parameter: v }))),
  anyJson
    .filter((v) => typeof v !== 'string')
    .map((v) => bad('wrong type (analysis_tag)', 'params', enc({ analysis_parameter: { ...GOOD_PARAMS.analysis_parameter, analysis_tag: v } }))),
  fc
    .oneof(fc.double(), fc.integer({ min: -1e9, max: -1 }), fc.integer({ min: 100_001 }), fc.string())
    .filter((v) => !(typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 100_000))
    .map((v) => bad('wrong type (min_finished_trials)', 'params', enc({ analysis_parameter: { ...GOOD_PARAMS.analysis_parameter, min_finished_trials: v } }))),
);

const missingFields = fc.oneof(
  fc
    .subarray(['asset_name', 'group_metadata', 'query', 'file_location'] as const)
    .map((keep) => bad('missing field (s3_location)', 'job', enc(Object.fromEntries(keep.map((k) => [k, k === 'asset_name' ? ['behavior_700001_2025-03-03_10-00-00'] : k === 'group_metadata' ? GOOD_JOB.group_metadata : k === 'query' ? 'q' : [LOCATION]]))))),
  fc.constant(bad('missing field (parameter set)', 'params', enc({}))),
);

const hugeArrays = fc.oneof(
  // Over the 1 MiB limit.
  fc.integer({ min: 20_000, max: 60_000 }).map((n) => bad('huge array (s3_location > 1 MiB)', 'job', enc({ ...GOOD_JOB, s3_location: Array.from({ length: n }, (_, i) => `${LOCATION}-${i}`) }))),
  // Under it, but one per location is required.
  fc.integer({ min: 2_000, max: 10_000 }).map((n) => bad('huge array (asset_name, wrong length)', 'job', enc({ ...GOOD_JOB, asset_name: Array.from({ length: n }, (_, i) => `asset-${i}`) }))),
  fc.integer({ min: 2_000, max: 50_000 }).map((n) => bad('huge array (unknown parameter)', 'params', enc({ analysis_parameter: { ...GOOD_PARAMS.analysis_parameter, extra: Array.from({ length: n }, (_, i) => i) } }))),
);

// Built as text: JSON.stringify would itself recurse.
const nested = (depth: number, open: string, close: string, leaf: string) => open.repeat(depth) + leaf + close.repeat(depth);
const deepNesting = fc
  .tuple(fc.integer({ min: 65, max: 200_000 }), fc.constantFrom('distributed_parameters', 'group_metadata', 's3_location', 'analysis_parameter'))
  .map(([depth, where]) => {
    if (where === 'analysis_parameter') return bad(`deep nesting (${where})`, 'params', enc(`{"analysis_parameter": {"analysis_tag": "fuzz", "x": ${nested(depth, '{"a":', '}', '1')}}}`));
    if (where === 's3_location') return bad(`deep nesting (${where})`, 'job', enc(`{"s3_location": ${nested(depth, '[', ']', `"${LOCATION}"`)}}`));
    return bad(`deep nesting (${where})`, 'job', enc(`{"s3_location": ["${LOCATION}"], "${where}": ${nested(depth, '{"a":', '}', '1')}}`));
  });

const INVALID_UTF8 = [[0xff], [0xfe, 0xff], [0xc0, 0xaf], [0x80], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xc3, 0x28], [0xe2, 0x82]];
const nonUtf8 = fc
  .tuple(fc.constantFrom<Target>('job', 'params'), fc.constantFrom(...INVALID_UTF8), fc.double({ min: 0, max: 1, noNaN: true }))
  .map(([target, seq, at]) => {
    const good = enc(target === 'job' ? GOOD_JOB : GOOD_PARAMS);
    const i = Math.min(good.length, Math.floor(at * good.length));
    return bad('non-UTF-8 bytes', target, Uint8Array.from([...good.subarray(0, i), ...seq, ...good.subarray(i)]));
  });

const mongoKey = fc.oneof(fc.string({ maxLength: 8 }).map((s) => `$${s}`), fc.tuple(fc.string({ maxLength: 6 }), fc.string({ maxLength: 6 })).map(([a, b]) => `${a}.${b}`));
const inside = (key: string, depth: number): Record<string, unknown> => {
  let v: Record<string, unknown> = { [key]: 1 };
  for (let d = 1; d < depth; d++) v = { nested: v };
  return v;
};
const mongoKeys = fc.tuple(mongoKey, fc.integer({ min: 1, max: 5 }), fc.constantFrom('analysis_parameter', 'fixed_parameters', 'distributed_parameters', 'job')).map(([key, depth, where]) => {
  const category = `$/. key (${where})`;
  const v = depth === 1 ? { [key]: 1 } : { extra: inside(key, depth - 1) };
  if (where === 'job') return bad(category, 'job', enc({ ...GOOD_JOB, distributed_parameters: v }));
  if (where === 'analysis_parameter') return bad(category, 'params', enc({ analysis_parameter: { ...GOOD_PARAMS.analysis_parameter, ...v } }));
  if (where === 'fixed_parameters') return bad(category, 'params', enc({ fixed_parameters: { ...GOOD_PARAMS.analysis_parameter, ...v } }));
  return bad(category, 'params', enc({ distributed_parameters: [GOOD_PARAMS.analysis_parameter, { ...GOOD_PARAMS.analysis_parameter, ...v }] }));
});

const segment = fc.stringMatching(/^[A-Za-z0-9_-]{1,8}$/);
const dotDot = fc
  .tuple(fc.array(segment, { minLength: 0, maxLength: 3 }), fc.array(segment, { minLength: 1, maxLength: 3 }), fc.constantFrom('local', 'file', 'file-encoded', 's3', 'file_location'))
  .map(([before, after, form]) => {
    const rel = [...before, '..', ...after].join('/');
    const loc =
      form === 'local'
        ? `/data/${rel}`
        : form === 'file'
          ? `file:///data/${rel}`
          : form === 'file-encoded'
            ? `file:///data/${[...before, '%2E%2E', ...after].join('/')}`
            : `s3://${BUCKET}/${rel}`;
    const job = form === 'file_location' ? { ...GOOD_JOB, file_location: [`s3://${BUCKET}/inputs/${rel}.nwb`] } : { ...GOOD_JOB, s3_location: [loc] };
    return bad(`.. path (${form})`, 'job', enc(job));
  });

const otherBucket = fc
  .tuple(fc.stringMatching(/^[a-z0-9][a-z0-9-]{1,20}[a-z0-9]$/).filter((b) => b !== BUCKET), fc.boolean())
  .map(([bucket, asFile]) =>
    bad('URI in another bucket', 'job', enc(asFile ? { ...GOOD_JOB, file_location: [`s3://${bucket}/x/session.nwb`] } : { ...GOOD_JOB, s3_location: [`s3://${bucket}/inputs/${SUBJECT}/behavior_${SUBJECT}_2025-03-03_10-00-00.nwb`] })),
  );

const emptyFiles = fc
  .tuple(fc.constantFrom<Target>('job', 'params'), fc.constantFrom('', ' ', '\n\t \r\n', 'null', '[]', '""', '0', '{}', '\uFEFF'))
  .map(([target, text]) => bad(`empty file (${JSON.stringify(text)})`, target, enc(text)));

export const badFile: fc.Arbitrary<BadCase> = fc.oneof(
  wrongTypeJob,
  wrongTypeParams,
  missingFields,
  hugeArrays,
  deepNesting,
  nonUtf8,
  mongoKeys,
  dotDot,
  otherBucket,
  emptyFiles,
);
