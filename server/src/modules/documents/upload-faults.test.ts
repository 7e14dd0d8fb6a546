import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CORPUS, json, startApi, type TestApi } from "../../../test/harness.ts";
import { entriesUnder, multipartForm, requestHead, sendAndHangUp, sendRaw } from "../../../test/raw-http.ts";
import { uploadMetrics, uploadsSettled } from "../../../test/upload-metrics.ts";

const GADR = readFileSync(path.join(CORPUS, "papers/gadr.pdf")); // 3 pages
const EIGHT_PAGES = readFileSync(path.join(CORPUS, "papers/P07-1088.pdf"));

/**
 * Uploads that break off or are refused, on the real server (port 0, real DATA_DIR): whatever the
 * client does, the server keeps serving, every request settles, and no file or folder is left in
 * the blob store (`blobs/.tmp` holds unfinished uploads; it must be empty afterwards).
 */
describe("uploads that break off or are refused", () => {
  let api: TestApi;
  let token: string;
  let projectId: string;
  const blobs = () => entriesUnder(path.join(api.dataDir, "blobs"));
  const tempFiles = () => entriesUnder(path.join(api.dataDir, "blobs", ".tmp"));
  const uploads = () => uploadMetrics(api.url);
  const docCount = async (project = projectId) =>
    (await json(await api.call("GET", `/api/v1/projects/${project}/documents`, { token }))).items.length;
  const newProject = async (name: string) =>
    (await json(await api.call("POST", "/api/v1/projects", { token, json: { name } }))).id as string;
  const uploadPath = (project = projectId, query = "") => `/api/v1/projects/${project}/documents${query}`;
  const multipartHead = (contentType: string, length: number, project = projectId) =>
    requestHead(uploadPath(project), {
      authorization: `Bearer ${token}`,
      "content-type": contentType,
      "content-length": length,
    });
  /** `count` uploads have settled (none still running), nothing is being written, the server answers. */
  const settled = async (count: number) => {
    await uploadsSettled(api.url, count);
    expect(tempFiles()).toEqual([]);
    expect((await api.call("GET", "/healthz")).status).toBe(200);
  };

  beforeAll(async () => {
    api = await startApi({ MAX_UPLOAD_MB: "1", MAX_PAGES: "5" });
    ({ token } = await api.signUp());
    projectId = await newProject("Broken uploads");
  });
  afterAll(async () => {
    await api.close();
  });

  it.each([
    ["inside the part headers", (f: ReturnType<typeof multipartForm>) => f.head.subarray(0, 40)],
    // Cut early, the whole body is in before the blob store starts reading the file part: the
    // case that used to crash the process (busboy's file stream erred with no listener).
    [
      "2 KB into the file",
      (f: ReturnType<typeof multipartForm>) => Buffer.concat([f.head, f.file.subarray(0, 2_000)]),
    ],
    [
      "in the middle of the file",
      (f: ReturnType<typeof multipartForm>) => Buffer.concat([f.head, f.file.subarray(0, 200_000)]),
    ],
    [
      "after the file, before the closing `--`",
      (f: ReturnType<typeof multipartForm>) => Buffer.concat([f.head, f.file, f.tail.subarray(0, 10)]),
    ],
  ])(
    "when a multipart body ends %s, then 400 upload_incomplete problem+json, the server keeps serving and nothing is left",
    async (_where, cut) => {
      const form = multipartForm(GADR, "cut.pdf");
      const body = cut(form);
      const before = blobs();
      const count = (await uploads()).settled;

      const answer = await sendRaw(api.url, [multipartHead(form.contentType, body.length), body]);

      expect(answer.status).toBe(400);
      expect(answer.headers["content-type"]).toContain("application/problem+json");
      expect(JSON.parse(answer.body).code).toBe("upload_incomplete");
      await settled(count + 1);
      expect(blobs()).toEqual(before);
      expect(await docCount()).toBe(0);
    },
  );

  it("when 50 truncated multipart uploads arrive at once, then each is refused, none leaves a file, and a good upload still works", async () => {
    const form = multipartForm(GADR, "cut.pdf");
    const cutAt = [500, 2_000, 20_000, 150_000];
    const before = blobs();
    const count = (await uploads()).settled;

    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => {
        const body = Buffer.concat([form.head, form.file.subarray(0, cutAt[i % cutAt.length])]);
        return sendRaw(api.url, [multipartHead(form.contentType, body.length), body]);
      }),
    );
    await settled(count + 50);
    const good = new FormData();
    good.set("file", new Blob([GADR], { type: "application/pdf" }), "gadr.pdf");
    const res = await api.call("POST", uploadPath(), { token, body: good });

    expect(answers.map((a) => a.status)).toEqual(Array(50).fill(400));
    expect(new Set(answers.map((a) => JSON.parse(a.body).code))).toEqual(new Set(["upload_incomplete"]));
    expect(res.status).toBe(202);
    const id = (await json(res)).document.id as string;
    expect(blobs()).toEqual([...before, "documents", `documents/${id}`, `documents/${id}/original`].sort());
    await api.call("DELETE", `/api/v1/documents/${id}`, { token });
    expect(blobs()).toEqual(before);
  });

  it.each([
    ["in the middle of a multipart upload", "multipart", 300_000],
    ["in the middle of a raw-body upload", "raw", 300_000],
    ["right after the headers, while the upload is being authorised", "raw", 0],
  ] as const)(
    "when the client hangs up %s, then the request settles as upload_incomplete and leaves no file",
    async (_when, kind, sentBytes) => {
      const form = multipartForm(GADR, "gone.pdf");
      const parts =
        kind === "multipart"
          ? [multipartHead(form.contentType, form.whole.length), form.head, GADR.subarray(0, sentBytes)]
          : [
              requestHead(uploadPath(projectId, "?filename=gone.pdf"), {
                authorization: `Bearer ${token}`,
                "content-type": "application/pdf",
                "content-length": GADR.length,
              }),
              GADR.subarray(0, sentBytes),
            ];
      const before = blobs();
      const count = (await uploads()).settled;
      const incomplete = (await uploads()).byOutcome.upload_incomplete ?? 0;

      // With part of the body sent, hang up once the blob store is writing it; else at once.
      await sendAndHangUp(api.url, parts, () => sentBytes === 0 || tempFiles().length > 0);

      await settled(count + 1);
      expect((await uploads()).byOutcome.upload_incomplete).toBe(incomplete + 1);
      expect(blobs()).toEqual(before);
      expect(await docCount()).toBe(0);
    },
  );

  describe("when an upload is refused, then no file or folder is left behind", () => {
    const oversized = Buffer.concat([GADR, GADR, GADR]); // 1.5 MB > MAX_UPLOAD_MB=1
    const notAPdf = Buffer.from("PK\u0003\u0004 a zip file, named .pdf ".repeat(200));
    const cases: [string, number, string, Buffer][] = [
      ["too large", 413, "payload_too_large", oversized],
      ["not a PDF or image", 415, "unsupported_media_type", notAPdf],
      ["empty", 400, "validation_failed", Buffer.alloc(0)],
      ["more pages than MAX_PAGES", 422, "too_many_pages", EIGHT_PAGES],
    ];

    it.each(cases)("as a raw body: %s", async (_what, status, code, bytes) => {
      const before = blobs();
      const count = (await uploads()).settled;

      const res = await api.call("POST", uploadPath(projectId, "?filename=x.pdf"), {
        token,
        body: bytes,
        headers: { "content-type": "application/pdf" },
      });

      expect(res.status).toBe(status);
      expect((await json(res)).code).toBe(code);
      await settled(count + 1);
      expect(blobs()).toEqual(before);
    });

    it.each(cases)("as a multipart form: %s", async (_what, status, code, bytes) => {
      const form = new FormData();
      form.set("file", new Blob([bytes], { type: "application/pdf" }), "x.pdf");
      const before = blobs();
      const count = (await uploads()).settled;

      const res = await api.call("POST", uploadPath(), { token, body: form });

      expect(res.status).toBe(status);
      expect((await json(res)).code).toBe(code);
      await settled(count + 1);
      expect(blobs()).toEqual(before);
    });

    it("when a streamed (chunked) body grows past the limit, then 413", async () => {
      const before = blobs();
      const count = (await uploads()).settled;
      let sent = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent < 3) controller.enqueue(GADR.subarray(0));
          else controller.close();
          sent++;
        },
      });

      const res = await api.call("POST", uploadPath(projectId, "?filename=x.pdf"), {
        token,
        body,
        headers: { "content-type": "application/pdf" },
      });

      expect(res.status).toBe(413);
      await settled(count + 1);
      expect(blobs()).toEqual(before);
    });

    it("as a duplicate of a file already in the project, raw and multipart", async () => {
      const project = await newProject("Duplicates");
      const first = await api.call("POST", uploadPath(project, "?filename=a.pdf"), {
        token,
        body: GADR,
        headers: { "content-type": "application/pdf" },
      });
      expect(first.status).toBe(202);
      const before = blobs();
      const count = (await uploads()).settled;
      const form = new FormData();
      form.set("file", new Blob([GADR], { type: "application/pdf" }), "again.pdf");

      const raw = await api.call("POST", uploadPath(project, "?filename=again.pdf"), {
        token,
        body: GADR,
        headers: { "content-type": "application/pdf" },
      });
      const multipart = await api.call("POST", uploadPath(project), { token, body: form });

      expect([raw.status, multipart.status]).toEqual([200, 200]);
      expect((await json(multipart)).duplicate).toBe(true);
      await settled(count + 2);
      expect(blobs()).toEqual(before);
      expect(await docCount(project)).toBe(1);
    });
  });

  it("when a multipart form has no `file` part, then 400 validation_failed naming it", async () => {
    const form = new FormData();
    form.set("title", "no file here");
    const count = (await uploads()).settled;

    const res = await api.call("POST", uploadPath(), { token, body: form });

    expect(res.status).toBe(400);
    expect((await json(res)).detail).toContain("`file` part");
    await settled(count + 1);
  });
});
