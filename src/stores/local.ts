import { createHash } from 'node:crypto';
import { chmodSync, closeSync, constants, createReadStream, linkSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync, type Stats } from 'node:fs';
import { copyFile, readdir, rm, stat } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bodySha256, checkKey, ObjectExistsError, ObjectNotFoundError, type Body, type ObjectStore, type PutOptions, type StoredObject } from './object-store.js';

async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** A file's identity as of a stat: content that changes gets a new inode (we rename) or mtime. */
const statKey = (s: Stats) => `${s.ino}:${s.size}:${s.mtimeMs}`;
const MEMO_LIMIT = 100_000;

/** The object store on a local folder (the embedded default and unit tests). Writes are atomic. */
export class LocalObjectStore implements ObjectStore {
  // sha256 of files this process wrote or hashed, so head() (existence checks, the verification
  // before a record is written) does not read every output again.
  private readonly sha256s = new Map<string, string>();

  constructor(readonly root: string) {}

  private remember(s: Stats, sha256: string): void {
    if (this.sha256s.size >= MEMO_LIMIT) this.sha256s.clear();
    this.sha256s.set(statKey(s), sha256);
  }

  private async sha256Of(path: string, s: Stats): Promise<string> {
    const known = this.sha256s.get(statKey(s));
    if (known) return known;
    const sha256 = await fileSha256(path);
    this.remember(s, sha256);
    return sha256;
  }

  private path(key: string) {
    return join(this.root, ...checkKey(key).split('/'));
  }

  uri(key: string): string {
    return pathToFileURL(this.path(key)).href;
  }

  // put writes synchronously, as get and head read: through the thread pool an object was six
  // round trips (mkdir, open, write, close, rename, stat), and a run puts hundreds (cache entries,
  // figure rows, tables). Writes land in the page cache; the largest bodies (tens of MB) hold the
  // event loop only briefly.
  async put(key: string, body: Body, opts: PutOptions = {}): Promise<StoredObject> {
    const sha256 = bodySha256(body); // first: a body that is not bytes fails before any file exists
    const tmp = this.tmpPath(key);
    try {
      const fd = openSync(tmp, 'w');
      try {
        for (const part of typeof body === 'string' ? [Buffer.from(body)] : body instanceof Uint8Array ? [body] : body) {
          for (let at = 0; at < part.byteLength; ) at += writeSync(fd, part, at);
        }
      } finally {
        closeSync(fd);
      }
    } catch (e) {
      rmSync(tmp, { force: true });
      throw e;
    }
    return await this.commit(key, tmp, opts, sha256);
  }

  // A copy is a hard link, made read-only with its source: the bytes are stored once however
  // many runs list them (each run's outputs hold every session's tables, copied again by every
  // incremental run), and a link costs next to nothing where a copy costs the bytes. Read-only,
  // as DVC protects its hard-linked cache: a program
  // rewriting one of the names in place would change them all, the cache entry too. The store
  // itself only ever replaces files (write, then rename). Where links are refused (another file
  // system, too many links), the kernel copies.
  async copy(fromKey: string, toKey: string): Promise<void> {
    const source = this.path(fromKey);
    const tmp = this.tmpPath(toKey);
    try {
      chmodSync(source, 0o444);
      linkSync(source, tmp);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new ObjectNotFoundError(this.uri(fromKey));
      try {
        await copyFile(source, tmp, constants.COPYFILE_FICLONE);
      } catch (copyError) {
        await rm(tmp, { force: true });
        throw copyError;
      }
    }
    const known = this.sha256s.get(statKey(statSync(source)));
    renameSync(tmp, this.path(toKey));
    if (known) this.remember(statSync(this.path(toKey)), known); // a copied file is a new inode
  }

  async putFile(key: string, path: string, opts: PutOptions = {}): Promise<StoredObject> {
    const tmp = this.tmpPath(key);
    await copyFile(path, tmp);
    return await this.commit(key, tmp, opts);
  }

  private tmpPath(key: string) {
    const target = this.path(key);
    mkdirSync(dirname(target), { recursive: true });
    return `${target}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  }

  // Write-then-rename so readers never see half a file; link() gives an atomic "create if absent".
  private async commit(key: string, tmp: string, opts: PutOptions, sha256?: string): Promise<StoredObject> {
    const target = this.path(key);
    try {
      if (opts.ifAbsent) {
        try {
          linkSync(tmp, target);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new ObjectExistsError(this.uri(key));
          throw e;
        }
        rmSync(tmp);
      } else {
        renameSync(tmp, target);
      }
    } catch (e) {
      rmSync(tmp, { force: true });
      throw e;
    }
    const s = statSync(target);
    if (sha256) this.remember(s, sha256);
    return { key, size: s.size, sha256: sha256 ?? (await this.sha256Of(target, s)), lastModified: s.mtime };
  }

  // get and head read synchronously: local objects come from the page cache, and through the
  // thread pool a small read (open, fstat, read, close) cost several times the CPU. An
  // incremental group step reads ~300 cache entries while the rasterisers want both cores.
  async get(key: string): Promise<Uint8Array> {
    try {
      return new Uint8Array(readFileSync(this.path(key)));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new ObjectNotFoundError(this.uri(key));
      throw e;
    }
  }

  async head(key: string): Promise<StoredObject | undefined> {
    try {
      const p = this.path(key);
      const s = statSync(p);
      if (!s.isFile()) return undefined;
      return { key, size: s.size, sha256: await this.sha256Of(p, s), lastModified: s.mtime };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  async *list(prefix: string): AsyncIterable<StoredObject> {
    const entries = await readdir(this.root, { recursive: true, withFileTypes: true }).catch((e) => {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    });
    const keys = entries
      .filter((d) => d.isFile() && !/\.tmp-\d+-/.test(d.name))
      .map((d) => relative(this.root, join(d.parentPath, d.name)).split(sep).join('/'))
      .filter((k) => k.startsWith(prefix))
      .sort(); // S3 lists in key order; keep the same contract.
    for (const key of keys) {
      const s = await stat(this.path(key));
      yield { key, size: s.size, lastModified: s.mtime };
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
  }
}
