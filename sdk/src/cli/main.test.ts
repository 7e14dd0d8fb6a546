/// <reference types="node" />
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { makeDocument, makeEvent, makeNote, makeProject } from "../../test/fixtures.ts";
import {
  closedPort,
  json,
  problem,
  startWireServer,
  type Handler,
  type WireServer,
} from "../../test/wire-server.ts";
import { contentHash } from "../writeback/index.ts";
import { main, type CliIO } from "./main.ts";

let dir: string;
let server: WireServer | undefined;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "aa-cli-"));
  await writeFile(join(dir, "paper.pdf"), "%PDF-1.7 fake paper");
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  await rm(dir, { recursive: true, force: true });
});

function capture(isTTY = false) {
  const out = { text: "", isTTY, write: (s: string) => (out.text += s) };
  return out;
}

function io(extra: Partial<CliIO> = {}) {
  const stdout = capture();
  const stderr = capture();
  const value: CliIO = {
    stdout,
    stderr,
    env: { XDG_CONFIG_HOME: join(dir, "xdg"), HOME: dir },
    cwd: dir,
    ...extra,
  };
  return { io: value, stdout, stderr };
}

async function generated(body: string): Promise<string> {
  return `---\ntitle: "A Paper"\ncontent_hash: "${await contentHash(body)}"\n---\n${body}`;
}

/** A backend that processes every upload and generates `markdown` as the note. */
async function fakeBackend(state: { markdown: string; uploads: Buffer[] }): Promise<WireServer> {
  let docGets = 0;
  let noteGets = 0;
  const handler: Handler = (req, res) => {
    const route = `${req.method} ${req.path}`;
    if (route === "GET /api/v1/projects") {
      json(res, 200, { items: [makeProject()], nextCursor: null });
      return;
    }
    if (route === "POST /api/v1/projects/prj_1/documents") {
      state.uploads.push(req.body);
      docGets = 0;
      json(res, 202, { document: makeDocument({ status: "queued" }), job: null, duplicate: false });
      return;
    }
    if (route === "GET /api/v1/documents/doc_1") {
      docGets++;
      json(
        res,
        200,
        makeDocument(
          docGets < 2 ? { status: "processing", progress: { stage: "extracting", done: 1, total: 3 } } : {},
        ),
      );
      return;
    }
    if (route === "POST /api/v1/documents/doc_1/notes") {
      noteGets = 0;
      json(res, 202, { note: makeNote({ status: "pending", markdown: "" }), job: null });
      return;
    }
    if (route === "GET /api/v1/notes/note_1") {
      noteGets++;
      json(
        res,
        200,
        makeNote(noteGets < 2 ? { status: "pending", markdown: "" } : { markdown: state.markdown }),
      );
      return;
    }
    if (route === "GET /api/v1/events") {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(`id: 1\ndata: ${JSON.stringify(makeEvent(1))}\n\n`);
      return;
    }
    problem(res, 404, "not_found", `no route ${route}`);
  };
  server = await startWireServer(handler);
  return server;
}

const auth = (url: string) => ["--url", url, "--api-key", "aa_test"];

describe("academic-assist note", () => {
  it("when a PDF is given, then it is uploaded, processed, and the note is written and its path printed", async () => {
    const state = { markdown: await generated("Summary [p. 1]\n"), uploads: [] as Buffer[] };
    const backend = await fakeBackend(state);
    const { io: cli, stdout, stderr } = io();

    const code = await main(["note", "paper.pdf", ...auth(backend.url)], cli);

    expect(stderr.text).not.toContain("Error");
    expect(code).toBe(0);
    expect(stdout.text).toBe(`${join("notes", "A Paper.md")}\n`);
    expect(await readFile(join(dir, "notes", "A Paper.md"), "utf8")).toBe(state.markdown);
    expect(state.uploads[0]?.toString()).toBe("%PDF-1.7 fake paper");
    expect(
      backend.requests.find((r) => r.method === "POST" && r.path.endsWith("/documents"))?.headers[
        "content-type"
      ],
    ).toBe("application/pdf");
    expect(stderr.text).toContain("uploading…\n");
    expect(stderr.text).toContain("extracting…\n");
    expect(stderr.text).toContain("generating note…\n");
  });

  it("when the note was written before and not edited, then a rerun leaves it as it is", async () => {
    const state = { markdown: await generated("Summary [p. 1]\n"), uploads: [] as Buffer[] };
    const backend = await fakeBackend(state);
    await main(["note", "paper.pdf", ...auth(backend.url)], io().io);
    const { io: cli, stdout, stderr } = io();

    const code = await main(["note", "paper.pdf", ...auth(backend.url)], cli);

    expect(code).toBe(0);
    expect(stdout.text).toBe(`${join("notes", "A Paper.md")}\n`);
    expect(stderr.text).toContain("already up to date");
  });

  it("when the user edited the note, then the regenerated note goes to a sibling and the edit survives", async () => {
    const state = { markdown: await generated("Summary [p. 1]\n"), uploads: [] as Buffer[] };
    const backend = await fakeBackend(state);
    await main(["note", "paper.pdf", "--out", "vault", ...auth(backend.url)], io().io);
    const notePath = join(dir, "vault", "A Paper.md");
    const edited = `${state.markdown}My own insight.\n`;
    await writeFile(notePath, edited);
    state.markdown = await generated("Better summary [p. 2]\n");
    const { io: cli, stdout, stderr } = io();

    const code = await main(["note", "paper.pdf", "--out", "vault", ...auth(backend.url)], cli);

    expect(code).toBe(0);
    expect(await readFile(notePath, "utf8")).toBe(edited);
    expect(stdout.text).toMatch(/^vault[/\\]A Paper \(regenerated \d{4}-\d\d-\d\d \d{4}\)\.md\n$/);
    expect(await readFile(join(dir, stdout.text.trim()), "utf8")).toBe(state.markdown);
    expect(stderr.text).toContain("Not overwriting");
    expect(stderr.text).toContain("edited");
  });

  it("when the note's name is a symlink out of the folder, then nothing is written through it", async () => {
    const state = { markdown: await generated("Summary\n"), uploads: [] as Buffer[] };
    const backend = await fakeBackend(state);
    const outside = join(dir, "outside.md");
    await writeFile(outside, "precious");
    await main(["note", "paper.pdf", ...auth(backend.url)], io().io);
    await rm(join(dir, "notes", "A Paper.md"));
    await symlink(outside, join(dir, "notes", "A Paper.md"));
    const { io: cli, stdout } = io();

    const code = await main(["note", "paper.pdf", ...auth(backend.url)], cli);

    expect(code).toBe(0);
    expect(await readFile(outside, "utf8")).toBe("precious");
    expect(stdout.text).toContain("(regenerated");
    expect((await readdir(join(dir, "notes"))).length).toBe(2);
  });

  it("when the server rejects the file type with 415, then the problem, its code and request id are printed", async () => {
    server = await startWireServer((req, res) => {
      if (req.path === "/api/v1/projects") {
        json(res, 200, { items: [makeProject()], nextCursor: null });
        return;
      }
      problem(res, 415, "unsupported_media_type", "This file is not a PDF or an image.");
    });
    await writeFile(join(dir, "notes.docx"), "PK zip");
    const { io: cli, stdout, stderr } = io();

    const code = await main(["note", "notes.docx", ...auth(server.url)], cli);

    expect(code).toBe(1);
    expect(stdout.text).toBe("");
    expect(stderr.text).toContain("This file is not a PDF or an image.");
    expect(stderr.text).toContain("code unsupported_media_type");
    expect(stderr.text).toMatch(/request id req_\d+/);
    expect(stderr.text).toContain("PDF");
  });

  it("when the API key is wrong, then a 401 says how to fix it", async () => {
    server = await startWireServer((_req, res) => {
      problem(res, 401, "unauthorized", "Invalid token.");
    });
    const { io: cli, stderr } = io();

    const code = await main(["note", "paper.pdf", ...auth(server.url)], cli);

    expect(code).toBe(1);
    expect(stderr.text).toContain("code unauthorized");
    expect(stderr.text).toContain("academic-assist login");
  });

  it("when the file does not exist, then it fails before contacting the server", async () => {
    const port = await closedPort();
    const { io: cli, stderr } = io();

    const code = await main(["note", "nope.pdf", ...auth(`http://127.0.0.1:${port}`)], cli);

    expect(code).toBe(1);
    expect(stderr.text).toContain("File not found: nope.pdf");
  });

  it("when the server is down, then the message says so and how to start it", async () => {
    const port = await closedPort();
    const { io: cli, stderr } = io();

    const code = await main(["whoami", ...auth(`http://127.0.0.1:${port}`)], cli);

    expect(code).toBe(1);
    expect(stderr.text).toContain(`cannot reach the Academic Assist server at http://127.0.0.1:${port}`);
    expect(stderr.text).toContain("npm start");
  }, 20_000);

  it("when the arguments are wrong, then exit code is 2", async () => {
    const { io: cli, stderr } = io();

    expect(await main(["note"], cli)).toBe(2);
    expect(await main(["note", "a.pdf", "--language", "de"], cli)).toBe(2);
    expect(stderr.text).toContain("--help");
  });
});

describe("academic-assist search", () => {
  const hit = {
    chunkId: "chk_1",
    documentId: "doc_1",
    projectId: "prj_1",
    documentTitle: "A Paper",
    filename: "paper.pdf",
    pageStart: 3,
    pageEnd: 4,
    section: "Method",
    snippet: "we use attention \u001b[31mheads",
    highlights: [{ start: 7, end: 16 }],
    score: 1.5,
  };

  it("when on a terminal, then hits show title, pages and highlighted snippets with no raw escapes from the server", async () => {
    server = await startWireServer((_req, res) => {
      json(res, 200, { items: [hit], nextCursor: null, tookMs: 3 });
    });
    const { io: cli, stdout } = io();
    stdout.isTTY = true;

    const code = await main(
      ["search", "attention", "--limit", "5", "--project", "prj_1", ...auth(server.url)],
      cli,
    );

    expect(code).toBe(0);
    expect(stdout.text).toContain("\x1b[1mA Paper\x1b[0m — pp. 3–4 · Method");
    expect(stdout.text).toContain("we use \x1b[1;33mattention\x1b[0m  [31mheads");
    expect(server.requests[0]?.query.get("q")).toBe("attention");
    expect(server.requests[0]?.query.get("limit")).toBe("5");
    expect(server.requests[0]?.query.get("projectId")).toBe("prj_1");
  });

  it("when --json is given, then the raw results are printed", async () => {
    server = await startWireServer((_req, res) => {
      json(res, 200, { items: [hit], nextCursor: null, tookMs: 3 });
    });
    const { io: cli, stdout } = io();

    await main(["search", "attention", "--json", ...auth(server.url)], cli);

    expect(JSON.parse(stdout.text).items[0].chunkId).toBe("chk_1");
  });
});

describe("academic-assist whoami", () => {
  it("when the local server's discovery file is present, then it is used", async () => {
    server = await startWireServer((req, res) => {
      expect(req.headers.authorization).toBe("Bearer aa_local");
      json(res, 200, {
        id: "usr_1",
        email: "me@example.org",
        name: "Me",
        createdAt: "2026-11-28T15:30:00.000Z",
      });
    });
    await mkdir(join(dir, "data"));
    await writeFile(
      join(dir, "data", "local-server.json"),
      JSON.stringify({ url: server.url, token: "aa_local", projectId: "prj_1", pid: 1 }),
    );
    const { io: cli, stdout } = io();

    const code = await main(["whoami"], cli);

    expect(code).toBe(0);
    expect(stdout.text).toBe("Me <me@example.org>\n");
  });
});
