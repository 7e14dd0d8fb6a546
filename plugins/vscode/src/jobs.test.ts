import type { Event } from "@academic-assist/sdk";
import { describe, expect, it } from "vitest";
import { JobTracker } from "./jobs.ts";

const event = (type: Event["type"], jobId: string, data: Record<string, unknown> = {}): Event => ({
  id: "1",
  type,
  projectId: "prj_1",
  documentId: "doc_1",
  jobId,
  noteId: null,
  data,
  at: "2026-11-28T00:00:00Z",
});

describe("JobTracker", () => {
  it("when the server reports progress and then completion, then the job counts while it runs", () => {
    const jobs = new JobTracker();
    const counts: number[] = [];
    jobs.onDidChange((n) => counts.push(n));

    jobs.observe(event("document.progress", "job_1"));
    jobs.observe(event("job.progress", "job_2"));
    jobs.observe(event("job.progress", "job_2"));
    jobs.observe(event("document.status", "job_1", { status: "ready" }));
    jobs.observe(event("note.failed", "job_2"));

    expect(counts).toEqual([1, 2, 1, 0]);
  });

  it("when local work is tracked, then it counts until it settles, even if it fails", async () => {
    const jobs = new JobTracker();
    let during = 0;

    await jobs.track(Promise.reject(new Error("x"))).catch(() => undefined);
    await jobs.track(Promise.resolve().then(() => (during = jobs.count)));

    expect(during).toBe(1);
    expect(jobs.count).toBe(0);
  });
});
