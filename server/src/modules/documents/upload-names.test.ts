import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CORPUS, json, startApi, type TestApi } from "../../../test/harness.ts";
import { multipartForm, requestHead, sendRaw } from "../../../test/raw-http.ts";

const GADR = readFileSync(path.join(CORPUS, "papers/gadr.pdf"));
let variant = 0;
/** gadr.pdf with a distinct comment after %%EOF, so each upload is new to the duplicate check. */
const uniquePdf = () => Buffer.concat([GADR, Buffer.from(`\n% variant ${++variant}\n`)]);

/** The `filename*` of a Content-Disposition, decoded (RFC 8187). */
function extendedFilename(disposition: string | null): string | undefined {
  const m = /filename\*=UTF-8''([^;\s]+)/.exec(disposition ?? "");
  return m ? decodeURIComponent(m[1]!) : undefined;
}

describe("uploaded file names, download types and caching", () => {
  let api: TestApi;
  let token: string;
  let projectId: string;

  /** Sends a multipart form naming the file `filename` (raw UTF-8 as browsers do, or as `filename*`). */
  const sendNamed = (filename: string, bytes = uniquePdf(), extended = false) => {
    const form = multipartForm(bytes, filename, { extended });
    return sendRaw(api.url, [
      requestHead(`/api/v1/projects/${projectId}/documents`, {
        authorization: `Bearer ${token}`,
        "content-type": form.contentType,
        "content-length": form.whole.length,
      }),
      form.whole,
    ]);
  };
  const uploadNamed = async (filename: string, bytes = uniquePdf(), extended = false) => {
    const answer = await sendNamed(filename, bytes, extended);
    expect(answer.status).toBe(202);
    return JSON.parse(answer.body).document as { id: string; filename: string; mediaType: string };
  };
  const download = (id: string) => api.call("GET", `/api/v1/documents/${id}/file`, { token });

  beforeAll(async () => {
    api = await startApi();
    ({ token } = await api.signUp());
    projectId = (await json(await api.call("POST", "/api/v1/projects", { token, json: { name: "Names" } })))
      .id;
  });
  afterAll(async () => {
    await api.close();
  });

  it("when a multipart file is named 論文-résumé.pdf, then the record and the download's Content-Disposition carry exactly that name, with an ASCII fallback", async () => {
    const doc = await uploadNamed("論文-résumé.pdf");
    const res = await download(doc.id);
    const disposition = res.headers.get("content-disposition");

    expect(doc.filename).toBe("論文-résumé.pdf");
    expect((await json(await api.call("GET", `/api/v1/documents/${doc.id}`, { token }))).filename).toBe(
      "論文-résumé.pdf",
    );
    expect(disposition).toMatch(/^attachment; filename="[\x20-\x7e]+"; filename\*=UTF-8''/);
    expect(disposition).toContain('filename="__-resume.pdf"');
    expect(extendedFilename(disposition)).toBe("論文-résumé.pdf");
  });

  it("when the browser's FormData sends the name, and when it comes in ?filename=, then it round-trips too (in NFC)", async () => {
    const form = new FormData();
    form.set("file", new Blob([uniquePdf()], { type: "application/pdf" }), "論文-résumé.pdf");
    const viaFormData = await json(
      await api.call("POST", `/api/v1/projects/${projectId}/documents`, { token, body: form }),
    );
    const decomposed = "論文-re\u0301sume\u0301.pdf"; // NFD, as macOS file names are
    const viaQuery = await json(
      await api.call(
        "POST",
        `/api/v1/projects/${projectId}/documents?filename=${encodeURIComponent(decomposed)}`,
        { token, body: uniquePdf(), headers: { "content-type": "application/pdf" } },
      ),
    );

    expect(viaFormData.document.filename).toBe("論文-résumé.pdf");
    expect(viaQuery.document.filename).toBe("論文-résumé.pdf");
    expect(viaQuery.document.filename).toBe("論文-résumé.pdf".normalize("NFC"));
  });

  it.each([
    ["a right-to-left override", "invoice\u202Efdp.exe", "invoicefdp.exe"],
    ["bidi isolates and marks", "\u2067report\u2069\u200E\u200F\u061C.pdf", "report.pdf"],
    ["zero-width characters", "pa\u200Bp\u200Ce\u200Dr\u2060\uFEFF.pdf", "paper.pdf"],
    ["a NUL and other control characters", "nul\u0000by\u0007te\u001b\u0085.pdf", "nulbyte.pdf"],
    ["a path", "../../etc/passwd", "passwd"],
  ])(
    "when the name has %s, then they are removed from the record and the header",
    async (_what, sent, kept) => {
      // As `filename*`: a raw control character makes the part header itself invalid (next test).
      const doc = await uploadNamed(sent, uniquePdf(), true);
      const disposition = (await download(doc.id)).headers.get("content-disposition");

      expect(doc.filename).toBe(kept);
      expect(extendedFilename(disposition)).toBe(kept);
    },
  );

  it("when a control character is sent raw in the part header, or a NUL in ?filename=, then 400 or a clean name", async () => {
    const raw = await sendNamed("nul\u0000byte.pdf");
    const viaQuery = await api.call(
      "POST",
      `/api/v1/projects/${projectId}/documents?filename=${encodeURIComponent("nul\u0000byte.pdf")}`,
      { token, body: uniquePdf(), headers: { "content-type": "application/pdf" } },
    );

    expect(raw.status).toBe(400);
    expect(raw.headers["content-type"]).toContain("application/problem+json");
    expect(JSON.parse(raw.body)).toMatchObject({
      code: "validation_failed",
      detail: "Malformed multipart request: Malformed part header.",
    });
    expect(viaQuery.status).toBe(202);
    expect((await json(viaQuery)).document.filename).toBe("nulbyte.pdf");
  });

  it("when the name is 300 characters long, then it is cut to 255 code points keeping its extension, never splitting a character", async () => {
    const latin = await uploadNamed(`${"a".repeat(296)}.pdf`);
    const emoji = await uploadNamed(`${"😀".repeat(298)}.pdf`); // 2 UTF-16 units each
    const cjk = await uploadNamed(`${"論".repeat(296)}.pdf`);

    for (const doc of [latin, emoji, cjk]) {
      expect(Array.from(doc.filename)).toHaveLength(255);
      expect(doc.filename.endsWith(".pdf")).toBe(true);
      // No half of a surrogate pair: the name survives UTF-8 unchanged.
      expect(Buffer.from(doc.filename, "utf8").toString("utf8")).toBe(doc.filename);
    }
    expect(emoji.filename).toBe(`${"😀".repeat(251)}.pdf`);
    expect(extendedFilename((await download(cjk.id)).headers.get("content-disposition"))).toBe(cjk.filename);
  });

  it("when a PDF is uploaded as evil.html, then it downloads as application/pdf, nosniff, as an attachment", async () => {
    const bytes = uniquePdf();
    const doc = await uploadNamed("evil.html", bytes);

    const res = await download(doc.id);

    expect(doc.mediaType).toBe("application/pdf");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/pdf");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="evil\.html"/);
    expect(Buffer.from(await res.arrayBuffer()).equals(bytes)).toBe(true);
  });

  it("when an authenticated request is answered, with data or with a problem, then Cache-Control is no-store", async () => {
    const list = await api.call("GET", `/api/v1/projects/${projectId}/documents`, { token });
    const me = await api.call("GET", "/api/v1/auth/me", { token });
    const missing = await api.call("GET", "/api/v1/documents/doc_missing", { token });
    const unauthenticated = await api.call("GET", "/api/v1/projects");
    const doc = await uploadNamed("cached.pdf");
    const file = await download(doc.id);

    for (const res of [list, me, missing, unauthenticated, file]) {
      expect(res.headers.get("cache-control")).toBe("no-store");
    }
    expect([list.status, me.status, missing.status, unauthenticated.status]).toEqual([200, 200, 404, 401]);
  });
});
