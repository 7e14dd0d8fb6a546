import { readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { AppError } from "../errors/app-error.ts";
import { CORPUS_DIR, corpusBytes, hasCorpus } from "./corpus.fixture.ts";
import { extractDocument, prewarmExtraction, sandboxStats } from "./sandbox.ts";

const limits = { maxPages: 100, timeoutMs: 30_000, maxMemoryMb: 512 };

describe.skipIf(!hasCorpus)("extractDocument (child process)", () => {
  it("when a paper is extracted in the child, then pages, metadata and progress arrive", async () => {
    const progress: number[] = [];

    const doc = await extractDocument(corpusBytes("papers/test1.pdf"), {
      ...limits,
      onProgress: (done) => progress.push(done),
    });

    expect(doc.pageCount).toBe(4);
    expect(doc.pages[0]!.text).toContain("Complications related to deep venous thrombosis");
    expect(doc.metadata.title).toMatch(/^Complications related/);
    expect(progress).toEqual([1, 2, 3, 4]);
  });

  it("when the PDF is encrypted, then it fails with password_required", async () => {
    const err = await extractDocument(corpusBytes("malformed/issue6010_1.pdf"), limits).catch(
      (e: unknown) => e,
    );

    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe("password_required");
    expect((err as AppError).detail).toBe("The PDF is encrypted and needs a password.");
    expect((err as AppError).unrecoverable).toBe(true);
  });

  it("when the page limit is exceeded in the child, then too_many_pages comes back with its detail", async () => {
    const err = await extractDocument(corpusBytes("papers/test1.pdf"), { ...limits, maxPages: 3 }).catch(
      (e: unknown) => e,
    );

    expect((err as AppError).code).toBe("too_many_pages");
    expect((err as AppError).detail).toMatch(/4 pages; the limit is 3/);
  });

  it("when the timeout is tiny, then the child is killed and extraction_timeout says how long", async () => {
    const started = Date.now();

    const err = await extractDocument(corpusBytes("papers/2203.00130v1.pdf"), {
      ...limits,
      timeoutMs: 150,
    }).catch((e: unknown) => e);

    expect((err as AppError).code).toBe("extraction_timeout");
    expect((err as AppError).detail).toMatch(/150 ms/);
    expect((err as AppError).unrecoverable).toBe(true);
    // Start-up of the child is not counted; the kill itself is prompt.
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it("when the caller aborts, then the child is killed and the extraction fails", async () => {
    const controller = new AbortController();
    setTimeout(() => {
      controller.abort();
    }, 100);

    const err = await extractDocument(corpusBytes("papers/2203.00130v1.pdf"), {
      ...limits,
      signal: controller.signal,
    }).catch((e: unknown) => e);

    expect((err as AppError).code).toBe("extraction_timeout");
    expect((err as AppError).detail).toMatch(/cancelled/);
  });

  it("when each malformed file is extracted, then it either extracts or fails with a readable AppError, and none hangs", async () => {
    const files = readdirSync(path.join(CORPUS_DIR, "malformed")).filter((f) => f.endsWith(".pdf"));
    const outcomes: Record<string, string> = {};

    // Two at a time (one per core): each child is a separate Node process. The timeout is generous
    // so that a loaded CI machine does not turn a slow parse into a "hang"; a real hang still hits it.
    for (let i = 0; i < files.length; i += 2) {
      await Promise.all(
        files.slice(i, i + 2).map(async (f) => {
          try {
            const doc = await extractDocument(corpusBytes(`malformed/${f}`), {
              ...limits,
              timeoutMs: 60_000,
            });
            outcomes[f] = `ok ${doc.pageCount}`;
          } catch (e) {
            if (!(e instanceof AppError)) throw e;
            expect(["pdf_corrupt", "password_required", "extraction_timeout"]).toContain(e.code);
            expect(e.detail.length).toBeGreaterThan(20);
            outcomes[f] = `${e.code}: ${e.detail}`;
          }
        }),
      );
    }

    expect(Object.keys(outcomes)).toHaveLength(files.length);
    expect(outcomes["issue6010_1.pdf"]).toMatch(/^password_required/);
    expect(outcomes["bug1020226.pdf"]).toMatch(/^pdf_corrupt: The file is not a readable PDF/);
    expect(outcomes["poppler-90-0-fuzzed.pdf"]).toMatch(/^ok 16/);
    expect(Object.values(outcomes).some((o) => o.startsWith("extraction_timeout"))).toBe(false);
  }, 600_000);
});

describe.skipIf(!hasCorpus)("extractDocument warm children", () => {
  it("when documents are extracted one after another, then a warm child serves them, and a timed-out child is replaced", async () => {
    const before = sandboxStats().spawned;

    const first = await extractDocument(corpusBytes("papers/gadr.pdf"), limits);
    const second = await extractDocument(corpusBytes("papers/test1.pdf"), limits);
    const afterReuse = sandboxStats().spawned;
    const timedOut = await extractDocument(corpusBytes("papers/2203.00130v1.pdf"), {
      ...limits,
      timeoutMs: 50,
    }).catch((e: unknown) => e);
    const third = await extractDocument(corpusBytes("papers/gadr.pdf"), limits);

    expect(first.pageCount).toBe(3);
    expect(second.pageCount).toBe(4);
    expect(afterReuse - before).toBeLessThanOrEqual(1);
    expect((timedOut as AppError).code).toBe("extraction_timeout");
    // The killed child is gone for good; a warm or new one reads the next document the same way.
    expect(third.pages[0]!.text).toBe(first.pages[0]!.text);
  }, 120_000);
});

describe.skipIf(!hasCorpus)("extractDocument prewarmed children", () => {
  it("when two children are prewarmed, then two documents extracted at once start no new process", async () => {
    const memory = 640; // a heap limit no other test uses, so only these children qualify

    await prewarmExtraction(2, memory);
    const before = sandboxStats().spawned;
    const docs = await Promise.all(
      ["papers/gadr.pdf", "papers/test1.pdf"].map((f) =>
        extractDocument(corpusBytes(f), { ...limits, maxMemoryMb: memory }),
      ),
    );

    expect(docs.map((d) => d.pageCount)).toEqual([3, 4]);
    expect(sandboxStats().spawned).toBe(before);
  }, 120_000);
});
