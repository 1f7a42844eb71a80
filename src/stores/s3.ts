import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { bodySha256, bodySize, checkKey, joinKey, ObjectExistsError, ObjectNotFoundError, type Body, type ObjectStore, type PutOptions, type StoredObject } from './object-store.js';

export interface S3Location {
  bucket: string;
  prefix: string;
}

/** Parses `s3://bucket[/prefix]` or a bare bucket name (the upstream ANALYSIS_BUCKET forms). */
export function parseS3Uri(uri: string): S3Location {
  const m = /^(?:s3:\/\/)?([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(uri);
  if (!m) throw new Error(`not an S3 location: ${JSON.stringify(uri)} (expected s3://bucket[/prefix], e.g. s3://my-bucket/results)`);
  return { bucket: m[1], prefix: (m[2] ?? '').replace(/\/+$/, '') };
}

export interface S3StoreOptions {
  /** Bodies above this go up in parts; 8 MiB parts keep memory flat. */
  multipartThreshold?: number;
  /** Keys per ListObjectsV2 page (S3's default is 1000; tests lower it to exercise paging). */
  listPageSize?: number;
}


function isStatus(e: unknown, ...codes: number[]): boolean {
  return e instanceof S3ServiceException && codes.includes(e.$metadata.httpStatusCode ?? 0);
}

export class S3ObjectStore implements ObjectStore {
  private readonly partSize = 8 * 1024 * 1024;

  constructor(
    readonly client: S3Client,
    readonly location: S3Location,
    private readonly opts: S3StoreOptions = {},
  ) {}

  private fullKey(key: string) {
    return joinKey(this.location.prefix, checkKey(key));
  }

  uri(key: string): string {
    return `s3://${this.location.bucket}/${this.fullKey(key)}`;
  }

  async put(key: string, body: Body, opts: PutOptions = {}): Promise<StoredObject> {
    // A body of one part (a small Parquet table) goes up as bytes: a stream makes lib-storage
    // buffer it before it can choose a single PUT.
    const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body instanceof Uint8Array ? body : body.length === 1 ? body[0] : undefined;
    const data = bytes ?? Readable.from(body as readonly Uint8Array[]);
    return await this.upload(key, data, bodySize(body), bodySha256(body), opts);
  }

  async putFile(key: string, path: string, opts: PutOptions = {}): Promise<StoredObject> {
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
    const { size } = await stat(path);
    return await this.upload(key, createReadStream(path), size, hash.digest('hex'), opts);
  }

  private async upload(key: string, body: Uint8Array | NodeJS.ReadableStream, size: number, sha256: string, opts: PutOptions) {
    const Key = this.fullKey(key);
    try {
      // lib-storage picks a single PUT or a multipart upload from the size.
      const up = new Upload({
        client: this.client,
        partSize: Math.max(this.partSize, this.opts.multipartThreshold ?? 0),
        queueSize: 2,
        params: {
          Bucket: this.location.bucket,
          Key,
          Body: body as never,
          ContentType: opts.contentType,
          Metadata: { sha256 },
          ...(opts.ifAbsent ? { IfNoneMatch: '*' } : {}),
        },
      });
      const out = await up.done();
      return { key, size, sha256, etag: out.ETag };
    } catch (e) {
      if (opts.ifAbsent && isStatus(e, 412, 409)) throw new ObjectExistsError(this.uri(key));
      throw e;
    }
  }

  // One CopyObject: enough up to S3's 5 GB single-copy limit (our per-session files are MBs).
  async copy(fromKey: string, toKey: string): Promise<void> {
    const source = `${this.location.bucket}/${this.fullKey(fromKey)}`.split('/').map(encodeURIComponent).join('/');
    try {
      await this.client.send(
        new CopyObjectCommand({ Bucket: this.location.bucket, Key: this.fullKey(toKey), CopySource: source, MetadataDirective: 'COPY' }),
      );
    } catch (e) {
      if (isStatus(e, 404)) throw new ObjectNotFoundError(this.uri(fromKey));
      throw e;
    }
  }

  async get(key: string): Promise<Uint8Array> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.location.bucket, Key: this.fullKey(key) }));
      return await out.Body!.transformToByteArray();
    } catch (e) {
      if (isStatus(e, 404)) throw new ObjectNotFoundError(this.uri(key));
      throw e;
    }
  }

  async head(key: string): Promise<StoredObject | undefined> {
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.location.bucket, Key: this.fullKey(key) }));
      return { key, size: out.ContentLength ?? 0, sha256: out.Metadata?.sha256, etag: out.ETag, lastModified: out.LastModified };
    } catch (e) {
      if (isStatus(e, 404)) return undefined;
      throw e;
    }
  }

  async *list(prefix: string): AsyncIterable<StoredObject> {
    const root = this.location.prefix ? `${this.location.prefix}/` : '';
    let ContinuationToken: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.location.bucket,
          Prefix: root + prefix,
          ContinuationToken,
          MaxKeys: this.opts.listPageSize,
        }),
      );
      for (const o of page.Contents ?? []) {
        yield { key: o.Key!.slice(root.length), size: o.Size ?? 0, etag: o.ETag, lastModified: o.LastModified };
      }
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.location.bucket, Key: this.fullKey(key) }));
  }
}
