import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CORPUS, json, startApi, type TestApi } from "../../../test/harness.ts";

describe("events (JSON long-poll)", () => {
  let api: TestApi;
  let alice: string;
  let bob: string;
  let projectId: string;
  const upload = (name: string) =>
    api.call("POST", `/api/v1/projects/${projectId}/documents?filename=${name}`, {
      token: alice,
      body: readFileSync(path.join(CORPUS, "papers", name)),
      headers: { "content-type": "application/pdf" },
    });

  beforeAll(async () => {
    api = await startApi();
    alice = (await api.signUp()).token;
    bob = (await api.signUp()).token;
    projectId = (
      await json(await api.call("POST", "/api/v1/projects", { token: alice, json: { name: "Events" } }))
    ).id;
  });
  afterAll(async () => {
    await api.close();
  });

  it("when a client polls without `after`, then it starts from now rather than replaying history", async () => {
    await upload("gadr.pdf");

    const res = await json(await api.call("GET", `/api/v1/events?projectId=${projectId}`, { token: alice }));

    expect(res.items).toEqual([]);
    expect(res.lastEventId).toMatch(/^\d+$/);
  });

  it("when a client long-polls and something happens, then the call returns with that event", async () => {
    const { lastEventId } = await json(
      await api.call("GET", `/api/v1/events?projectId=${projectId}`, { token: alice }),
    );

    const pending = api.call("GET", `/api/v1/events?projectId=${projectId}&after=${lastEventId}&wait=10`, {
      token: alice,
    });
    await new Promise((r) => setTimeout(r, 300));
    const up = await json(await upload("test2.pdf"));
    const res = await json(await pending);

    expect(res.items[0]).toMatchObject({
      type: "document.status",
      documentId: up.document.id,
      data: { status: "queued" },
    });
    expect(Number(res.lastEventId)).toBeGreaterThan(Number(lastEventId));
  });

  it("when another user asks for the project's events, then 404; without a project they see none of them", async () => {
    const theirs = await api.call("GET", `/api/v1/events?projectId=${projectId}&after=0`, { token: bob });
    const all = await json(await api.call("GET", `/api/v1/events?after=0`, { token: bob }));

    expect(theirs.status).toBe(404);
    expect(all.items).toEqual([]);
  });
});
