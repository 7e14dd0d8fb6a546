import { createHash, randomBytes, randomUUID } from "node:crypto";
import { createServer } from "node:net";
import {
  DeleteObjectsCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
} from "@aws-sdk/client-s3";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { errorCodeOf } from "../../ports/contracts/contract-helpers.ts";
import { describeBlobStore } from "../../ports/contracts/blob-store.contract.ts";
import { serviceUrl } from "../../testing/services.ts";
import { openS3BlobStore, type S3BlobStore, type S3BlobStoreOptions } from "./s3-blob-store.ts";

const endpoint = serviceUrl("AA_TEST_S3_ENDPOINT", "S3 adapter");
const env = process.env;

const MiB = 1024 * 1024;
const PART = 5 * MiB;

/** `total` bytes of fixed random data, yielded in 64 KiB chunks; fails with `failWith` after `failAfter` bytes. */
async function* randomStream(
  data: Buffer,
  failAt?: { after: number; error: Error },
): AsyncGenerator<Uint8Array> {
  const step = 64 * 1024;
  for (let offset = 0; offset < data.byteLength; offset += step) {
    if (failAt && offset >= failAt.after) throw failAt.error;
    await Promise.resolve();
    yield data.subarray(offset, Math.min(offset + step, data.byteLength));
  }
}

async function* text(value: string): AsyncGenerator<Uint8Array> {
  await Promise.resolve();
  yield new TextEncoder().encode(value);
}

const sha256 = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex");

async function sha256Of(stream: AsyncIterable<Uint8Array>): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of stream) hash.update(chunk);
  return hash.digest("hex");
}

/** A loopback port nothing listens on (it was free a moment ago). */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === "object") resolve(address.port);
        else reject(new Error("no port"));
      });
    });
  });
}

describe.skipIf(!endpoint)("S3BlobStore against a real S3-API server", () => {
  const base: S3BlobStoreOptions = {
    bucket: env.AA_TEST_S3_BUCKET ?? "",
    region: env.AA_TEST_S3_REGION ?? "us-east-1",
    ...(endpoint ? { endpoint } : {}),
    ...(env.AA_TEST_S3_ACCESS_KEY_ID ? { accessKeyId: env.AA_TEST_S3_ACCESS_KEY_ID } : {}),
    ...(env.AA_TEST_S3_SECRET_ACCESS_KEY ? { secretAccessKey: env.AA_TEST_S3_SECRET_ACCESS_KEY } : {}),
  };
  // A plain client to look at the bucket as an operator would (what is stored, what is pending).
  const inspector = new S3Client({
    region: base.region,
    ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
    ...(base.accessKeyId && base.secretAccessKey
      ? { credentials: { accessKeyId: base.accessKeyId, secretAccessKey: base.secretAccessKey } }
      : {}),
  });
  afterAll(() => {
    inspector.destroy();
  });

  async function objectsUnder(prefix: string): Promise<string[]> {
    const listed = await inspector.send(
      new ListObjectsV2Command({ Bucket: base.bucket, Prefix: `${prefix}/` }),
    );
    return (listed.Contents ?? []).map((o) => o.Key ?? "");
  }

  async function pendingUploadsUnder(prefix: string): Promise<string[]> {
    const listed = await inspector.send(
      new ListMultipartUploadsCommand({ Bucket: base.bucket, Prefix: `${prefix}/` }),
    );
    return (listed.Uploads ?? []).map((u) => u.Key ?? "");
  }

  /** A store on a fresh key prefix, and a cleanup that removes what it stored. */
  function freshStore(options: Partial<S3BlobStoreOptions> = {}): {
    store: S3BlobStore;
    prefix: string;
    cleanup: () => Promise<void>;
  } {
    const prefix = `t-${randomUUID()}`;
    const store = openS3BlobStore({ ...base, prefix, ...options });
    return {
      store,
      prefix,
      async cleanup() {
        const keys = await objectsUnder(prefix);
        if (keys.length > 0) {
          await inspector.send(
            new DeleteObjectsCommand({
              Bucket: base.bucket,
              Delete: { Objects: keys.map((Key) => ({ Key })) },
            }),
          );
        }
        store.close();
      },
    };
  }

  describeBlobStore(async () => {
    const { store, cleanup } = freshStore();
    return Promise.resolve({ adapter: store, cleanup });
  });

  describe("beyond the contract", () => {
    let subject: ReturnType<typeof freshStore>;
    beforeEach(() => {
      subject = freshStore({ partSize: PART });
      return () => subject.cleanup();
    });

    it("when a 12 MB stream is put (three multipart parts), then it reads back byte-identical", async () => {
      const data = randomBytes(12 * MiB);

      const result = await subject.store.put("documents/doc_big/original", randomStream(data));

      expect(result.size).toBe(data.byteLength);
      expect(await subject.store.stat("documents/doc_big/original")).toEqual({ size: data.byteLength });
      expect(sha256(await subject.store.read("documents/doc_big/original"))).toBe(sha256(data));
      expect(await sha256Of(await subject.store.get("documents/doc_big/original"))).toBe(sha256(data));
      const tail = data.subarray(PART - 3, PART + 5); // across the first part boundary
      expect(
        await sha256Of(
          await subject.store.get("documents/doc_big/original", { start: PART - 3, end: PART + 4 }),
        ),
      ).toBe(sha256(tail));
    });

    it("when a body fails after two parts were uploaded, then its error is rethrown, no object exists and no multipart upload is left pending", async () => {
      const data = randomBytes(12 * MiB);
      const boom = new Error("client went away");

      await expect(
        subject.store.put("documents/doc_cut/original", randomStream(data, { after: 11 * MiB, error: boom })),
      ).rejects.toBe(boom);

      expect(await subject.store.stat("documents/doc_cut/original")).toBeNull();
      expect(await objectsUnder(subject.prefix)).toEqual([]);
      expect(await pendingUploadsUnder(subject.prefix)).toEqual([]);
    });

    it("when a multipart overwrite fails midway, then the previous object is still there, whole", async () => {
      const original = randomBytes(6 * MiB);
      await subject.store.put("keep", randomStream(original));

      await expect(
        subject.store.put(
          "keep",
          randomStream(randomBytes(12 * MiB), { after: 11 * MiB, error: new Error("aborted") }),
        ),
      ).rejects.toThrow("aborted");

      expect(sha256(await subject.store.read("keep"))).toBe(sha256(original));
      expect(await pendingUploadsUnder(subject.prefix)).toEqual([]);
    });

    it("when a range starts past the end, then no bytes come back", async () => {
      await subject.store.put("short", text("0123"));

      expect(await sha256Of(await subject.store.get("short", { start: 10 }))).toBe(sha256(new Uint8Array()));
      expect(await errorCodeOf(subject.store.get("short", { start: -1 }))).toBe("validation_failed");
    });

    it("when blobs are stored, then they sit under the prefix with SSE-S3 (AES256) requested by default", async () => {
      await subject.store.put("small", text("pdf"), { contentType: "application/pdf" });
      await subject.store.put("large", randomStream(randomBytes(6 * MiB)));

      for (const key of ["small", "large"]) {
        const head = await inspector.send(
          new HeadObjectCommand({ Bucket: base.bucket, Key: `${subject.prefix}/${key}` }),
        );
        expect(head.ServerSideEncryption, key).toBe("AES256");
      }
      expect(
        (await inspector.send(new HeadObjectCommand({ Bucket: base.bucket, Key: `${subject.prefix}/small` })))
          .ContentType,
      ).toBe("application/pdf");
    });

    it("when SSE-KMS with a key id is configured, then objects are stored asking for that key", async () => {
      const kms = freshStore({ sse: { type: "aws:kms", kmsKeyId: "alias/academic-assist" }, partSize: PART });

      await kms.store.put("small", text("pdf"));
      await kms.store.put("large", randomStream(randomBytes(6 * MiB)));

      for (const key of ["small", "large"]) {
        const head = await inspector.send(
          new HeadObjectCommand({ Bucket: base.bucket, Key: `${kms.prefix}/${key}` }),
        );
        expect(head.ServerSideEncryption, key).toBe("aws:kms");
        expect(head.SSEKMSKeyId, key).toBe("alias/academic-assist");
      }
      await kms.cleanup();
    });
  });

  describe("when the server cannot be reached", () => {
    it("then every operation fails with service_unavailable and ping answers false", async () => {
      const port = await closedPort();
      const store = openS3BlobStore({ ...base, endpoint: `http://127.0.0.1:${port}` });

      expect(await errorCodeOf(store.put("documents/doc_1/original", text("pdf")))).toBe(
        "service_unavailable",
      );
      expect(await errorCodeOf(store.get("documents/doc_1/original"))).toBe("service_unavailable");
      expect(await errorCodeOf(store.read("documents/doc_1/original"))).toBe("service_unavailable");
      expect(await errorCodeOf(store.stat("documents/doc_1/original"))).toBe("service_unavailable");
      expect(await errorCodeOf(store.delete("documents/doc_1/original"))).toBe("service_unavailable");
      expect(await store.ping()).toBe(false);
      store.close();
    });

    it("then a large upload fails with service_unavailable without reading the rest of the body", async () => {
      const port = await closedPort();
      const store = openS3BlobStore({ ...base, endpoint: `http://127.0.0.1:${port}`, partSize: PART });
      let read = 0;
      let closed = false;
      async function* hundredMiB(): AsyncGenerator<Uint8Array> {
        try {
          for (let i = 0; i < 100; i++) {
            read += MiB;
            yield new Uint8Array(MiB);
          }
        } finally {
          closed = true;
        }
      }

      expect(await errorCodeOf(store.put("documents/doc_1/original", hundredMiB()))).toBe(
        "service_unavailable",
      );

      expect(closed).toBe(true);
      expect(read).toBeLessThan(100 * MiB);
      store.close();
    });

    it("then a missing bucket is service_unavailable too, not a missing blob", async () => {
      const store = openS3BlobStore({ ...base, bucket: `missing-${randomUUID()}` });

      expect(await errorCodeOf(store.read("documents/doc_1/original"))).toBe("service_unavailable");
      expect(await store.ping()).toBe(false);
      store.close();
    });
  });
});
