// Looking for the suite's fake secrets in everything the product wrote: logs, records, Temporal
// histories and visibility (memos, search attributes), stored objects, and the servers' raw data
// files. Payload bytes are searched as they are (the secrets are ASCII, JSON payloads keep them
// verbatim), so no decoding step can hide a leak.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Client } from '@temporalio/client';
import type { MongoClient } from 'mongodb';
import { getBytes, listKeys } from './checks.js';

export interface Finding {
  secret: string;
  where: string;
}

export class SecretScanner {
  readonly findings: Finding[] = [];
  readonly scanned: Record<string, number> = {};
  bytes = 0;
  private readonly needles: { name: string; bytes: Buffer }[];

  constructor(secrets: Record<string, string>) {
    this.needles = Object.entries(secrets).map(([name, v]) => ({ name, bytes: Buffer.from(v) }));
  }

  scan(kind: string, where: string, content: Uint8Array | string): void {
    const buf = typeof content === 'string' ? Buffer.from(content) : Buffer.from(content.buffer, content.byteOffset, content.byteLength);
    this.scanned[kind] = (this.scanned[kind] ?? 0) + 1;
    this.bytes += buf.byteLength;
    for (const n of this.needles) if (buf.includes(n.bytes)) this.findings.push({ secret: n.name, where: `${kind}: ${where}` });
  }

  async files(kind: string, dir: string, include: (path: string) => boolean = () => true): Promise<void> {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      const p = join(e.parentPath, e.name);
      if (!e.isFile() || !include(p)) continue;
      // A running server's journal files come and go.
      const content = await readFile(p).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return undefined;
        throw err;
      });
      if (content?.byteLength) this.scan(kind, p, content);
    }
  }

  async records(mongo: MongoClient): Promise<void> {
    const { databases } = await mongo.db('admin').admin().listDatabases();
    for (const d of databases) {
      for (const c of await mongo.db(d.name).listCollections().toArray()) {
        for (const doc of await mongo.db(d.name).collection(c.name).find({}).toArray()) this.scan('records', `${d.name}.${c.name}/${String(doc._id)}`, JSON.stringify(doc));
      }
    }
  }

  /** Every execution in the namespace: full history (inputs, results, failures) and its description (memo, search attributes). */
  async temporal(client: Client): Promise<number> {
    let n = 0;
    for await (const w of client.workflow.list()) {
      const h = client.workflow.getHandle(w.workflowId, w.runId);
      const history = await h.fetchHistory();
      const d = await h.describe();
      this.scan('workflow histories', `${w.workflowId} ${w.runId}`, serialise({ history, raw: d.raw, memo: d.memo, sa: d.typedSearchAttributes }));
      n++;
    }
    return n;
  }

  async objects(s3: S3Client, bucket: string, prefix = ''): Promise<void> {
    for (const o of await listKeys(s3, prefix, bucket)) {
      const body = await getBytes(s3, o.key, bucket);
      if (body) this.scan('objects', `s3://${bucket}/${o.key}`, body);
    }
  }
}

// JSON with byte arrays (protobuf payloads) written out as their text.
function serialise(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => {
    if (x instanceof Uint8Array) return Buffer.from(x).toString('latin1');
    // A Buffer has been through its toJSON already.
    if (x !== null && typeof x === 'object' && (x as { type?: unknown }).type === 'Buffer' && Array.isArray((x as { data?: unknown }).data)) {
      return Buffer.from((x as { data: number[] }).data).toString('latin1');
    }
    if (typeof x === 'bigint') return x.toString();
    return x;
  });
}
