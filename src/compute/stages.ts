// The two CPU-heavy steps of an analysis run, as the session and group activities have them done:
// read a session, run the plugin's per-session stage, store its files and partial; read the
// partials, run the group stage, store its outputs. Plain functions of the stores, the reader and
// the registry (StageDeps), with progress reported through a callback instead of an activity
// heartbeat, so that they run alike on the worker's main thread (tests with in-memory stores) and
// in a compute thread (./pool.ts), where there is no activity context.
import { hash } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { DamagedPartialError, decodePartial, encodePartial } from '../analyses/codec.js';
import { AnalysisInputError, type AnalysisContext, type AnyAnalysis, type OutputFile, type SessionOutput } from '../analyses/define.js';
import { limiter, startInOrder } from '../concurrency.js';
import type { BlobCache } from '../figures/index.js';
import { collectGarbage } from '../memory.js';
import { isNwbError } from '../nwb/errors.js';
import type { LoadedSession, SessionReadRequest } from '../nwb/session.js';
import { canonicalJson } from '../schemas/canonical-json.js';
import { DedupKey } from '../schemas/dedup-key.js';
import { InputNotFoundError } from '../stores/inputs.js';
import { bodySize, ObjectNotFoundError, type Body, type ObjectStore } from '../stores/object-store.js';
import type { AnalysisWorkflowInput, OutputEntry, SessionRef, SessionResult } from '../workflows/analysis-types.js';

/** What the stages read and write through. */
export interface StageDeps {
  results: ObjectStore;
  getAnalysis(name: string): AnyAnalysis;
  loadSession(uri: string, request: SessionReadRequest): Promise<LoadedSession>;
  /** Reads a small input file named by an analysis's `resources` (parameters, lookup tables). */
  readResource(uri: string): Promise<Uint8Array>;
  codeVersion: string;
}

/** Where a stage is (heartbeat details): `{ stage: 'load', session }`, `{ stage: 'upload', done }`, ... */
export type Progress = (details: Record<string, unknown>) => void;

export interface AnalyzeSessionArgs {
  workflow: AnalysisWorkflowInput;
  session: SessionRef;
  /**
   * The resolver's key for the partial: what a worker of another language stores under. Here the
   * key is computed again, as histories recorded before the resolver named it require.
   */
  partialKey?: string;
}

export interface ComputeGroupArgs {
  workflow: AnalysisWorkflowInput;
  sessions: SessionRef[];
  partialKeys: string[];
}

export interface GroupResult {
  outputs: OutputEntry[];
  summary: unknown;
  /** The group stage's own warnings. */
  warnings: string[];
  /** Every session's warnings, in session order. Absent in histories recorded before it was. */
  sessionWarnings?: string[];
}

/** Runs the stages somewhere: in this thread (createStages) or in a compute thread (./pool.ts). */
export interface StageRunner {
  analyzeSession(args: AnalyzeSessionArgs, progress: Progress, signal?: AbortSignal): Promise<SessionResult>;
  computeGroup(args: ComputeGroupArgs, progress: Progress, signal?: AbortSignal): Promise<GroupResult>;
}

/** A session's cache entry: the partial, its stored files (as written), its warnings. */
interface CachedSession {
  partial: unknown;
  files: { name: string; size: number; sha256: string }[];
  warnings: string[];
}

/** Bad input: fail the workflow now, with the file named; never retried. */
export function invalidInput(message: string, file?: string): ApplicationFailure {
  return ApplicationFailure.create({ type: 'InvalidInput', message, nonRetryable: true, details: [{ file }] });
}

export function asInvalidInput(e: unknown): never {
  if (isNwbError(e)) throw invalidInput(e.message, e.file);
  if (e instanceof InputNotFoundError) throw invalidInput(e.message, e.location);
  if (e instanceof AnalysisInputError) throw invalidInput(e.message, e.file);
  throw e;
}

/** Bytes (or characters) from which a stored output counts as large (see computeGroup's write). */
const LARGE_OUTPUT = 4 * 2 ** 20;

// A session's cache entry is `<id>.partial` (codec.ts); its stored files sit under `<id>/`.
const PARTIAL_SUFFIX = '.partial';
const sessionFilesPrefix = (partialKey: string) => `${partialKey.slice(0, -PARTIAL_SUFFIX.length)}/`;

/** The stages over `deps`, and the lookups the resolver shares with them. */
export function createStages(deps: StageDeps) {
  // The key names the output prefix and the record: a malformed one (a run started by hand) is
  // refused for good wherever it is used, not retried as the object store's key check would be.
  const outputPrefix = (w: AnalysisWorkflowInput) => {
    if (!DedupKey.safeParse(w.dedupKey).success) {
      throw invalidInput(`dedup key ${JSON.stringify(w.dedupKey)} is not 64 lowercase hex digits; start runs with the dispatcher`);
    }
    return `${w.dedupKey}/`;
  };

  // An analysis this worker does not have (a run started by hand, a worker deployed without it)
  // is refused for good, naming the registered ones: looking again could not find it.
  const analysisNamed = (name: string): AnyAnalysis => {
    try {
      return deps.getAnalysis(name);
    } catch (e) {
      throw invalidInput(e instanceof Error ? e.message : String(e));
    }
  };

  const specOf = (w: AnalysisWorkflowInput) => {
    outputPrefix(w); // the key first: nothing is looked up for a run with a malformed one
    const def = analysisNamed(w.analysisName);
    const parsed = def.parameters.schema.safeParse(w.parameters);
    if (!parsed.success) {
      throw invalidInput(`parameters do not match ${def.parameters.name} ${def.parameters.version}: ${parsed.error.message}`);
    }
    return { def, spec: parsed.data };
  };
  type Spec = ReturnType<typeof specOf>['spec'];

  /** Refuses to run, in this process, the stages of an analysis another worker serves. */
  const localStages = (w: AnalysisWorkflowInput) => {
    const found = specOf(w);
    const served = found.def.servedBy;
    if (served) {
      throw invalidInput(
        `${w.analysisName} is served by the ${served.language} worker on task queue "${served.taskQueue}", but this run scheduled its stages here (its workflow input has no analysisTaskQueue): dispatch it again with this version's dispatcher`,
      );
    }
    return found;
  };

  // Content-addressed (the key hashes everything the bytes depend on, the code version included
  // where the code makes them), so it is shared by every run and mouse, and any entry may be
  // deleted at any time.
  const blobCache: BlobCache = {
    get: (key) =>
      deps.results.get(`_cache/blobs/${key}`).catch((e: unknown) => {
        if (e instanceof ObjectNotFoundError) return undefined;
        throw e;
      }),
    put: async (key, bytes) => {
      await deps.results.put(`_cache/blobs/${key}`, bytes, { contentType: 'application/octet-stream' });
    },
    codeVersion: deps.codeVersion,
  };

  const contextFor = (w: AnalysisWorkflowInput, warnings: string[], resources: Record<string, Uint8Array> = {}): AnalysisContext => ({
    subjectId: w.subjectId,
    resources,
    warn: (m) => warnings.push(m),
    cache: blobCache,
  });

  const resourcesOf = async (def: AnyAnalysis, spec: Spec): Promise<Record<string, Uint8Array>> => {
    const out: Record<string, Uint8Array> = {};
    for (const uri of def.resources?.(spec) ?? []) out[uri] = await deps.readResource(uri).catch(asInvalidInput);
    return out;
  };

  /** Where a session's partial is cached: its content, the parameters and resources it depends on, the code. */
  const partialKeyFor = (w: AnalysisWorkflowInput, def: AnyAnalysis, spec: Spec, resources: Record<string, Uint8Array>, session: SessionRef) => {
    const cacheId = hash(
      'sha256',
      canonicalJson({
        uri: session.uri,
        fingerprint: session.fingerprint,
        parameters: def.perSession.cacheParameters(spec) ?? null,
        // A changed resource file (new fits) must not reuse partials made from the old one.
        resources: Object.entries(resources).map(([uri, bytes]) => [uri, hash('sha256', bytes)]),
      }),
    );
    // An analysis served by another worker is made by its own code, whatever this worker runs.
    return `_cache/${def.parameters.name}/${def.parameters.version}/${w.analysisCodeVersion ?? deps.codeVersion}/${cacheId}${PARTIAL_SUFFIX}`;
  };

  /** `reuse: false` recomputes over a cached partial found damaged or incomplete. */
  const analyzeOneSession = async (w: AnalysisWorkflowInput, session: SessionRef, progress: Progress, reuse = true): Promise<SessionResult> => {
    const { def, spec } = localStages(w);
    const resources = await resourcesOf(def, spec);
    const partialKey = partialKeyFor(w, def, spec, resources, session);
    if (reuse && (await deps.results.head(partialKey))) return { partialKey, fromCache: true, warnings: [] };

    progress({ session: session.uri, stage: 'load' });
    const loaded = await deps.loadSession(session.uri, def.sessionRequest(spec)).catch(asInvalidInput);
    progress({ session: session.uri, stage: 'compute' });
    const warnings: string[] = [];
    let out: SessionOutput<unknown>;
    try {
      out = def.perSession.run(loaded, spec, contextFor(w, warnings, resources));
    } catch (e) {
      asInvalidInput(e);
    }
    // Per-session files go next to the partial; the group step copies them into the outputs.
    // Several at a time (their bytes are in memory already; on S3 each put is a round trip).
    const putting = limiter(4);
    const files: CachedSession['files'] = await Promise.all(
      (out.files ?? []).map((f) =>
        putting(async () => {
          const put = await deps.results.put(`${sessionFilesPrefix(partialKey)}${f.name}`, f.body, { contentType: f.contentType });
          progress({ session: session.uri, stage: 'store', file: f.name });
          return { name: f.name, size: put.size, sha256: put.sha256! };
        }),
      ),
    );
    // Written last: its presence means the session's files are all stored.
    await deps.results.put(partialKey, encodePartial({ partial: out.partial, files, warnings } satisfies CachedSession), {
      contentType: 'application/octet-stream',
    });
    return { partialKey, fromCache: false, warnings };
  };

  return {
    outputPrefix,
    specOf,
    resourcesOf,
    partialKeyFor,

    async analyzeSession(args: AnalyzeSessionArgs, progress: Progress): Promise<SessionResult> {
      const result = await analyzeOneSession(args.workflow, args.session, progress);
      // Here, once the session's data is out of scope, so the collection can free it.
      if (!result.fromCache) collectGarbage();
      return result;
    },

    async computeGroup(args: ComputeGroupArgs, progress: Progress): Promise<GroupResult> {
      const { workflow: w } = args;
      const { def, spec } = localStages(w);
      const inputs = [];
      const outputs: OutputEntry[] = [];
      // An output keeps its place in the listing (the order store is called in), however the
      // puts finish: several may run at once.
      const store = async (name: string, body: Body, contentType?: string) => {
        const at = outputs.push(undefined as unknown as OutputEntry) - 1;
        const put = await deps.results.put(outputPrefix(w) + name, body, { contentType });
        outputs[at] = { name, uri: deps.results.uri(put.key), size: put.size, sha256: put.sha256! };
        progress({ stage: 'upload', done: at + 1 });
      };
      // Partials are read several at a time (on S3 each read is a round trip), decoded as they
      // come; per-session files are copied within the store (the bytes never pass through the
      // worker), several at a time too, while the group stage computes and draws (awaited last).
      // A partial or one of its files that is gone or damaged (its entry deleted while this run
      // went on, or overwritten) is recomputed from its session, with a warning: retrying could
      // not mend it.
      const warnings: string[] = [];
      const limit = limiter(8);
      const oneAtATime = limiter(1); // a session's data in memory at a time, as in the session stage
      const read = async (key: string) => ({ key, cached: decodePartial<CachedSession>(await deps.results.get(key), deps.results.uri(key)) });
      const recompute = (i: number, problem: string) =>
        oneAtATime(async () => {
          warnings.push(`${problem}; recomputed from ${args.sessions[i].uri}`);
          return await read((await analyzeOneSession(w, args.sessions[i], progress, false)).partialKey);
        });
      const copyFiles = (key: string, cached: CachedSession) =>
        Promise.all(cached.files.map((f) => limit(() => deps.results.copy(`${sessionFilesPrefix(key)}${f.name}`, outputPrefix(w) + f.name))));
      const partials = startInOrder(args.partialKeys, limit, (key, i) =>
        read(key).catch((e: unknown) => {
          if (e instanceof DamagedPartialError || e instanceof ObjectNotFoundError) return recompute(i, e.message);
          throw e;
        }),
      );
      const copies: Promise<unknown>[] = [];
      const sessionWarnings: string[] = [];
      for (const i of args.partialKeys.keys()) {
        const { key, cached } = await partials[i];
        inputs.push({ uri: args.sessions[i].uri, partial: cached.partial, id: key });
        sessionWarnings.push(...cached.warnings);
        const copy = copyFiles(key, cached).catch(async (e: unknown) => {
          if (!(e instanceof ObjectNotFoundError)) throw e;
          const again = await recompute(i, e.message);
          await copyFiles(again.key, again.cached);
        });
        copy.catch(() => undefined); // reported by the Promise.all below, not as unhandled meanwhile
        copies.push(copy);
        for (const f of cached.files) outputs.push({ name: f.name, uri: deps.results.uri(outputPrefix(w) + f.name), size: f.size, sha256: f.sha256 });
        progress({ stage: 'copy', done: i + 1 });
      }
      progress({ stage: 'group' });
      const context = {
        ...contextFor(w, warnings, await resourcesOf(def, spec)),
        write: async (f: OutputFile) => {
          await store(f.name, f.body, f.contentType);
          // A large figure's bytes (and what made them) are garbage now: freed before the next
          // figure is drawn instead of piling onto its peak.
          if (bodySize(f.body) >= LARGE_OUTPUT) collectGarbage();
        },
      };
      const { files, summary } = await def.group(inputs, spec, context);
      await Promise.all(files.map((f) => limit(() => store(f.name, f.body, f.contentType))));
      await Promise.all(copies);
      // Every session's own warnings as its partial keeps them, cached or computed in this run
      // (a cached session's analyzeSession never ran, or ran in an earlier run).
      return { outputs, summary: def.summary.parse(summary) as unknown, warnings, sessionWarnings };
    },
  };
}
