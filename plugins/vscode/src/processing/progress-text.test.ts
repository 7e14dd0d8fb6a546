import { describe, expect, it } from "vitest";
import { documentMessage, documentPercent, IncrementTracker, progressMessage } from "./progress-text.ts";

describe("progress text", () => {
  it("when pages are being extracted, then the message names the page", () => {
    expect(progressMessage("extracting", { stage: "extracting", done: 3, total: 12 })).toBe(
      "Extracting text — page 3 of 12",
    );
    expect(progressMessage("indexing", { stage: "indexing", done: 40, total: 80 })).toBe(
      "Indexing for search — 40 of 80 passages",
    );
    expect(progressMessage("generating", null)).toBe("Writing the note…");
  });

  it("when a document moves through its states, then the message and percentage follow", () => {
    expect(documentMessage({ status: "queued", progress: null, pageCount: null })).toBe(
      "Waiting for the worker…",
    );
    expect(documentMessage({ status: "ready", progress: null, pageCount: 9 })).toBe("Ready — 9 pages");
    expect(
      documentPercent({ status: "processing", progress: { stage: "extracting", done: 1, total: 2 } }),
    ).toBeGreaterThan(5);
    expect(documentPercent({ status: "ready", progress: null })).toBe(100);
  });

  it("when percentages go up and down, then increments never go negative and never exceed 100 in total", () => {
    const t = new IncrementTracker();

    const incs = [10, 5, 50, 100, 100].map((p) => t.next(p));

    expect(incs).toEqual([10, 0, 40, 50, 0]);
  });
});
