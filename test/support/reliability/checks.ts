// The invariants every scenario ends with, checked against the real servers:
//   every workflow closed as expected (completed, or failed non-retryably naming the bad file),
//   exactly one execution per workflow ID and one record per dedup key (no extra records),
//   every output a record lists exists with the recorded size and sha256 (content hashed here),
//   no object under the results prefix outside a record's outputs except the `_cache/` prefix,
//   no activity retried without bound.
import { createHash } from 'node:crypto';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { WorkflowFailedError, type Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { Db } from 'mongodb';
import { BUCKET } from './env.js';

const EventType = temporal.api.enums.v1.EventType;

export interface Expected {
  workflowId: string;
  dedupKey: string;
  /**
   * `completed`, or the file (name) the non-retryable InvalidInput failure must name. A run
   * started by hand whose input cannot make a valid record (its key is not its input's) and is
   * refused while resolving has none (`noRecord`).
   */
  outcome: 'completed' | { invalidInput: string; noRecord?: true };
}

export interface Verdict {
  workflows: number;
  completed: number;
  failedAsExpected: number;
  recordsExpected: number;
  recordsActual: number;
  lostOutputs: number;
  duplicates: number;
  orphans: number;
  /** Activity attempts beyond the first, over all workflows (visible retries). */
  retries: number;
  maxAttempt: number;
  /** Every violated invariant, one line each; empty = all held. */
  problems: string[];
}

export interface VerifyContext {
  client: Client;
  s3: S3Client;
  db: Db;
  /** Results prefix inside BUCKET, e.g. `results/worker-crashes` (no trailing slash). */
  resultsPrefix: string;
  /** How long workflows may still take to close. */
  closeTimeoutMs: number;
}

/** Retry policy bound (src/workflows/analysis.ts): more attempts than this = unbounded retry. */
const MAX_ATTEMPTS = 40;

export async function waitClosed(client: Client, ids: string[], timeoutMs: number): Promise<Map<string, string>> {
  const deadline = Date.now() + timeoutMs;
  const status = new Map<string, string>();
  for (;;) {
    for (const id of ids) {
      if (status.has(id) && status.get(id) !== 'RUNNING') continue;
      const d = await client.workflow.getHandle(id).describe().catch(() => undefined);
      status.set(id, d?.status.name ?? 'UNKNOWN');
    }
    const open = ids.filter((id) => status.get(id) === 'RUNNING' || status.get(id) === 'UNKNOWN');
    if (open.length === 0 || Date.now() > deadline) return status;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

export interface ActivityStart {
  type: string;
  activityId: string;
  attempt: number;
  /** The worker that ran this attempt (`<pid>@<host>` for ours). */
  identity: string;
}

/** Activity attempts as recorded in history (the attempt of each started activity, and its worker). */
export async function activityAttempts(client: Client, workflowId: string): Promise<ActivityStart[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const scheduled = new Map<number, { type: string; activityId: string }>();
  const out: ActivityStart[] = [];
  for (const e of history.events ?? []) {
    if (e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) {
      const s = e.activityTaskScheduledEventAttributes;
      scheduled.set(Number(e.eventId), { type: s?.activityType?.name ?? '?', activityId: s?.activityId ?? '?' });
    }
    if (e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED) {
      const a = e.activityTaskStartedEventAttributes!;
      const s = scheduled.get(Number(a.scheduledEventId)) ?? { type: '?', activityId: '?' };
      out.push({ ...s, attempt: a.attempt ?? 1, identity: a.identity ?? '' });
    }
  }
  return out;
}

async function executionsOf(client: Client, workflowId: string): Promise<string[]> {
  // Visibility is eventually consistent: wait (bounded) until the closed run is listed.
  for (let i = 0; ; i++) {
    const runs: string[] = [];
    for await (const w of client.workflow.list({ query: `WorkflowId = "${workflowId}"` })) runs.push(w.runId);
    if (runs.length > 0 || i >= 20) return runs;
    await new Promise((r) => setTimeout(r, 500));
  }
}

export async function listKeys(s3: S3Client, prefix: string, bucket = BUCKET): Promise<{ key: string; size: number }[]> {
  const out: { key: string; size: number }[] = [];
  let ContinuationToken: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken }));
    for (const o of page.Contents ?? []) out.push({ key: o.Key!, size: o.Size ?? 0 });
    ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (ContinuationToken);
  return out;
}

export async function getBytes(s3: S3Client, key: string, bucket = BUCKET): Promise<Uint8Array | undefined> {
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return await out.Body!.transformToByteArray();
  } catch (e) {
    if ((e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return undefined;
    throw e;
  }
}

interface RecordDoc {
  _id: string;
  status: string;
  name: string;
  temporal: { run_id: string };
  outputs: { uri: string; size: number; sha256: string }[];
  error: { message: string; file: string | null } | null;
}

export async function verify(ctx: VerifyContext, expected: Expected[]): Promise<Verdict> {
  const problems: string[] = [];
  const v: Verdict = {
    workflows: expected.length,
    completed: 0,
    failedAsExpected: 0,
    recordsExpected: expected.filter((e) => e.outcome === 'completed' || !e.outcome.noRecord).length,
    recordsActual: 0,
    lostOutputs: 0,
    duplicates: 0,
    orphans: 0,
    retries: 0,
    maxAttempt: 0,
    problems,
  };
  const status = await waitClosed(ctx.client, expected.map((e) => e.workflowId), ctx.closeTimeoutMs);

  for (const e of expected) {
    const st = status.get(e.workflowId);
    const handle = ctx.client.workflow.getHandle(e.workflowId);
    if (e.outcome === 'completed') {
      if (st !== 'COMPLETED') problems.push(`${e.workflowId}: ${st}, expected COMPLETED`);
      else {
        const r = (await handle.result()) as { status: string; dedupKey: string };
        if (r.status === 'completed' && r.dedupKey === e.dedupKey) v.completed++;
        else problems.push(`${e.workflowId}: result ${JSON.stringify(r)}`);
      }
    } else {
      const err = st === 'FAILED' ? await handle.result().catch((x: unknown) => x) : undefined;
      const app = err instanceof WorkflowFailedError ? (err.cause as { cause?: { type?: string; message?: string; nonRetryable?: boolean } }).cause : undefined;
      if (st !== 'FAILED') problems.push(`${e.workflowId}: ${st}, expected FAILED (InvalidInput)`);
      else if (app?.type !== 'InvalidInput' || !app.nonRetryable || !app.message?.includes(e.outcome.invalidInput)) {
        problems.push(`${e.workflowId}: failure ${JSON.stringify({ type: app?.type, nonRetryable: app?.nonRetryable, message: app?.message })} does not name ${e.outcome.invalidInput} as non-retryable InvalidInput`);
      } else v.failedAsExpected++;
    }

    const runs = await executionsOf(ctx.client, e.workflowId);
    if (runs.length !== 1) {
      problems.push(`${e.workflowId}: ${runs.length} executions, expected 1`);
      v.duplicates += Math.max(0, runs.length - 1);
    }
    for (const a of await activityAttempts(ctx.client, e.workflowId)) {
      v.retries += a.attempt - 1;
      v.maxAttempt = Math.max(v.maxAttempt, a.attempt);
      if (a.attempt >= MAX_ATTEMPTS) problems.push(`${e.workflowId}: ${a.type} reached attempt ${a.attempt}`);
      if (e.outcome !== 'completed' && a.type === 'analyzeSession' && a.attempt > 1) {
        problems.push(`${e.workflowId}: bad input retried (${a.type} attempt ${a.attempt})`);
      }
    }
  }

  // Records: exactly the expected keys, each once, in the expected state.
  const docs = (await ctx.db.collection('processing_records').find({}).toArray()) as unknown as RecordDoc[];
  v.recordsActual = docs.length;
  const byKey = new Map<string, RecordDoc[]>();
  for (const d of docs) byKey.set(d._id, [...(byKey.get(d._id) ?? []), d]);
  const wanted = new Set(expected.map((e) => e.dedupKey));
  for (const d of docs) {
    if (!wanted.has(d._id)) {
      problems.push(`record ${d._id} (${d.name}) belongs to no dispatched job`);
      v.duplicates++;
    }
  }
  const prefix = `${ctx.resultsPrefix}/`;
  const listed = new Set<string>();
  for (const e of expected) {
    const recs = byKey.get(e.dedupKey) ?? [];
    if (e.outcome !== 'completed' && e.outcome.noRecord) {
      if (recs.length) problems.push(`${e.workflowId}: refused before claiming its key, yet ${recs.length} record(s) exist`);
      continue;
    }
    if (recs.length !== 1) {
      problems.push(`${e.workflowId}: ${recs.length} records for key ${e.dedupKey}`);
      v.duplicates += Math.max(0, recs.length - 1);
      continue;
    }
    const rec = recs[0];
    const want = e.outcome === 'completed' ? 'completed' : 'failed';
    if (rec.status !== want) problems.push(`${e.workflowId}: record status ${rec.status}, expected ${want}`);
    const desc = await ctx.client.workflow.getHandle(e.workflowId).describe().catch(() => undefined);
    if (desc && rec.temporal.run_id !== desc.runId) problems.push(`${e.workflowId}: record names run ${rec.temporal.run_id}, the execution is ${desc.runId}`);
    if (e.outcome !== 'completed' && !rec.error?.file?.includes(e.outcome.invalidInput)) {
      problems.push(`${e.workflowId}: failed record's error.file ${JSON.stringify(rec.error?.file)} does not name ${e.outcome.invalidInput}`);
    }
    for (const o of rec.outputs) {
      const key = o.uri.slice(`s3://${BUCKET}/`.length);
      listed.add(key);
      const body = o.uri.startsWith(`s3://${BUCKET}/${prefix}`) ? await getBytes(ctx.s3, key) : undefined;
      const sha = body && createHash('sha256').update(body).digest('hex');
      if (!body || body.byteLength !== o.size || sha !== o.sha256) {
        v.lostOutputs++;
        problems.push(`${e.workflowId}: output ${o.uri} ${body ? `has ${body.byteLength} bytes / ${sha}` : 'is missing'}, record says ${o.size} / ${o.sha256}`);
      }
    }
    if (rec.status === 'completed' && rec.outputs.length === 0) problems.push(`${e.workflowId}: completed record lists no outputs`);
  }

  // Objects: under a record's prefix only what the record lists; elsewhere only the cache.
  for (const o of await listKeys(ctx.s3, prefix)) {
    const rel = o.key.slice(prefix.length);
    if (rel.startsWith('_cache/') || listed.has(o.key)) continue;
    v.orphans++;
    problems.push(`orphan object s3://${BUCKET}/${o.key}`);
  }
  return v;
}

/**
 * The workflows among `ids` still running, and the activities started and not yet closed in
 * them; with `workerPid`, only those whose current attempt runs on that worker process (a killed
 * worker's attempts stay "started" until their heartbeat times out).
 */
export async function liveActivities(
  client: Client,
  ids: string[],
  workerPid?: number,
): Promise<{ open: string[]; activities: string[]; running: { workflowId: string; activityId: string }[] }> {
  const open: string[] = [];
  const activities: string[] = [];
  const running: { workflowId: string; activityId: string }[] = [];
  for (const id of ids) {
    const d = await client.workflow.getHandle(id).describe().catch(() => undefined);
    if (d?.status.name !== 'RUNNING') continue;
    open.push(id);
    for (const p of d.raw.pendingActivities ?? []) {
      if (p.state !== temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED) continue;
      if (workerPid !== undefined && !p.lastWorkerIdentity?.startsWith(`${workerPid}@`)) continue;
      activities.push(p.activityType?.name ?? '?');
      running.push({ workflowId: id, activityId: p.activityId ?? '?' });
    }
  }
  return { open, activities, running };
}

export async function runningActivities(client: Client, ids: string[]): Promise<string[]> {
  return (await liveActivities(client, ids)).activities;
}

/** How many pending activities among `ids` have failed at least once (a retry is due or running). */
export async function failingActivities(client: Client, ids: string[]): Promise<number> {
  let n = 0;
  for (const id of ids) {
    const d = await client.workflow.getHandle(id).describe().catch(() => undefined);
    for (const p of d?.raw.pendingActivities ?? []) if (p.lastFailure || (p.attempt ?? 1) > 1) n++;
  }
  return n;
}
