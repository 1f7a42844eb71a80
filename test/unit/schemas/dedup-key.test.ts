import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveParameters } from '../../../src/schemas/analysis-spec.js';
import { canonicalJson } from '../../../src/schemas/canonical-json.js';
import {
  computeDedupKey,
  dedupKeyMaterial,
  workflowIdFor,
  type DedupKeyInput,
} from '../../../src/schemas/dedup-key.js';
import {
  ALIGNMENT_EVENTS,
  DATA_COLUMNS,
  FITTED_MODELS,
  PLOT_TYPES,
  groupedPhotometrySpec,
} from '../../../src/analyses/grouped-photometry/spec.js';
import { parseJob } from '../../../src/schemas/job.js';
import { expandJobs, parseParameters } from '../../../src/schemas/parameters.js';

const fixture = (name: string): string =>
  readFileSync(new URL(`../../fixtures/jobs/${name}`, import.meta.url), 'utf8');

const CODE = '0.1.0+git.0123456789abcdef0123456789abcdef01234567';
// Pinned: changing it means every existing record's key changes. Bump DEDUP_KEY_VERSION or
// the analysis version deliberately, then update this value and docs/dedup-key.md together.
const FIXTURE_KEY = 'eb58f4f2714d2c16f3ff71a3f1c1434425bbdd0924a08cdc0b53fe98519f4e02';

function fixtureInput(): DedupKeyInput {
  const job = parseJob(fixture('job-grouped.json'), 'job-grouped.json');
  const params = parseParameters(fixture('analysis_parameters.single.json'), 'p.json');
  const [expanded] = expandJobs(groupedPhotometrySpec, [{ file: 'j', parsed: job }], { file: 'p', parameters: params });
  return {
    analysisName: groupedPhotometrySpec.name,
    analysisVersion: groupedPhotometrySpec.version,
    codeVersion: CODE,
    inputLocations: expanded.job.s3_location,
    fileLocations: expanded.job.file_location,
    parameters: expanded.parameters,
  };
}

const resolved = (values: Record<string, unknown>): Record<string, unknown> =>
  resolveParameters(groupedPhotometrySpec, [{ file: 'p', path: [], values }]).parameters;

const baseInput = (parameters: Record<string, unknown>, over: Partial<DedupKeyInput> = {}): DedupKeyInput => ({
  analysisName: 'grouped-analysis',
  analysisVersion: '1.0.0',
  codeVersion: CODE,
  inputLocations: ['s3://bucket-a/behavior_697062_2023-11-14_11-12-44'],
  fileLocations: null,
  parameters,
  ...over,
});

// Valid values for every grouped-analysis parameter.
const window = fc
  .tuple(fc.double({ min: -10, max: 10, noNaN: true }), fc.double({ min: -10, max: 10, noNaN: true }))
  .filter(([a, b]) => a < b);
const fieldArbs = {
  analysis_tag: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,8}$/),
  channels: fc.dictionary(fc.stringMatching(/^(G|R|Iso)_[0-9]{1,2}$/), fc.string({ minLength: 1, maxLength: 8 }), {
    minKeys: 1,
    maxKeys: 3,
  }),
  plot_types: fc.shuffledSubarray([...PLOT_TYPES], { minLength: 1 }),
  last_N_sess: fc.integer({ min: 1, max: 50 }),
  fitted_model: fc.constantFrom(...FITTED_MODELS),
  fit_source: fc.constantFrom('fit', 's3://fits-bucket/697062.json', '/data/fits.json'),
  fit_seed: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
  preprocessing: fc.constantFrom('raw', 'dff-bright_mc-iso-IRLS', 'dff-exp_mc-iso-IRLS'),
  alignment_event: fc.constantFrom(...ALIGNMENT_EVENTS),
  data_column: fc.constantFrom(...DATA_COLUMNS),
  signal_window_s: window,
  psth_window_s: window,
  baseline_window_s: window,
} as const;
type Field = keyof typeof fieldArbs;
const FIELDS = Object.keys(fieldArbs) as Field[];
// Any subset of the optional fields, always with channels (required).
const partialParams = fc.record(fieldArbs, { requiredKeys: ['channels'] });

const s3Location = fc
  .tuple(fc.constantFrom('bucket-a', 'bucket-b'), fc.stringMatching(/^[a-z0-9_-]{1,12}$/))
  .map(([b, k]) => `s3://${b}/${k}`);

// JSON text with every integer written as "<n>.0", as Python's json.dumps writes floats.
function jsonWithPointZero(v: unknown): string {
  if (typeof v === 'number') return Number.isInteger(v) && Math.abs(v) < 1e21 ? `${v}.0` : JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(jsonWithPointZero).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}:${jsonWithPointZero(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

// Small seeded PRNG so each property run shuffles differently but reproducibly.
function mulberry32(seed: number): () => number {
  let t = seed >>> 0;
  return () => {
    t = (t + 0x6d2b79f5) >>> 0;
    let r = Math.imul(t ^ (t >>> 15), 1 | t);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

// Rebuilds every object with its keys inserted in a random order.
function shuffleDeep(value: unknown, random: () => number): unknown {
  if (Array.isArray(value)) return value.map((v) => shuffleDeep(v, random));
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    for (let i = entries.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [entries[i], entries[j]] = [entries[j], entries[i]];
    }
    return Object.fromEntries(entries.map(([k, v]) => [k, shuffleDeep(v, random)]));
  }
  return value;
}

describe('dedup key', () => {
  it('is pinned for the fixture job', () => {
    expect(computeDedupKey(fixtureInput())).toBe(FIXTURE_KEY);
  });

  it('is what the Python snippet in docs/dedup-key.md computes', () => {
    const doc = readFileSync(new URL('../../../docs/dedup-key.md', import.meta.url), 'utf8');
    const snippet = /```python\n(import hashlib[\s\S]*?)```/.exec(doc)?.[1];
    expect(snippet, 'python snippet in docs/dedup-key.md').toBeDefined();
    expect(doc).toContain(FIXTURE_KEY);
    // The fixture, plus random JSON values (unicode strings, any doubles) to cross-check JCS itself.
    const values = fc.sample(fc.jsonValue({ stringUnit: 'grapheme', maxDepth: 3 }), { numRuns: 300, seed: 42 });
    const input = fixtureInput();
    const driver = `${snippet}
import sys
data = json.loads(sys.stdin.read())
f = data["fixture"]
print(json.dumps({
    "key": dedup_key(f["analysisName"], f["analysisVersion"], f["codeVersion"], f["inputLocations"], f["fileLocations"], f["parameters"]),
    "python_key": dedup_key(f["analysisName"], f["analysisVersion"], f["codeVersion"], f["inputLocations"], f["fileLocations"], f["parameters"], "0.2.0+src.0123456789ab"),
    "canonical": [canonical_json(v) for v in data["values"]],
}))
`;
    const out = execFileSync('python3', ['-c', driver], {
      input: JSON.stringify({ fixture: input, values }),
      encoding: 'utf8',
    });
    const result = JSON.parse(out) as { key: string; python_key: string; canonical: string[] };
    expect(result.key).toBe(FIXTURE_KEY);
    expect(result.python_key).toBe(computeDedupKey({ ...input, analysisCodeVersion: '0.2.0+src.0123456789ab' }));
    expect(result.canonical).toEqual(values.map((v) => canonicalJson(v)));
  });

  it('hashes a Python analysis\'s own code version, and only then', () => {
    const ts = baseInput({ a: 1 });
    expect(dedupKeyMaterial(ts)).not.toHaveProperty('analysis_code_version');
    const py = { ...ts, analysisCodeVersion: '0.2.0+src.0123456789ab' };
    expect(dedupKeyMaterial(py)).toMatchObject({ analysis_code_version: '0.2.0+src.0123456789ab' });
    expect(computeDedupKey(py)).not.toBe(computeDedupKey(ts));
    expect(computeDedupKey({ ...py, analysisCodeVersion: '0.2.0+src.ba9876543210' })).not.toBe(computeDedupKey(py));
    expect(() => computeDedupKey({ ...py, analysisCodeVersion: 'latest' })).toThrow(/code version/);
  });

  it('hashes exactly the documented material', () => {
    const material = dedupKeyMaterial(baseInput({ a: 1 }, { inputLocations: ['s3://b-2/x/', 's3://b-1/y', 's3://b-2/x'] }));
    expect(material).toEqual({
      analysis_name: 'grouped-analysis',
      analysis_version: '1.0.0',
      code_version: CODE,
      dedup_key_version: 1,
      file_locations: [],
      input_locations: ['s3://b-1/y', 's3://b-2/x'],
      parameters: { a: 1 },
    });
  });

  it('refuses an invalid code version or location instead of hashing it', () => {
    expect(() => computeDedupKey(baseInput({}, { codeVersion: 'unknown' }))).toThrow();
    expect(() => computeDedupKey(baseInput({}, { inputLocations: ['../x'] }))).toThrow(/"\.\."/);
  });

  it('does not depend on the order or repetition of locations', () => {
    const permuted = (min: number) =>
      fc
        .array(s3Location, { minLength: min, maxLength: 6 })
        .chain((xs) =>
          fc.tuple(fc.constant(xs), fc.shuffledSubarray(xs, { minLength: xs.length, maxLength: xs.length }), fc.subarray(xs)),
        );
    fc.assert(
      fc.property(permuted(1), permuted(0), ([inputs, inputsShuffled, inputRepeats], [files, filesShuffled, fileRepeats]) => {
        const a = computeDedupKey(baseInput({ p: 1 }, { inputLocations: inputs, fileLocations: files.length ? files : null }));
        const b = computeDedupKey(
          baseInput({ p: 1 }, { inputLocations: [...inputsShuffled, ...inputRepeats], fileLocations: [...filesShuffled, ...fileRepeats] }),
        );
        expect(b).toBe(a);
      }),
    );
  });

  it('does not depend on key order anywhere in the parameters', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 3 })), fc.integer(), (params, seed) => {
        const shuffled = shuffleDeep(params, mulberry32(seed)) as Record<string, unknown>;
        expect(computeDedupKey(baseInput(shuffled))).toBe(computeDedupKey(baseInput(params)));
      }),
    );
  });

  it('gives the same key for omitted and explicit defaults, and for 1 vs 1.0', () => {
    fc.assert(
      fc.property(partialParams, (given) => {
        const full = resolved(given);
        const keyGiven = computeDedupKey(baseInput(resolved(given)));
        expect(computeDedupKey(baseInput(resolved(full)))).toBe(keyGiven);
        // Integers written with a ".0" (as Python writes floats) parse to the same numbers.
        const withPointZero = JSON.parse(jsonWithPointZero(given)) as Record<string, unknown>;
        expect(computeDedupKey(baseInput(resolved(withPointZero)))).toBe(keyGiven);
      }),
    );
  });

  it('changes when any single parameter changes its (resolved) value', () => {
    fc.assert(
      fc.property(
        partialParams,
        fc.constantFrom(...FIELDS).chain((field) => fc.tuple(fc.constant(field), fieldArbs[field] as fc.Arbitrary<unknown>)),
        (given, [field, value]) => {
          const before = resolved(given);
          const after = resolved({ ...given, [field]: value });
          const same = canonicalJson(before) === canonicalJson(after);
          expect(computeDedupKey(baseInput(after)) === computeDedupKey(baseInput(before))).toBe(same);
        },
      ),
    );
  });

  it('changes when any leaf of arbitrary parameters changes', () => {
    // Scalars and empty containers, by path.
    const leafPaths = (v: unknown, at: (string | number)[] = []): (string | number)[][] => {
      const children: [string | number, unknown][] = Array.isArray(v)
        ? v.map((x, i) => [i, x])
        : v !== null && typeof v === 'object'
          ? Object.entries(v)
          : [];
      return children.length === 0 ? [at] : children.flatMap(([k, x]) => leafPaths(x, [...at, k]));
    };
    fc.assert(
      fc.property(
        fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 3 }), { minKeys: 1 }),
        fc.nat(),
        fc.jsonValue({ maxDepth: 1 }),
        (params, pick, replacement) => {
          const paths = leafPaths(params);
          const path = paths[pick % paths.length];
          const changed = structuredClone(params) as Record<string, unknown>;
          let parent: Record<string | number, unknown> = changed;
          for (const seg of path.slice(0, -1)) parent = parent[seg] as Record<string | number, unknown>;
          parent[path[path.length - 1]] = replacement;
          const same = canonicalJson(changed) === canonicalJson(params);
          expect(computeDedupKey(baseInput(changed)) === computeDedupKey(baseInput(params))).toBe(same);
        },
      ),
    );
  });

  it('changes with the analysis name or version, the code version or any location', () => {
    const base = computeDedupKey(baseInput({ a: 1 }));
    const variants: Partial<DedupKeyInput>[] = [
      { analysisName: 'foraging-summary' },
      { analysisVersion: '1.0.1' },
      { codeVersion: '0.1.0+git.1123456789abcdef0123456789abcdef01234567' },
      { inputLocations: ['s3://bucket-a/behavior_697062_2023-11-14_11-12-45'] },
      { inputLocations: ['s3://bucket-a/behavior_697062_2023-11-14_11-12-44', 's3://bucket-a/other'] },
      { fileLocations: ['s3://bucket-a/behavior_697062_2023-11-14_11-12-44/a.nwb'] },
    ];
    const keys = variants.map((v) => computeDedupKey(baseInput({ a: 1 }, v)));
    expect(new Set([base, ...keys]).size).toBe(variants.length + 1);
    // An input location and the same string as a file location are different material.
    expect(
      computeDedupKey(baseInput({}, { inputLocations: ['s3://bucket-a/x'], fileLocations: ['s3://bucket-a/y'] })),
    ).not.toBe(computeDedupKey(baseInput({}, { inputLocations: ['s3://bucket-a/y'], fileLocations: ['s3://bucket-a/x'] })));
  });
});

describe('workflowIdFor', () => {
  it('is <analysis>/<subject>/<tag>/<first 20 hex>', () => {
    expect(workflowIdFor({ analysisName: 'grouped-analysis', subjectId: '697062', analysisTag: 'V1', key: FIXTURE_KEY })).toBe(
      'grouped-analysis/697062/V1/eb58f4f2714d2c16f3ff',
    );
    expect(workflowIdFor({ analysisName: 'foraging-summary', subjectId: '1', analysisTag: 'default', key: FIXTURE_KEY })).toMatch(
      /^foraging-summary\/1\/default\//,
    );
  });

  it('refuses parts that would make the ID ambiguous', () => {
    const ok = { analysisName: 'grouped-analysis', subjectId: '697062', analysisTag: 'V1', key: FIXTURE_KEY };
    expect(() => workflowIdFor({ ...ok, subjectId: 'a/b' })).toThrow(/subject/);
    expect(() => workflowIdFor({ ...ok, analysisTag: 'x/y' })).toThrow(/tag/);
    expect(() => workflowIdFor({ ...ok, analysisName: 'Grouped Analysis' })).toThrow(/analysis name/);
    expect(() => workflowIdFor({ ...ok, key: 'abc' })).toThrow();
  });
});
