// Activities of the generic analysis workflow: thin adapters where the stores, the NWB reader
// and the analysis plugins meet. Each is idempotent (same inputs => same objects, record keyed
// by the dedup key), so Temporal may retry any of them after a crash or an outage.
import { hash } from 'node:crypto';
import { ApplicationFailure, Context, activityInfo } from '@temporalio/activity';
import { z } from 'zod';
import { limiter, startInOrder } from '../concurrency.js';
import { canonicalJson } from '../schemas/canonical-json.js';
import { DedupKey, workflowIdFor } from '../schemas/dedup-key.js';
import { toJsonPath } from '../schemas/errors.js';
import { DamagedPartialError, decodePartial, encodePartial } from '../analyses/codec.js';
import { AnalysisInputError, type AnalysisContext, type AnyAnalysis, type OutputFile, type SessionOutput } from '../analyses/define.js';
import type { LoadedSession, SessionReadRequest } from '../nwb/session.js';
import { isNwbError } from '../nwb/errors.js';
import { bodySize, ObjectNotFoundError, type Body, type ObjectStore } from '../stores/object-store.js';
import type { BlobCache } from '../figures/index.js';
import type { RecordStore } from '../stores/record-store.js';
import { InputNotFoundError } from '../stores/inputs.js';
import { REPORT_NAME, SESSIONS_TABLE } from '../report/outputs.js';
import { buildRunReport } from '../report/run-report.js';
import type {
  AnalysisWorkflowInput,
  AnalysisWorkflowResult,
  OutputEntry,
  SessionRef,
  SessionResult,
  StepTiming,
} from '../workflows/analysis-types.js';
import { collectGarbage } from '../memory.js';
import { buildProcessingRecord, type ProcessingRecord, type RecordArgs, type RecordError } from './record.js';

export interface AnalysisActivityDeps {
  results: ObjectStore;
  records: RecordStore<ProcessingRecord>;
  getAnalysis(name: string): AnyAnalysis;
  resolveSessionFiles(location: string): Promise<SessionRef[]>;
  loadSession(uri: string, request: SessionReadRequest): Promise<LoadedSession>;
  /** Reads a small input file named by an analysis's `resources` (parameters, lookup tables). */
  readResource(uri: string): Promise<Uint8Array>;
  codeVersion: string;
  workerIdentity: string;
  now(): Date;
}

/** A session's cache entry: the partial, its stored files (as written), its warnings. */
interface CachedSession {
  partial: unknown;
  files: { name: string; size: number; sha256: string }[];
  warnings: string[];
}

export type ResolveResult =
  | { kind: 'already-done'; result: AnalysisWorkflowResult }
  | {
      kind: 'resolved';
      sessions: SessionRef[];
      outputPrefix: string;
      warnings: string[];
      /**
       * Per session, the key of its partial if the cache already holds it (else null): the
       * workflow runs no session activity for those. Absent in histories recorded before it was.
       */
      cachedPartials?: (string | null)[];
      /**
       * Per session, the key its partial is (to be) stored under: a worker of another language
       * writes it there. Absent in histories recorded before it was.
       */
      partialKeys?: string[];
    };

export interface GroupResult {
  outputs: OutputEntry[];
  summary: unknown;
  /** The group stage's own warnings. */
  warnings: string[];
  /** Every session's warnings, in session order. Absent in histories recorded before it was. */
  sessionWarnings?: string[];
}

export interface WriteRecordArgs {
  workflow: AnalysisWorkflowInput;
  status: 'completed' | 'failed';
  sessions: SessionRef[];
  outputs: OutputEntry[];
  warnings: string[];
  timings: StepTiming[];
  startedAt: string;
  summary?: unknown;
  error?: RecordError;
}

/** Bad input: fail the workflow now, with the file named; never retried. */
export function invalidInput(message: string, file?: string): ApplicationFailure {
  return ApplicationFailure.create({ type: 'InvalidInput', message, nonRetryable: true, details: [{ file }] });
}

/**
 * The processing record of a run, or non-retryable bad input when the run's own input cannot make
 * a valid one (a run started by hand with a key that is not its input's, no locations): a retry
 * would build the same invalid record.
 */
function recordOf(a: RecordArgs): ProcessingRecord {
  try {
    return buildProcessingRecord(a);
  } catch (e) {
    if (!(e instanceof z.ZodError)) throw e;
    const problems = e.issues.map((i) => `${toJsonPath(i.path)}: ${i.message}`).join('; ');
    throw invalidInput(`this run's input cannot make a valid processing record (${problems}); start runs with the dispatcher`);
  }
}

function asInvalidInput(e: unknown): never {
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

function heartbeat(details?: unknown) {
  // Outside a real activity (unit tests call the functions directly) there is nothing to beat.
  try {
    Context.current().heartbeat(details);
  } catch {
    /* not in an activity context */
  }
}

/** Where this activity runs, for the record (unit tests call activities outside Temporal). */
function runContext(): { namespace?: string; taskQueue?: string; runId?: string } {
  try {
    const i = activityInfo();
    return { namespace: i.workflowNamespace, taskQueue: i.taskQueue, runId: i.workflowExecution?.runId };
  } catch {
    return {};
  }
}

export function createAnalysisActivities(deps: AnalysisActivityDeps) {
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

  /**
   * The language an analysis served by another worker is written in, for its record (none for an
   * analysis this worker does not know: its run's failure is still recorded).
   */
  const languageOf = (w: AnalysisWorkflowInput) => {
    let served: AnyAnalysis['servedBy'];
    try {
      served = deps.getAnalysis(w.analysisName).servedBy;
    } catch {
      return {};
    }
    return served ? { language: { name: 'Python' as const, version: served.languageVersion } } : {};
  };

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

  const resourcesOf = async (def: AnyAnalysis, spec: ReturnType<typeof specOf>['spec']): Promise<Record<string, Uint8Array>> => {
    const out: Record<string, Uint8Array> = {};
    for (const uri of def.resources?.(spec) ?? []) out[uri] = await deps.readResource(uri).catch(asInvalidInput);
    return out;
  };

  /** Where a session's partial is cached: its content, the parameters and resources it depends on, the code. */
  const partialKeyFor = (w: AnalysisWorkflowInput, def: AnyAnalysis, spec: ReturnType<typeof specOf>['spec'], resources: Record<string, Uint8Array>, session: SessionRef) => {
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
  const analyzeOneSession = async (w: AnalysisWorkflowInput, session: SessionRef, reuse = true): Promise<SessionResult> => {
    const { def, spec } = localStages(w);
    const resources = await resourcesOf(def, spec);
    const partialKey = partialKeyFor(w, def, spec, resources, session);
    if (reuse && (await deps.results.head(partialKey))) return { partialKey, fromCache: true, warnings: [] };

    heartbeat({ session: session.uri, stage: 'load' });
    const loaded = await deps.loadSession(session.uri, def.sessionRequest(spec)).catch(asInvalidInput);
    heartbeat({ session: session.uri, stage: 'compute' });
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
          heartbeat({ session: session.uri, stage: 'store', file: f.name });
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

  const alreadyDone = (w: AnalysisWorkflowInput, rec: ProcessingRecord): ResolveResult => ({
    kind: 'already-done',
    result: {
      status: 'already-done',
      dedupKey: w.dedupKey,
      recordId: rec._id,
      subjectId: w.subjectId,
      outputPrefix: deps.results.uri(outputPrefix(w)),
      sessions: rec.inputs.files.length,
      sessionsFromCache: 0,
      outputs: rec.outputs.length,
      warnings: rec.warnings,
    },
  });

  return {
    async resolveInputs(w: AnalysisWorkflowInput): Promise<ResolveResult> {
      if (w.codeVersion !== deps.codeVersion) {
        // Results must come from the code the key names; another worker may hold that version.
        throw ApplicationFailure.retryable(
          `this worker runs code ${deps.codeVersion} but the job was keyed for ${w.codeVersion}: run a worker of that version or dispatch again`,
          'CodeVersionMismatch',
        );
      }
      const { def, spec } = specOf(w); // unknown analysis or invalid parameters fail here, before any work
      const existing = await deps.records.get(w.dedupKey);
      if (existing?.status === 'completed') return alreadyDone(w, existing);

      // Locations are listed 8 at a time (on S3 each is a LIST or HEAD round trip; a job names
      // one per session asset), their sessions kept in job order, problems reported in that order.
      const locations = w.inputs.files?.length ? w.inputs.files : w.inputs.locations;
      const listing = limiter(8);
      const found = startInOrder(locations, listing, (loc) => {
        heartbeat({ stage: 'resolve', location: loc });
        return deps.resolveSessionFiles(loc);
      });
      const seen = new Set<string>();
      const sessions: SessionRef[] = [];
      for (const [i, loc] of locations.entries()) {
        const refs = await found[i].catch(asInvalidInput);
        if (refs.length === 0) throw invalidInput(`no NWB session files (*.nwb) under ${loc}`, loc);
        for (const r of refs) {
          if (seen.has(r.uri)) continue;
          seen.add(r.uri);
          sessions.push(r);
        }
      }

      // Resource files (fit_source) are read before the key is claimed: one that is not there is
      // refused with nothing left `running`.
      heartbeat({ stage: 'resources' });
      const resources = await resourcesOf(def, spec);

      // Claim the key with a 'running' record; a previous failed/crashed run's record is taken over.
      const running = recordOf({
        workflow: w,
        status: 'running',
        sessions,
        outputs: [],
        warnings: [],
        timings: [],
        startedAt: deps.now().toISOString(),
        codeVersion: deps.codeVersion,
        workerIdentity: deps.workerIdentity,
        outputLocation: deps.results.uri(outputPrefix(w)),
        ...languageOf(w),
        ...runContext(),
      });
      if ((await deps.records.insertIfAbsent(running)) === 'exists') {
        const current = await deps.records.get(w.dedupKey);
        if (current?.status === 'completed') return alreadyDone(w, current);
        if (current && current.temporal.run_id !== running.temporal.run_id) {
          await deps.records.replaceIf(running, 'status', current.status);
        }
      }
      // Sessions whose partials are cached need no activity of their own: an incremental run of a
      // mouse with N sessions schedules one session activity, not N (each a round trip through
      // the server and ~6 history events). Checked a few at a time (on S3 each is a request).
      heartbeat({ stage: 'cache' });
      const partialKeys = sessions.map((session) => partialKeyFor(w, def, spec, resources, session));
      const cachedPartials = await Promise.all(partialKeys.map((key) => listing(async () => ((await deps.results.head(key)) ? key : null))));
      return { kind: 'resolved', sessions, outputPrefix: deps.results.uri(outputPrefix(w)), warnings: [], cachedPartials, partialKeys };
    },

    // partialKey (the resolver's) is what a worker of another language stores under; here the
    // key is computed again, as histories recorded before the resolver named it require.
    async analyzeSession(args: { workflow: AnalysisWorkflowInput; session: SessionRef; partialKey?: string }): Promise<SessionResult> {
      const result = await analyzeOneSession(args.workflow, args.session);
      // Here, once the session's data is out of scope, so the collection can free it.
      if (!result.fromCache) collectGarbage();
      return result;
    },

    async computeGroup(args: { workflow: AnalysisWorkflowInput; sessions: SessionRef[]; partialKeys: string[] }): Promise<GroupResult> {
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
        heartbeat({ stage: 'upload', done: at + 1 });
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
          return await read((await analyzeOneSession(w, args.sessions[i], false)).partialKey);
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
        heartbeat({ stage: 'copy', done: i + 1 });
      }
      heartbeat({ stage: 'group' });
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

    async publishResults(args: {
      workflow: AnalysisWorkflowInput;
      outputs: OutputEntry[];
      // What the report shows beyond the outputs; absent parts are shown as not recorded.
      sessions?: SessionRef[];
      timings?: StepTiming[];
      warnings?: string[];
    }): Promise<OutputEntry[]> {
      const w = args.workflow;
      const prefix = outputPrefix(w);
      // Verify every output as stored before the record makes the run count as complete: 16 at a
      // time, since on S3 each is a round trip (one after another, a 20-session mouse's 83
      // outputs took 1.3 s at 15 ms a request), reported in output order.
      const heads = startInOrder(args.outputs, limiter(16), (o) => deps.results.head(prefix + o.name));
      for (const [i, o] of args.outputs.entries()) {
        heartbeat({ stage: 'verify', output: o.name });
        const head = await heads[i];
        if (!head || head.size !== o.size || (head.sha256 && head.sha256 !== o.sha256)) {
          throw new Error(`output ${o.uri} is missing or differs from what was written (size ${head?.size} vs ${o.size})`);
        }
      }
      const put = async (name: string, body: string, contentType: string): Promise<OutputEntry> => {
        const stored = await deps.results.put(prefix + name, body, { contentType });
        return { name, uri: deps.results.uri(stored.key), size: stored.size, sha256: stored.sha256! };
      };
      const hasSessions = args.outputs.some((o) => o.name === SESSIONS_TABLE);
      const report = await put(
        REPORT_NAME,
        buildRunReport({
          dedupKey: w.dedupKey,
          workflowId: workflowIdFor({ analysisName: w.analysisName, subjectId: w.subjectId, analysisTag: w.analysisTag, key: w.dedupKey }),
          subjectId: w.subjectId,
          analysis: { name: w.analysisName, version: w.analysisVersion, tag: w.analysisTag, ...(w.analysisCodeVersion ? { codeVersion: w.analysisCodeVersion } : {}) },
          codeVersion: w.codeVersion,
          parameters: w.parameters,
          inputs: { locations: w.inputs.locations, files: w.inputs.files ?? [], sessions: args.sessions },
          timings: args.timings ?? [],
          warnings: args.warnings ?? [],
          outputs: args.outputs,
          sessionsCsv: hasSessions ? new TextDecoder().decode(await deps.results.get(prefix + SESSIONS_TABLE)) : undefined,
        }),
        'text/html; charset=utf-8',
      );
      const published = [...args.outputs, report];
      const manifest = await put('manifest.json', JSON.stringify({ dedup_key: w.dedupKey, outputs: published }, null, 2), 'application/json');
      return [...published, manifest];
    },

    async writeRecord(a: WriteRecordArgs): Promise<void> {
      const record = recordOf({
        ...a,
        endedAt: deps.now().toISOString(),
        // A failure is recorded under the code version its key names, whichever worker writes it
        // (a run refused for a code version mismatch is recorded by a worker of another version).
        codeVersion: a.status === 'failed' ? a.workflow.codeVersion : deps.codeVersion,
        workerIdentity: deps.workerIdentity,
        outputLocation: deps.results.uri(outputPrefix(a.workflow)),
        ...languageOf(a.workflow),
        ...runContext(),
      });
      if (await deps.records.replaceIf(record, 'status', 'running')) return;
      const current = await deps.records.get(record._id);
      // A retry after a write whose reply was lost, or a run another dispatcher completed: done.
      if (current?.status === 'completed') return;
      if (!current) {
        await deps.records.insertIfAbsent(record);
        return;
      }
      // A failed record may be replaced by this run's outcome; a completed one never is.
      await deps.records.replaceIf(record, 'status', current.status);
    },
  };
}

export type AnalysisActivities = ReturnType<typeof createAnalysisActivities>;
