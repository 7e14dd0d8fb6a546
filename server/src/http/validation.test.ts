import { endpointList } from "@academic-assist/sdk/contract";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { json, startApi, type TestApi } from "../../test/harness.ts";

const fill = (path: string, id: string) => `/api/v1${path.replace(/\{\w+\}/g, id)}`;

describe("input validation on every route", () => {
  let api: TestApi;
  let token: string;
  let projectId: string;
  beforeAll(async () => {
    api = await startApi();
    ({ token } = await api.signUp());
    projectId = (await json(await api.call("POST", "/api/v1/projects", { token, json: { name: "P" } }))).id;
  });
  afterAll(async () => {
    await api.close();
  });

  const withBody = endpointList.filter((e) => e.body);

  it.each(withBody.map((e) => [e.id, e] as const))(
    "when %s gets malformed JSON, then 400 invalid_json",
    async (_id, e) => {
      const res = await api.call(e.method.toUpperCase(), fill(e.path, projectId), {
        token,
        body: '{"name": ',
        headers: { "content-type": "application/json" },
      });

      expect(res.status).toBe(400);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
      expect((await json(res)).code).toBe("invalid_json");
    },
  );

  it.each(withBody.map((e) => [e.id, e] as const))(
    "when %s gets wrong types, then 400 naming the field",
    async (_id, e) => {
      // Every field of every body is a string/enum/number: an array of numbers fits none of them.
      const res = await api.call(e.method.toUpperCase(), fill(e.path, projectId), {
        token,
        json: {
          email: [1],
          password: [1],
          name: [1],
          role: [1],
          template: [1],
          language: [1],
          description: [1],
          expiresInDays: "x",
        },
      });
      const body = await json(res);

      expect(res.status).toBe(400);
      expect(body.code).toBe("validation_failed");
      expect(body.errors.length).toBeGreaterThan(0);
      expect(body.errors[0].path).toMatch(/^body\./);
      expect(body.detail).toContain(body.errors[0].path);
    },
  );

  it("when a query parameter has the wrong type, then 400 naming it", async () => {
    const res = await api.call("GET", `/api/v1/projects?limit=lots`, { token });
    const body = await json(res);

    expect(res.status).toBe(400);
    expect(body.errors[0].path).toBe("query.limit");
  });

  it("when a path id has forbidden characters, then 400 naming it", async () => {
    const res = await api.call("GET", `/api/v1/documents/${encodeURIComponent("../../etc/passwd")}`, {
      token,
    });
    const body = await json(res);

    expect(res.status).toBe(400);
    expect(body.errors[0].path).toBe("params.documentId");
  });

  it("when JSON is sent as text/plain, then 415 and nothing is created", async () => {
    const res = await api.call("POST", "/api/v1/projects", {
      token,
      body: JSON.stringify({ name: "Sneaky" }),
      headers: { "content-type": "text/plain" },
    });
    const list = await json(await api.call("GET", "/api/v1/projects", { token }));

    expect(res.status).toBe(415);
    expect(list.items.map((p: { name: string }) => p.name)).not.toContain("Sneaky");
  });

  it("when a route does not exist, then 404 problem+json", async () => {
    const res = await api.call("GET", "/api/v1/nope", { token });

    expect(res.status).toBe(404);
    expect((await json(res)).code).toBe("not_found");
  });
});
