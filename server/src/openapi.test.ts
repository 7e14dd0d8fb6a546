import { Validator } from "@seriousme/openapi-schema-validator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { json, startApi, type TestApi } from "../test/harness.ts";
import { expressRoutes } from "../test/routes.ts";
import { createApp } from "./app.ts";
import { parseServerConfig } from "./config.ts";

describe("OpenAPI document", () => {
  let api: TestApi;
  let doc: any;
  beforeAll(async () => {
    api = await startApi();
    doc = await json(await api.call("GET", "/api/v1/openapi.json"));
  });
  afterAll(async () => {
    await api.close();
  });

  it("when served, then it validates as OpenAPI 3.1", async () => {
    const result = await new Validator().validate(doc);

    expect(doc.openapi).toBe("3.1.0");
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it("when the server's routes are listed, then every API route appears in the document", () => {
    const { express } = createApp({
      app: api.app,
      config: parseServerConfig({ DATA_DIR: api.dataDir, CORS_ORIGINS: "", LOCAL_BOOTSTRAP: "false" }),
      secret: "x".repeat(40),
    });
    const routes = expressRoutes(express).filter(
      (r) => r.includes(" /api/v1/") && !r.endsWith("/openapi.json"),
    );
    const documented = new Set(
      Object.entries(doc.paths).flatMap(([p, ops]) =>
        Object.keys(ops as object).map((m) => `${m.toUpperCase()} /api/v1${p}`),
      ),
    );

    expect(routes.length).toBeGreaterThan(25);
    expect(routes.filter((r) => !documented.has(r))).toEqual([]);
  });

  it("when an error is documented, then it uses the Problem schema with a code", () => {
    const problem = doc.components.schemas.Problem;

    expect(problem.required).toEqual(expect.arrayContaining(["type", "title", "status", "detail", "code"]));
    expect(
      doc.paths["/projects/{projectId}/documents"].post.responses["413"].content["application/problem+json"],
    ).toBeTruthy();
  });

  it("when an operation takes JSON, honours keys, downloads or signs in, then the document says what it really answers", () => {
    const ops = Object.values(doc.paths as Record<string, Record<string, any>>).flatMap((p) =>
      Object.values(p),
    );
    const json = ops.filter((op) => op.requestBody?.content?.["application/json"]);
    const keyed = ops.filter((op) =>
      (op.parameters as { name: string }[]).some((p) => p.name === "Idempotency-Key"),
    );

    expect(json.length).toBeGreaterThan(10);
    expect(
      json.filter((op) => !op.responses["415"] || !op.responses["413"]).map((op) => op.operationId),
    ).toEqual([]);
    expect(keyed.map((op) => op.operationId)).toEqual(
      expect.arrayContaining(["projects.create", "tokens.create"]),
    );
    expect(keyed.filter((op) => !op.responses["409"]).map((op) => op.operationId)).toEqual([]);
    expect(doc.paths["/auth/login"].post.responses["401"].content["application/problem+json"]).toBeTruthy();
    expect(
      Object.keys(doc.paths["/documents/{documentId}/file"].get.responses["200"].content).sort(),
    ).toEqual(["application/pdf", "image/jpeg", "image/png", "image/tiff"]);
    expect(doc.components.schemas.User.properties.email.pattern).toContain("{0,62}");
  });
});
