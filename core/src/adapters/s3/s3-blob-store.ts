import { Readable } from "node:stream";
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  S3Client,
  S3ServiceException,
  type S3ClientConfig,
  type ServerSideEncryption,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { AppError, notFound, unavailable } from "../../errors/app-error.ts";
import type { BlobStore } from "../../ports/blob-store.ts";
import { assertBlobKey, assertByteRange } from "../blob-keys.ts";

/**
 * Server-side encryption of stored objects. `AES256` (SSE-S3) is the default; `aws:kms` uses the
 * given KMS key, or the account's `aws/s3` key when none is given; `none` sends no SSE header (for
 * S3-compatible servers that refuse one, e.g. MinIO without a KMS).
 */
export type S3Encryption = { type: "AES256" } | { type: "aws:kms"; kmsKeyId?: string } | { type: "none" };

/** How to reach the bucket. */
export interface S3BlobStoreOptions {
  /** The bucket that holds the blobs; it must exist. */
  bucket: string;
  /** The bucket's region (any value for most S3-compatible servers). */
  region: string;
  /** An S3-compatible server's URL (MinIO, Ceph…); path-style addressing is used then. Unset = AWS. */
  endpoint?: string;
  /** Explicit credentials (both or neither); unset = the AWS default provider chain (task role on ECS). */
  accessKeyId?: string;
  /** Secret of `accessKeyId`. Never logged. */
  secretAccessKey?: string;
  /** Server-side encryption of new objects; default `{ type: "AES256" }`. */
  sse?: S3Encryption;
  /** Stores every key under `<prefix>/` (same rules as a key), to share a bucket. */
  prefix?: string;
  /** Bytes per multipart part (at least 5 MiB, the S3 minimum); default 5 MiB. */
  partSize?: number;
  /** Parts uploaded in parallel per upload; default 4 (so at most partSize × 4 bytes buffered). */
  queueSize?: number;
  /** Milliseconds to wait for a TCP connection before the request fails; default 5000. */
  connectionTimeoutMs?: number;
}

const MIN_PART_SIZE = 5 * 1024 * 1024;
const WHAT = "The blob store (S3)";

/**
 * Blobs as objects in an S3 bucket (production mode). Uploads stream through lib-storage's multipart
 * upload: an object appears only when the upload completes (S3 writes are atomic per object), so a
 * failed body leaves the previous version untouched, and the multipart upload is aborted so no parts
 * linger. Driver errors become AppErrors here: a missing object is `not_found`, everything the
 * caller cannot fix (connection refused, timeouts, 5xx, denied credentials) is `service_unavailable`.
 *
 * An abort that itself fails (the server went away mid-upload) leaves an incomplete multipart upload
 * behind; give production buckets a lifecycle rule `AbortIncompleteMultipartUpload` for that case.
 */
export class S3BlobStore implements BlobStore {
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly encryption: { ServerSideEncryption?: ServerSideEncryption; SSEKMSKeyId?: string };
  private readonly partSize: number;
  private readonly queueSize: number;

  /** Creates the client; nothing is sent until the first call (use {@link ping} to check the bucket). */
  constructor(options: S3BlobStoreOptions) {
    if ((options.accessKeyId === undefined) !== (options.secretAccessKey === undefined)) {
      throw new TypeError("S3BlobStore: pass both accessKeyId and secretAccessKey, or neither.");
    }
    if (options.prefix !== undefined) assertBlobKey(options.prefix);
    this.bucket = options.bucket;
    this.prefix = options.prefix === undefined ? "" : `${options.prefix}/`;
    this.partSize = Math.max(options.partSize ?? MIN_PART_SIZE, MIN_PART_SIZE);
    this.queueSize = Math.max(1, options.queueSize ?? 4);
    const sse = options.sse ?? { type: "AES256" };
    this.encryption =
      sse.type === "none"
        ? {}
        : sse.type === "aws:kms"
          ? { ServerSideEncryption: "aws:kms", ...(sse.kmsKeyId ? { SSEKMSKeyId: sse.kmsKeyId } : {}) }
          : { ServerSideEncryption: "AES256" };

    const config: S3ClientConfig = {
      region: options.region,
      // Only checksum what S3 requires: with the SDK's default (WHEN_SUPPORTED) streamed bodies are
      // sent as aws-chunked with trailing CRC32s, which some S3-compatible servers store verbatim,
      // silently corrupting the object.
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
      requestHandler: { connectionTimeout: options.connectionTimeoutMs ?? 5000 },
    };
    if (options.endpoint !== undefined) {
      config.endpoint = options.endpoint;
      config.forcePathStyle = true;
    }
    if (options.accessKeyId !== undefined && options.secretAccessKey !== undefined) {
      config.credentials = { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey };
    }
    this.client = new S3Client(config);
  }

  /**
   * Streams `body` into `key` with a multipart upload (a single PUT when it fits one part). On a body
   * error the upload is aborted, nothing is stored, the previous object (if any) stays, and the body's
   * own error is rethrown.
   */
  async put(
    key: string,
    body: AsyncIterable<Uint8Array>,
    options?: { contentType?: string },
  ): Promise<{ size: number }> {
    const objectKey = this.objectKey(key);
    let size = 0;
    let bodyFailed = false;
    let bodyError: unknown;
    // Counts the bytes, and tells the body's own failure (rethrown as is) from the upload stopping
    // early (the body is then closed, so the caller's `finally` runs).
    async function* counted(): AsyncGenerator<Uint8Array> {
      const iterator = body[Symbol.asyncIterator]();
      let finished = false;
      try {
        for (;;) {
          let next: IteratorResult<Uint8Array>;
          try {
            next = await iterator.next();
          } catch (error) {
            finished = true;
            bodyFailed = true;
            bodyError = error;
            throw error;
          }
          if (next.done === true) {
            finished = true;
            return;
          }
          size += next.value.byteLength;
          yield next.value;
        }
      } finally {
        if (!finished) await iterator.return?.();
      }
    }
    const stream = Readable.from(counted(), { objectMode: false });
    const upload = new Upload({
      client: this.client,
      params: {
        Bucket: this.bucket,
        Key: objectKey,
        Body: stream,
        ...(options?.contentType ? { ContentType: options.contentType } : {}),
        ...this.encryption,
      },
      partSize: this.partSize,
      queueSize: this.queueSize,
      leavePartsOnError: false,
    });
    try {
      await upload.done();
      return { size };
    } catch (error) {
      // lib-storage has aborted the multipart upload by now (or tried to: see the class comment).
      if (bodyFailed) throw bodyError;
      // The store failed first: stop reading the caller's body (runs its `finally`, frees the socket).
      stream.destroy();
      throw toAppError(error);
    }
  }

  /** The object's bytes as a stream, or those of the inclusive range; AppError `not_found` when absent. */
  async get(
    key: string,
    range?: { start: number; end?: number },
  ): Promise<AsyncIterable<Uint8Array> & NodeJS.ReadableStream> {
    const objectKey = this.objectKey(key);
    if (range) assertByteRange(range);
    try {
      const result = await this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: objectKey,
          ...(range ? { Range: `bytes=${range.start}-${range.end ?? ""}` } : {}),
        }),
      );
      if (result.Body instanceof Readable) return result.Body;
      if (result.Body === undefined) return Readable.from([]);
      return Readable.from(Buffer.from(await result.Body.transformToByteArray()));
    } catch (error) {
      // A range starting at or past the end: no bytes, as reading past the end of a file gives.
      if (range && statusOf(error) === 416) {
        if ((await this.stat(key)) === null) throw notFound("blob", key);
        return Readable.from([]);
      }
      throw toAppError(error, key);
    }
  }

  /** The whole object in memory; AppError `not_found` when absent. */
  async read(key: string): Promise<Uint8Array> {
    const objectKey = this.objectKey(key);
    try {
      const result = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: objectKey }));
      return result.Body ? await result.Body.transformToByteArray() : new Uint8Array();
    } catch (error) {
      throw toAppError(error, key);
    }
  }

  /**
   * The object's size (HeadObject), or null when absent. HEAD answers carry no error body, so a
   * missing bucket also reads as null here; {@link ping} and every other method report it.
   */
  async stat(key: string): Promise<{ size: number } | null> {
    const objectKey = this.objectKey(key);
    try {
      const result = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: objectKey }));
      return { size: result.ContentLength ?? 0 };
    } catch (error) {
      if (statusOf(error) === 404 && !isNoSuchBucket(error)) return null;
      throw toAppError(error);
    }
  }

  /** Deletes the object; a missing object is fine (S3 answers 204 either way). */
  async delete(key: string): Promise<void> {
    const objectKey = this.objectKey(key);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: objectKey }));
    } catch (error) {
      throw toAppError(error);
    }
  }

  /** True when the bucket answers HeadBucket with these credentials. */
  async ping(): Promise<boolean> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
      return true;
    } catch {
      return false;
    }
  }

  /** Closes the client's connections. */
  close(): void {
    this.client.destroy();
  }

  private objectKey(key: string): string {
    assertBlobKey(key);
    return this.prefix + key;
  }
}

/** Opens the S3 blob store (see {@link S3BlobStore}); no request is sent until it is used. */
export function openS3BlobStore(options: S3BlobStoreOptions): S3BlobStore {
  return new S3BlobStore(options);
}

function statusOf(error: unknown): number | undefined {
  if (error instanceof S3ServiceException) return error.$metadata.httpStatusCode;
  if (typeof error === "object" && error !== null && "$metadata" in error) {
    const metadata = (error as { $metadata?: { httpStatusCode?: number } }).$metadata;
    return metadata?.httpStatusCode;
  }
  return undefined;
}

function isNoSuchBucket(error: unknown): boolean {
  return error instanceof Error && error.name === "NoSuchBucket";
}

/**
 * A driver error as an AppError: a missing object (when `key` says one was asked for) is `not_found`;
 * anything else — connection refused or reset, timeouts, 5xx, a missing bucket, denied or absent
 * credentials — is a store the caller cannot use right now: `service_unavailable`, the driver error
 * kept as `cause` (it never carries the secret key).
 */
function toAppError(error: unknown, key?: string): AppError {
  if (error instanceof AppError) return error;
  if (key !== undefined && statusOf(error) === 404 && !isNoSuchBucket(error)) return notFound("blob", key);
  return unavailable(WHAT, error);
}
