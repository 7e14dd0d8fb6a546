import { AcademicAssist, BadRequestError, NotFoundError } from "@academic-assist/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { json, startApi, type TestApi } from "../../../test/harness.ts";

const SKELETON = [
  "# {{title}}",
  "",
  "{{authors}} ({{year}}) · {{doi}} · {{date}}",
  "",
  "## Gist",
  "{{section:Summary}}",
  "",
  "## Data",
  "{{section:Datasets | Which corpora and datasets were used.}}",
].join("\n");

describe("custom templates API", () => {
  let api: TestApi;
  let owner: { token: string; userId: string };
  let viewer: { token: string; userId: string };
  let stranger: { token: string; userId: string };
  let projectId: string;

  const create = (body: Record<string, unknown>, token = owner.token) =>
    api.call("POST", `/api/v1/projects/${projectId}/templates`, { token, json: body });

  beforeAll(async () => {
    api = await startApi();
    owner = await api.signUp();
    viewer = await api.signUp("viewer-templates@example.org");
    stranger = await api.signUp();
    projectId = (
      await json(await api.call("POST", "/api/v1/projects", { token: owner.token, json: { name: "Tpl" } }))
    ).id;
    await api.call("POST", `/api/v1/projects/${projectId}/members`, {
      token: owner.token,
      json: { email: "viewer-templates@example.org", role: "viewer" },
    });
  }, 60_000);
  afterAll(async () => {
    await api.close();
  });

  it("when an editor creates, reads, updates and deletes a template, then each answer shows the change and the list follows", async () => {
    const created = await create({ name: "Reading note", prompt: "Focus on datasets.", skeleton: SKELETON });
    const template = await json(created);

    expect(created.status).toBe(201);
    expect(template).toMatchObject({
      id: expect.stringMatching(/^tpl_/),
      projectId,
      name: "Reading note",
      language: null,
      builtIn: false,
      sections: ["Summary", "Datasets"],
    });
    const list = await json(
      await api.call("GET", `/api/v1/projects/${projectId}/templates`, { token: viewer.token }),
    );
    expect(list.items.map((t: { id: string }) => t.id)).toEqual([
      "summary",
      "literature-note",
      "methods-results",
      "critique",
      "flashcards",
      "summary-ja",
      template.id,
    ]);
    expect(
      (await json(await api.call("GET", `/api/v1/templates/${template.id}`, { token: viewer.token })))
        .skeleton,
    ).toBe(SKELETON);

    const patched = await api.call("PATCH", `/api/v1/templates/${template.id}`, {
      token: owner.token,
      json: { name: "Reading note v2", language: "ja" },
    });
    expect(patched.status).toBe(200);
    expect(await json(patched)).toMatchObject({
      name: "Reading note v2",
      language: "ja",
      skeleton: SKELETON,
    });

    expect(
      (await api.call("DELETE", `/api/v1/templates/${template.id}`, { token: owner.token })).status,
    ).toBe(204);
    expect((await api.call("GET", `/api/v1/templates/${template.id}`, { token: owner.token })).status).toBe(
      404,
    );
    const after = await json(
      await api.call("GET", `/api/v1/projects/${projectId}/templates`, { token: owner.token }),
    );
    expect(after.items).toHaveLength(6);
  });

  it("when a skeleton has problems, then the save is refused with every problem, its line and column", async () => {
    const skeleton = [
      "# {{title}} by {{author}}",
      "{{year}",
      "<% tp.file.title %>",
      "```dataviewjs",
      "```",
      '<script src="https://evil.example/x.js"></script>',
      "![t](https://tracker.example/p.gif)",
    ].join("\n");

    const res = await create({ name: "Broken", skeleton });

    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toMatch(/application\/problem\+json/);
    const problem = await json(res);
    expect(problem.code).toBe("validation_failed");
    expect(problem.errors).toEqual([
      expect.objectContaining({
        path: "body.skeleton",
        line: 1,
        column: 1,
        message: expect.stringMatching(/no generated section/),
      }),
      expect.objectContaining({
        line: 1,
        column: 16,
        message: expect.stringMatching(/unknown variable `\{\{author\}\}`/),
      }),
      expect.objectContaining({ line: 2, column: 1, message: expect.stringMatching(/unbalanced braces/) }),
      expect.objectContaining({
        line: 3,
        column: 1,
        message: expect.stringMatching(/template-engine syntax `<%`/),
      }),
      expect.objectContaining({ line: 4, column: 4, message: expect.stringMatching(/dataviewjs/) }),
      expect.objectContaining({
        line: 6,
        column: 1,
        message: expect.stringMatching(/raw HTML \(`<script>`\)/),
      }),
      expect.objectContaining({
        line: 7,
        column: 1,
        message: expect.stringMatching(/images from tracker\.example/),
      }),
    ]);
    expect(problem.detail).toMatch(/line 1, column 1/);
  });

  it("when a skeleton, name or prompt is over its size limit, then the save is refused naming the field", async () => {
    const res = await create({
      name: "x".repeat(101),
      prompt: "p".repeat(4001),
      skeleton: `{{section:Summary}}\n${"a".repeat(20_000)}`,
    });

    expect(res.status).toBe(400);
    const paths = (await json(res)).errors.map((e: { path: string }) => e.path).sort();
    expect(paths).toEqual(["body.name", "body.prompt", "body.skeleton"]);
  });

  it("when a name is taken in another case, then creating or renaming to it answers 409", async () => {
    await create({ name: "Critique plus", skeleton: "{{section:Summary}}" });
    const other = await json(await create({ name: "Other", skeleton: "{{section:Summary}}" }));

    const dup = await create({ name: "CRITIQUE PLUS", skeleton: "{{section:Summary}}" });
    const rename = await api.call("PATCH", `/api/v1/templates/${other.id}`, {
      token: owner.token,
      json: { name: "critique plus" },
    });

    expect(dup.status).toBe(409);
    expect(rename.status).toBe(409);
  });

  it("when a viewer writes or a stranger touches a template, then the viewer gets 403 and the stranger 404", async () => {
    const template = await json(await create({ name: "Guarded", skeleton: "{{section:Summary}}" }));
    const path = `/api/v1/templates/${template.id}`;

    expect((await create({ name: "By viewer", skeleton: "{{section:Summary}}" }, viewer.token)).status).toBe(
      403,
    );
    expect((await api.call("PATCH", path, { token: viewer.token, json: { name: "v" } })).status).toBe(403);
    expect((await api.call("DELETE", path, { token: viewer.token })).status).toBe(403);
    expect((await api.call("GET", path, { token: stranger.token })).status).toBe(404);
    expect((await api.call("PATCH", path, { token: stranger.token, json: { name: "s" } })).status).toBe(404);
    expect((await api.call("DELETE", path, { token: stranger.token })).status).toBe(404);
    expect(
      (await api.call("GET", `/api/v1/projects/${projectId}/templates`, { token: stranger.token })).status,
    ).toBe(404);
    expect((await api.call("GET", path, { token: owner.token })).status).toBe(200);
  });

  it("when a skeleton is previewed without a document, then sample metadata fills it and each section shows where it goes", async () => {
    const res = await api.call("POST", `/api/v1/projects/${projectId}/templates/preview`, {
      token: viewer.token,
      json: { skeleton: SKELETON },
    });

    expect(res.status).toBe(200);
    const preview = await json(res);
    expect(preview.problems).toEqual([]);
    expect(preview.sections).toEqual(["Summary", "Datasets"]);
    expect(preview.markdown).toMatch(/^# Attention Is All You Need$/m);
    expect(preview.markdown).toMatch(
      /^Ashish Vaswani, Noam Shazeer, Niki Parmar \(2017\) · 10\.48550\/arXiv\.1706\.03762 · \d{4}-\d\d-\d\d$/m,
    );
    expect(preview.markdown).toContain("## Data\n- _(Datasets: generated statements");
  });

  it("when a broken skeleton is previewed, then the answer lists its problems instead of failing", async () => {
    const preview = await json(
      await api.call("POST", `/api/v1/projects/${projectId}/templates/preview`, {
        token: owner.token,
        json: { skeleton: "{{titel}}\n{{section:Summary}}" },
      }),
    );

    expect(preview.markdown).toBe("");
    expect(preview.problems).toEqual([
      expect.objectContaining({
        line: 1,
        column: 1,
        message: expect.stringMatching(/unknown variable `\{\{titel\}\}`/),
      }),
    ]);
  });

  it("when a note asks for a template of another project, then it is refused as an unknown template", async () => {
    const otherProject = await json(
      await api.call("POST", "/api/v1/projects", { token: stranger.token, json: { name: "Theirs" } }),
    );
    const theirs = await json(
      await api.call("POST", `/api/v1/projects/${otherProject.id}/templates`, {
        token: stranger.token,
        json: { name: "Theirs", skeleton: "{{section:Summary}}" },
      }),
    );

    const res = await api.call("POST", `/api/v1/projects/${projectId}/notes/estimate`, {
      token: owner.token,
      json: { documentIds: ["doc_none"], template: theirs.id },
    });

    expect(res.status).toBe(400);
    expect((await json(res)).errors[0].path).toBe("body.template");
  });

  it("when the SDK manages templates, then list, create, get, update, preview and delete work and problems arrive as errors with positions", async () => {
    const client = new AcademicAssist({ baseURL: api.url, apiKey: owner.token, maxRetries: 0 });

    const created = await client.templates.create(projectId, { name: "From SDK", skeleton: SKELETON });
    const listed: string[] = [];
    for await (const t of client.templates.list(projectId)) listed.push(t.id);
    const builtIn: string[] = [];
    for await (const t of client.templates.list()) builtIn.push(t.id);
    const updated = await client.templates.update(created.id, { description: "Made by the SDK" });
    const preview = await client.templates.preview(projectId, { skeleton: "{{section:Summary}}\n{{nope}}" });
    const refused = await client.templates
      .create(projectId, { name: "Bad", skeleton: "{{section:Summary}}\n<% x %>" })
      .catch((e: unknown) => e);
    await client.templates.delete(created.id);

    expect(listed).toContain(created.id);
    expect(builtIn).not.toContain(created.id);
    expect((await client.templates.get(updated.id).catch((e: unknown) => e)) instanceof NotFoundError).toBe(
      true,
    );
    expect(updated.description).toBe("Made by the SDK");
    expect(preview.problems[0]).toMatchObject({ line: 2, column: 1 });
    expect(refused).toBeInstanceOf(BadRequestError);
    expect((refused as BadRequestError).errors[0]).toMatchObject({
      path: "body.skeleton",
      line: 2,
      column: 1,
    });
  });
});
