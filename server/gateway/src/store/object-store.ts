import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { placeFiles } from './placement.js';

/** One object: its key (a relative path, `/`-separated), size, entity tag and time of last change. */
export interface StoredObject {
  key: string;
  size: number;
  etag: string;
  lastModified: Date;
}

/** Files moved into the store before a catalog transaction: kept on `commit`, undone (old objects back) on `rollback`. */
export interface Placement {
  commit(): Promise<void>;
  rollback(): Promise<void>;
}

/** A conditional and/or ranged read, as an HTTP client asked it. */
export interface ReadRequest {
  range?: string;
  ifNoneMatch?: string;
  ifModifiedSince?: string;
  ifRange?: string;
}

/** What a read answers: the status to send, its headers and the body (none for 304). */
export interface ReadAnswer {
  status: 200 | 206 | 304 | 416;
  headers: Record<string, string>;
  body: Readable | null;
}

/** Bytes moved to and from the store since start-up (the object-store benchmark reads them). */
export interface TransferCounts {
  bytesRead: number;
  bytesWritten: number;
  requests: number;
}

/**
 * Where products, original granules and job results live: a folder (POSIX, as on an HPC file system; the default,
 * under the data folder) or an S3 bucket (`s3://bucket/prefix`). Keys are relative paths such as
 * `products/<collection>/<item>.parquet`.
 */
export interface ObjectStore {
  /** `file:///...` or `s3://bucket/prefix`, for logs and the health view. */
  readonly url: string;
  /** The folder holding the keys when the store is on a file system (readers open files there directly). */
  readonly folder: string | null;
  readonly counts: TransferCounts;
  /**
   * Moves freshly written local files to their keys before the catalog transaction that references them. An object
   * a key already had is kept aside until `commit` (dropped) or `rollback` (put back); a failure while placing
   * undoes what was placed, so a failed ingest leaves no object behind.
   */
  place(moves: [file: string, key: string][], tag: string): Promise<Placement>;
  head(key: string): Promise<StoredObject | null>;
  /** Reads an object for an HTTP client (Range, If-None-Match, If-Modified-Since, If-Range); null when absent. */
  read(key: string, request?: ReadRequest): Promise<ReadAnswer | null>;
  /** A local file with the object's bytes: the file itself in a folder store, else a copy cached by entity tag. */
  localFile(key: string): Promise<string>;
  /** Every object whose key starts with `prefix`. */
  list(prefix: string): AsyncIterable<StoredObject>;
  delete(keys: string[]): Promise<void>;
  /** Copies a local file to a key (what `place` does for one file, without the catalog's undo). */
  upload(file: string, key: string): Promise<void>;
  /** Copies an object to a local file (written aside, then renamed: readers never see half of it). */
  download(key: string, file: string): Promise<void>;
  /** Renames an object. */
  move(from: string, to: string): Promise<void>;
  /** A URL anyone holding it may read the object at for `seconds` (S3 only; null for a folder store). */
  presign(key: string, seconds: number): Promise<string | null>;
  /** Whether the store answers (the health check). */
  check(): Promise<void>;
}

/** The keys a store refuses: absolute, climbing out, hidden parts, NUL. */
export function checkKey(key: string): string {
  if (!key || key.includes('\0') || key.startsWith('/') || key.split('/').some((p) => p === '' || p === '..' || p.startsWith('.')))
    throw new Error(`not an object key: ${JSON.stringify(key)}`);
  return key;
}

function parseRange(header: string | undefined, size: number): [number, number] | 'whole' | 'unsatisfiable' {
  if (!header) return 'whole';
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return 'whole'; // several ranges or a malformed one: the whole object (RFC 9110)
  let start: number, end: number;
  if (m[1] === '') {
    const n = Number(m[2]);
    if (n === 0) return 'unsatisfiable';
    start = Math.max(0, size - n);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
    if (m[2] !== '' && Number(m[2]) < start) return 'whole';
  }
  if (start >= size) return 'unsatisfiable';
  return [start, end];
}

/**
 * The HTTP semantics of a read over any store: conditional requests and one byte range, from the object's size,
 * entity tag and date, and a function opening the bytes [start, end].
 */
export function answerRead(obj: StoredObject, request: ReadRequest, open: (start: number, end: number) => Promise<Readable>): Promise<ReadAnswer> | ReadAnswer {
  const etag = obj.etag;
  const headers: Record<string, string> = { ETag: etag, 'Last-Modified': obj.lastModified.toUTCString(), 'Accept-Ranges': 'bytes' };
  const seconds = Math.floor(obj.lastModified.getTime() / 1000);
  if (request.ifNoneMatch) {
    const tags = request.ifNoneMatch.split(',').map((t) => t.trim().replace(/^W\//, ''));
    if (tags.includes('*') || tags.includes(etag)) return { status: 304, headers, body: null };
  } else if (request.ifModifiedSince) {
    const since = Date.parse(request.ifModifiedSince);
    if (!Number.isNaN(since) && seconds <= Math.floor(since / 1000)) return { status: 304, headers, body: null };
  }
  let range = parseRange(request.range, obj.size);
  if (request.range && request.ifRange) {
    const d = Date.parse(request.ifRange);
    const matches = request.ifRange.startsWith('"') ? request.ifRange === etag : !Number.isNaN(d) && Math.floor(d / 1000) === seconds;
    if (!matches) range = 'whole';
  }
  if (range === 'unsatisfiable') return { status: 416, headers: { ...headers, 'Content-Range': `bytes */${obj.size}` }, body: null };
  const [start, end] = range === 'whole' ? [0, obj.size - 1] : range;
  const length = obj.size === 0 ? 0 : end - start + 1;
  headers['Content-Length'] = String(length);
  if (range !== 'whole') headers['Content-Range'] = `bytes ${start}-${end}/${obj.size}`;
  const status = range === 'whole' ? 200 : 206;
  if (length === 0) return { status, headers, body: null };
  return open(start, end).then((body) => ({ status, headers, body }));
}

/** The folder store: keys are files under `root` (the data folder by default, where products always lived). */
export class FolderStore implements ObjectStore {
  readonly url: string;
  readonly counts: TransferCounts = { bytesRead: 0, bytesWritten: 0, requests: 0 };
  constructor(readonly folder: string) {
    this.url = `file://${path.resolve(folder)}`;
  }
  private full(key: string): string {
    return path.join(this.folder, checkKey(key));
  }
  async place(moves: [string, string][], tag: string): Promise<Placement> {
    for (const [, key] of moves) await mkdir(path.dirname(this.full(key)), { recursive: true });
    return placeFiles(
      moves.map(([file, key]) => [file, this.full(key)]),
      tag
    );
  }
  async head(key: string): Promise<StoredObject | null> {
    const info = await stat(this.full(key)).catch(() => null);
    if (!info?.isFile()) return null;
    // The same weak validator Express's static files use: size and time of change.
    return { key, size: info.size, etag: `W/"${info.size.toString(16)}-${info.mtimeMs.toString(16)}"`, lastModified: info.mtime };
  }
  async read(key: string, request: ReadRequest = {}): Promise<ReadAnswer | null> {
    const obj = await this.head(key);
    if (!obj) return null;
    return answerRead(obj, request, async (start, end) => createReadStream(this.full(key), { start, end }));
  }
  async localFile(key: string): Promise<string> {
    return this.full(key);
  }
  async *list(prefix: string): AsyncIterable<StoredObject> {
    const walk = async function* (this: FolderStore, dir: string): AsyncIterable<StoredObject> {
      for (const e of await readdir(path.join(this.folder, dir), { withFileTypes: true }).catch(() => [])) {
        const key = dir ? `${dir}/${e.name}` : e.name;
        if (e.isDirectory()) yield* walk.call(this, key);
        else if (e.isFile() && key.startsWith(prefix)) {
          const obj = await this.head(key);
          if (obj) yield obj;
        }
      }
    };
    const start = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    yield* walk.call(this, start);
  }
  async delete(keys: string[]): Promise<void> {
    for (const key of keys) await rm(this.full(key), { force: true });
  }
  async move(from: string, to: string): Promise<void> {
    await rename(this.full(from), this.full(to));
  }
  async upload(file: string, key: string): Promise<void> {
    await copyInto(file, this.full(key));
  }
  async download(key: string, file: string): Promise<void> {
    await copyInto(this.full(key), file);
  }
  async presign(): Promise<string | null> {
    return null;
  }
  async check(): Promise<void> {
    await stat(this.folder);
  }
}

/** An S3 bucket (Ceph's RADOS Gateway, MinIO, AWS...), through the AWS SDK. */
export interface S3Settings {
  bucket: string;
  prefix: string;
  endpoint?: string;
  region: string;
  /** The endpoint presigned URLs name (what browsers reach), when it differs from `endpoint`. */
  publicEndpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

/** Above this size an upload goes in parts (each checked by its MD5 on the server). */
const PART_BYTES = 16 * 1024 * 1024;

type S3Module = typeof import('@aws-sdk/client-s3');

/** Parses `s3://bucket/prefix` (the prefix may be empty). */
export function parseS3Url(url: string): { bucket: string; prefix: string } {
  const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(url);
  if (!m) throw new Error(`${url}: not an s3://bucket/prefix URL (bucket names are 3–63 lowercase letters, digits, dots and dashes)`);
  return { bucket: m[1]!, prefix: (m[2] ?? '').replace(/\/+$/, '') };
}

export class S3Store implements ObjectStore {
  readonly url: string;
  readonly folder = null;
  readonly counts: TransferCounts = { bytesRead: 0, bytesWritten: 0, requests: 0 };
  private constructor(
    private readonly s3: S3Module,
    private readonly client: InstanceType<S3Module['S3Client']>,
    private readonly presigner: InstanceType<S3Module['S3Client']>,
    private readonly settings: S3Settings,
    /** Where copies for readers that need a file (native DuckDB) are cached, by entity tag. */
    private readonly cacheDir: string
  ) {
    this.url = `s3://${settings.bucket}${settings.prefix ? `/${settings.prefix}` : ''}`;
  }

  /** Connects to the bucket (created when missing). Credentials: the AWS SDK's usual chain (`AWS_ACCESS_KEY_ID`...). */
  static async open(settings: S3Settings, cacheDir: string): Promise<S3Store> {
    // The SDK warns on Node 20 at every process start; the version in use is pinned by the lock file.
    process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
    const s3 = await import('@aws-sdk/client-s3');
    const make = (endpoint: string | undefined) =>
      new s3.S3Client({
        region: settings.region,
        endpoint,
        credentials: settings.credentials,
        forcePathStyle: true,
        // Checksums only where S3 requires them: other servers (Ceph's RGW) refuse streamed bodies otherwise;
        // uploads carry their MD5 instead, which every server checks.
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
        maxAttempts: 3
      });
    const client = make(settings.endpoint);
    const store = new S3Store(s3, client, settings.publicEndpoint ? make(settings.publicEndpoint) : client, settings, cacheDir);
    try {
      await client.send(new s3.HeadBucketCommand({ Bucket: settings.bucket }));
    } catch (error) {
      if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode !== 404) throw describe(error, `s3://${settings.bucket}`);
      await client.send(new s3.CreateBucketCommand({ Bucket: settings.bucket })).catch((e) => {
        if ((e as Error).name !== 'BucketAlreadyOwnedByYou') throw describe(e, `creating s3://${settings.bucket}`);
      });
    }
    return store;
  }

  private k(key: string): string {
    checkKey(key);
    return this.settings.prefix ? `${this.settings.prefix}/${key}` : key;
  }

  /**
   * Lets browsers read objects by ranges through presigned URLs (the `redirect` asset setting). Any origin: a request
   * redirected from the gateway to the store carries `Origin: null`, and the URL's signature is the access control.
   */
  async allowBrowsers(): Promise<void> {
    const origins = ['*'];
    await this.client.send(
      new this.s3.PutBucketCorsCommand({
        Bucket: this.settings.bucket,
        CORSConfiguration: {
          CORSRules: [
            {
              AllowedOrigins: origins,
              AllowedMethods: ['GET', 'HEAD'],
              AllowedHeaders: ['Range', 'If-None-Match', 'If-Modified-Since', 'If-Range'],
              ExposeHeaders: ['Content-Range', 'Content-Length', 'ETag', 'Last-Modified', 'Accept-Ranges'],
              MaxAgeSeconds: 600
            }
          ]
        }
      })
    );
  }

  /** Uploads a local file to `key`: one request with its MD5 below {@link PART_BYTES}, else in parts. */
  async upload(file: string, key: string): Promise<void> {
    const size = (await stat(file)).size;
    const Key = this.k(key);
    const Bucket = this.settings.bucket;
    this.counts.requests++;
    if (size <= PART_BYTES) {
      const body = await readFile(file);
      await this.client.send(new this.s3.PutObjectCommand({ Bucket, Key, Body: body, ContentMD5: md5(body), ContentLength: size }));
      this.counts.bytesWritten += size;
      return;
    }
    const { UploadId } = await this.client.send(new this.s3.CreateMultipartUploadCommand({ Bucket, Key }));
    try {
      const parts: { ETag: string; PartNumber: number }[] = [];
      const fh = await open(file, 'r');
      try {
        for (let offset = 0, n = 1; offset < size; offset += PART_BYTES, n++) {
          const buf = Buffer.alloc(Math.min(PART_BYTES, size - offset));
          await fh.read(buf, 0, buf.length, offset);
          const r = await this.client.send(
            new this.s3.UploadPartCommand({ Bucket, Key, UploadId, PartNumber: n, Body: buf, ContentMD5: md5(buf), ContentLength: buf.length })
          );
          parts.push({ ETag: r.ETag!, PartNumber: n });
          this.counts.bytesWritten += buf.length;
        }
      } finally {
        await fh.close();
      }
      await this.client.send(new this.s3.CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts: parts } }));
    } catch (error) {
      await this.client.send(new this.s3.AbortMultipartUploadCommand({ Bucket, Key, UploadId })).catch(() => undefined);
      throw describe(error, `uploading ${key}`);
    }
    // The server's answer to Complete... may lack the entity tag (Ceph 16): the object is checked by its size instead.
    const obj = await this.head(key);
    if (obj?.size !== size) throw new Error(`uploading ${key}: the store holds ${obj?.size ?? 'nothing'} bytes, not ${size}`);
  }

  async place(moves: [string, string][], tag: string): Promise<Placement> {
    const placed: { key: string; aside: string | null }[] = [];
    const rollback = async () => {
      for (const { key, aside } of placed.reverse()) {
        if (aside) await this.copy(aside, key).catch(() => undefined);
        await this.delete(aside ? [aside] : [key]).catch(() => undefined);
      }
    };
    try {
      // Folders (an unpacked granule) go file by file.
      const files: [string, string][] = [];
      for (const [file, key] of moves) {
        const info = await stat(file);
        if (info.isDirectory()) for (const [f, rel] of await filesUnder(file)) files.push([f, `${key}/${rel}`]);
        else files.push([file, key]);
      }
      for (const [file, key] of files) {
        const aside = (await this.head(key)) ? `${key}.old${tag}` : null;
        if (aside) await this.copy(key, aside);
        placed.push({ key, aside });
        await this.upload(file, key);
      }
    } catch (error) {
      await rollback();
      throw error;
    }
    // The local files were staging only.
    for (const [file] of moves) await rm(file, { recursive: true, force: true });
    return {
      commit: async () => {
        const asides = placed.flatMap((p) => (p.aside ? [p.aside] : []));
        if (asides.length) await this.delete(asides).catch(() => undefined);
      },
      rollback
    };
  }

  async move(from: string, to: string): Promise<void> {
    await this.copy(from, to);
    await this.delete([from]);
  }

  private async copy(from: string, to: string): Promise<void> {
    this.counts.requests++;
    await this.client.send(
      new this.s3.CopyObjectCommand({ Bucket: this.settings.bucket, Key: this.k(to), CopySource: encodeURI(`${this.settings.bucket}/${this.k(from)}`) })
    );
  }

  async head(key: string): Promise<StoredObject | null> {
    this.counts.requests++;
    try {
      const r = await this.client.send(new this.s3.HeadObjectCommand({ Bucket: this.settings.bucket, Key: this.k(key) }));
      return { key, size: r.ContentLength ?? 0, etag: r.ETag ?? '', lastModified: r.LastModified ?? new Date(0) };
    } catch (error) {
      if (isMissing(error)) return null;
      throw describe(error, key);
    }
  }

  async read(key: string, request: ReadRequest = {}): Promise<ReadAnswer | null> {
    const obj = await this.head(key);
    if (!obj) return null;
    return answerRead(obj, request, (start, end) => this.open(key, start, end, obj.etag));
  }

  private async open(key: string, start: number, end: number, etag?: string): Promise<Readable> {
    this.counts.requests++;
    const r = await this.client.send(
      new this.s3.GetObjectCommand({ Bucket: this.settings.bucket, Key: this.k(key), Range: `bytes=${start}-${end}`, IfMatch: etag })
    );
    const body = r.Body as Readable;
    body.on('data', (chunk: Buffer) => (this.counts.bytesRead += chunk.length));
    return body;
  }

  async download(key: string, file: string): Promise<void> {
    const obj = await this.head(key);
    if (!obj) throw Object.assign(new Error(`${key}: no such object`), { code: 'ENOENT' });
    await this.fetch(obj, file);
  }

  async localFile(key: string): Promise<string> {
    const obj = await this.head(key);
    if (!obj) throw Object.assign(new Error(`${key}: no such object`), { code: 'ENOENT' });
    const file = path.join(this.cacheDir, key);
    const tagFile = `${file}.etag`;
    const cached = await readFile(tagFile, 'utf8').catch(() => null);
    if (cached === obj.etag && (await stat(file).catch(() => null))?.size === obj.size) return file;
    await this.fetch(obj, file);
    await writeFile(tagFile, obj.etag);
    return file;
  }

  /** Copies an object (as `head` described it: the copy fails if it changed meanwhile) to a local file, atomically. */
  private async fetch(obj: StoredObject, file: string): Promise<void> {
    await mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${randomUUID().slice(0, 8)}.part`;
    try {
      await pipeline(await this.open(obj.key, 0, Math.max(0, obj.size - 1), obj.etag), createWriteStream(tmp));
      await rename(tmp, file);
    } catch (error) {
      await rm(tmp, { force: true });
      throw describe(error, obj.key);
    }
  }

  async *list(prefix: string): AsyncIterable<StoredObject> {
    let token: string | undefined;
    const strip = this.settings.prefix ? this.settings.prefix.length + 1 : 0;
    do {
      this.counts.requests++;
      const r = await this.client.send(
        new this.s3.ListObjectsV2Command({
          Bucket: this.settings.bucket,
          Prefix: (this.settings.prefix ? `${this.settings.prefix}/${prefix}` : prefix) || undefined,
          ContinuationToken: token
        })
      );
      for (const o of r.Contents ?? []) yield { key: o.Key!.slice(strip), size: o.Size ?? 0, etag: o.ETag ?? '', lastModified: o.LastModified ?? new Date(0) };
      token = r.IsTruncated ? r.NextContinuationToken : undefined;
    } while (token);
  }

  async delete(keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 1000) {
      this.counts.requests++;
      const r = await this.client.send(
        new this.s3.DeleteObjectsCommand({
          Bucket: this.settings.bucket,
          Delete: { Objects: keys.slice(i, i + 1000).map((k) => ({ Key: this.k(k) })), Quiet: true }
        })
      );
      if (r.Errors?.length) throw new Error(`deleting ${r.Errors[0]!.Key}: ${r.Errors[0]!.Message ?? r.Errors[0]!.Code}`);
    }
  }

  async presign(key: string, seconds: number): Promise<string> {
    const { getSignedUrl } = await import('@aws-sdk/s3-request-presigner');
    return getSignedUrl(this.presigner, new this.s3.GetObjectCommand({ Bucket: this.settings.bucket, Key: this.k(key) }), { expiresIn: seconds });
  }

  async check(): Promise<void> {
    await this.client.send(new this.s3.HeadBucketCommand({ Bucket: this.settings.bucket }));
  }
}

const md5 = (b: Buffer) => createHash('md5').update(b).digest('base64');

/** Copies a file to `file` under a temporary name, then renames it (readers never see half of it). */
async function copyInto(source: string, file: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${randomUUID().slice(0, 8)}.part`;
  try {
    await copyFile(source, tmp);
    await rename(tmp, file);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}

function isMissing(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'NotFound' || e.name === 'NoSuchKey' || e.$metadata?.httpStatusCode === 404;
}

/** An SDK error with what was being done and the server's answer (its messages are often just "UnknownError"). */
function describe(error: unknown, what: string): Error {
  const e = error as Error & { Code?: string; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode;
  return new Error(
    `object store: ${what}: ${e.Code ?? e.name}${status ? ` (HTTP ${status})` : ''}${e.message && e.message !== 'UnknownError' ? `: ${e.message}` : ''}`,
    {
      cause: error
    }
  );
}

async function filesUnder(dir: string): Promise<[string, string][]> {
  const out: [string, string][] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    const full = path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name);
    out.push([full, path.relative(dir, full).split(path.sep).join('/')]);
  }
  return out;
}

/** The object store a configuration names. */
export async function openObjectStore(settings: { kind: 'folder'; folder: string } | ({ kind: 's3' } & S3Settings), cacheDir: string): Promise<ObjectStore> {
  if (settings.kind === 'folder') return new FolderStore(settings.folder);
  return S3Store.open(settings, cacheDir);
}
