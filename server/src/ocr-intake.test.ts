import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { openPdf, renderPageForOcr, toPng } from "@academic-assist/core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CORPUS, eventually, json, startApi, type TestApi } from "../test/harness.ts";

/** A PDF whose page tree says it has `count` pages (one real page object; the header is what intake reads). */
function pdfDeclaringPages(count: number): Buffer {
  return Buffer.from(
    "%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n" +
      `2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count ${count} >>\nendobj\n` +
      "3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>\nendobj\n" +
      "trailer\n<< /Root 1 0 R >>\n%%EOF\n",
    "latin1",
  );
}

/** Images and limits through the real upload → worker → index path (OCR in the extraction child). */
describe("OCR and intake limits through the pipeline", () => {
  let api: TestApi;
  let token: string;
  let projectId: string;
  const upload = (body: Buffer | Uint8Array, filename: string, type: string) =>
    api.call("POST", `/api/v1/projects/${projectId}/documents?filename=${filename}`, {
      token,
      body,
      headers: { "content-type": type },
    });
  const waitForDocument = (id: string) =>
    eventually(
      async () => {
        const doc = await json(await api.call("GET", `/api/v1/documents/${id}`, { token }));
        return doc.status === "ready" || doc.status === "failed" ? doc : null;
      },
      90_000,
      `document ${id}`,
    );

  beforeAll(async () => {
    api = await startApi({ JOB_MAX_ATTEMPTS: "2", MAX_PAGES: "2000", OCR_WORKERS: "1" });
    api.startWorker();
    ({ token } = await api.signUp());
    projectId = (await json(await api.call("POST", "/api/v1/projects", { token, json: { name: "Scans" } })))
      .id;
  });
  afterAll(async () => {
    await api.close();
  });

  it("when a PNG of a corpus page is uploaded, then it becomes a ready one-page document read by OCR", async () => {
    const pdf = await openPdf(new Uint8Array(readFileSync(path.join(CORPUS, "papers/gadr.pdf")))).promise;
    const png = await toPng((await renderPageForOcr(await pdf.getPage(1), 60_000_000)).bitmap);
    await pdf.destroy();

    const up = await json(await upload(png, "page.png", "image/png"));
    const doc = await waitForDocument(up.document.id);
    const pages = await json(
      await api.call("GET", `/api/v1/documents/${doc.id}/pages?from=1&to=1`, { token }),
    );

    expect(up.document.mediaType).toBe("image/png");
    expect(doc.status).toBe("ready");
    expect(doc.pageCount).toBe(1);
    expect(pages.items[0].source).toBe("ocr");
    expect(pages.items[0].text.replace(/\s+/g, " ")).toContain("Markdown Architectural");
  }, 90_000);

  it("when a PDF declares 5,000 pages, then the upload is refused at intake and nothing is stored or queued", async () => {
    const blobs = () =>
      readdirSync(path.join(api.dataDir, "blobs"), { recursive: true, withFileTypes: true }).filter((d) =>
        d.isFile(),
      ).length;
    const before = blobs();

    const res = await upload(pdfDeclaringPages(5000), "huge.pdf", "application/pdf");
    const body = await json(res);
    const list = await json(await api.call("GET", `/api/v1/projects/${projectId}/documents`, { token }));

    expect(res.status).toBe(422);
    expect(body.code).toBe("too_many_pages");
    expect(body.detail).toBe("The PDF has 5000 pages; the limit is 2000.");
    expect(list.items.some((d: { filename: string }) => d.filename === "huge.pdf")).toBe(false);
    expect(blobs()).toBe(before);
  });

  it("when an image declares more pixels than the limit, then the document fails on the pixel limit, once", async () => {
    const png = Buffer.alloc(33);
    png.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
    png.writeUInt32BE(100_000, 16);
    png.writeUInt32BE(100_000, 20);

    const up = await json(await upload(png, "bomb.png", "image/png"));
    const doc = await waitForDocument(up.document.id);
    const job = await json(await api.call("GET", `/api/v1/jobs/${up.job.id}`, { token }));

    expect(doc.status).toBe("failed");
    expect(doc.error.code).toBe("payload_too_large");
    expect(doc.error.detail).toMatch(/100000×100000 pixels.*\(MAX_IMAGE_PIXELS\)/);
    expect(job.attempts).toBe(1);
  }, 60_000);
});
