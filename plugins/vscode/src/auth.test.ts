// Sign-in, expired tokens and a server that goes away: the real extension against the VSCODE API
// DOUBLE (src/test/vscode-double.ts) and a REAL local backend (registration allowed for this file).
import { AcademicAssist } from "@academic-assist/sdk";
import { existsSync } from "node:fs";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";

vi.mock("vscode", async () => (await import("./test/vscode-double.ts")).vscodeDouble);

import {
  copyInto,
  corpusDir,
  eventually,
  makeWorkspace,
  removeTempFolders,
  messages,
  startExtension,
  startLocalBackend,
  type LocalBackend,
  type Running,
} from "./test/harness.ts";
import type * as vscodeTypes from "vscode";
import { activate } from "./extension.ts";
import {
  createExtensionContext,
  resetDouble,
  setSetting,
  Uri,
  ui,
  vscodeDouble as vscode,
} from "./test/vscode-double.ts";

const EMAIL = "researcher@example.org";
const PASSWORD = "correct horse battery staple";
const PAPER = path.join(corpusDir, "papers", "test1.pdf");

function scriptPasswordSignIn(email: string, password: string): void {
  ui.answerQuickPick = (items) => items.find((i) => typeof i === "object" && i.method === "password");
  ui.answerInputBox = (o) => (o.password ? password : email);
}

describe("signing in, expired tokens and a server that is down", () => {
  let backend: LocalBackend;
  let running: Running | undefined;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);

  beforeAll(async () => {
    backend = await startLocalBackend({ ALLOW_REGISTRATION: "true" });
    await new AcademicAssist({ baseURL: backend.url }).auth.register({
      email: EMAIL,
      password: PASSWORD,
      name: "R. Searcher",
    });
    // No discovery file here: the extension must be signed in explicitly.
    vi.stubEnv("XDG_CONFIG_HOME", makeWorkspace("aa-empty-config-"));
    process.on("unhandledRejection", onUnhandled);
  });
  afterAll(async () => {
    removeTempFolders();
    process.off("unhandledRejection", onUnhandled);
    vi.unstubAllEnvs();
    await backend?.stop();
  });
  afterEach(() => {
    running?.stop();
    running = undefined;
  });

  function start(): Running {
    running = startExtension(makeWorkspace(), { "academic-assist.serverUrl": backend.url });
    return running;
  }

  /** Like restarting VS Code: the secret storage survives, everything else starts afresh. */
  function restartWithSecret([key, value]: [string, string]): Running {
    resetDouble([makeWorkspace()]);
    setSetting("academic-assist.serverUrl", backend.url);
    const context = createExtensionContext();
    context.secrets.preload(key, value);
    const api = activate(context as unknown as vscodeTypes.ExtensionContext);
    running = {
      api,
      context,
      workspace: "",
      stop: () => {
        for (const d of context.subscriptions.reverse()) d.dispose();
      },
    };
    return running;
  }

  const statusText = () => ui.statusBarItems.at(-1)?.text ?? "";

  it("when no token is stored and no local server is found, then the status bar and the library invite to sign in", async () => {
    const r = start();

    await eventually(() => r.api.deps.session.state === "signedOut", 5_000, "signedOut");

    expect(statusText()).toBe("$(account) Academic Assist: sign in");
    expect(ui.statusBarItems.at(-1)?.command).toBe("academic-assist.signIn");
    expect(ui.context.get("academicAssist.signedIn")).toBe(false);
    expect(await r.api.deps.library.getChildren()).toEqual([]);
  });

  it("when the password is wrong, then sign-in fails with a readable message and nothing is stored", async () => {
    const r = start();
    scriptPasswordSignIn(EMAIL, "not the password");

    const ok = await vscode.commands.executeCommand("academic-assist.signIn");

    expect(ok).toBe(false);
    expect(messages("error")).toEqual([`Sign-in failed: wrong email or password for ${backend.url}.`]);
    expect(await r.context.secrets.keys()).toEqual([]);
    expect(r.api.deps.session.state).toBe("signedOut");
  });

  it("when a pasted API token is not accepted, then sign-in fails with a readable message", async () => {
    const r = start();
    ui.answerQuickPick = (items) => items.find((i) => typeof i === "object" && i.method === "token");
    ui.answerInputBox = () => "aa_this-token-does-not-exist";

    const ok = await vscode.commands.executeCommand("academic-assist.signIn");

    expect(ok).toBe(false);
    expect(messages("error")[0]).toMatch(/does not accept this API token/);
    expect(await r.context.secrets.keys()).toEqual([]);
  });

  it("when the password is right, then a personal API token is kept in secret storage only and never logged", async () => {
    const r = start();
    scriptPasswordSignIn(EMAIL, PASSWORD);

    const ok = await vscode.commands.executeCommand("academic-assist.signIn");

    expect(ok).toBe(true);
    const secrets = r.context.secrets.all();
    expect(secrets.size).toBe(1);
    const [key, value] = [...secrets][0]!;
    expect(key).toBe(`academic-assist.credentials:${new URL(backend.url).origin}`);
    const stored = JSON.parse(value) as { token: string; tokenId: string };
    expect(stored.token.length).toBeGreaterThan(10);
    expect(
      r.context.workspaceState.keys().map((k) => JSON.stringify(r.context.workspaceState.get(k))),
    ).not.toContainEqual(expect.stringContaining(stored.token));
    expect(ui.logLines.join("\n")).not.toContain(stored.token);
    expect(ui.logLines.join("\n")).not.toContain(PASSWORD);
    expect(ui.logLines.join("\n")).toContain(`Signed in to ${backend.url} as ${EMAIL}`);
    expect(r.api.deps.session.state).toBe("connected");
    expect(statusText()).toMatch(/^\$\(library\) Academic Assist/);
    expect(ui.context.get("academicAssist.signedIn")).toBe(true);
  });

  it("when the stored token was revoked, then a command says the session expired and offers Sign In", async () => {
    const r = start();
    scriptPasswordSignIn(EMAIL, PASSWORD);
    await vscode.commands.executeCommand("academic-assist.signIn");
    const stored = JSON.parse([...r.context.secrets.all().values()][0]!) as {
      token: string;
      tokenId: string;
    };
    await new AcademicAssist({ baseURL: backend.url, apiKey: stored.token }).tokens.revoke(stored.tokenId);
    ui.messages.length = 0;

    await vscode.commands.executeCommand("academic-assist.askLibrary", "anything at all");

    const error = ui.messages.find((m) => m.severity === "error");
    expect(error?.message).toBe(
      `Asking the library: Your Academic Assist session for ${backend.url} has expired or was revoked. Sign in again.`,
    );
    expect(error?.items).toEqual(["Sign In"]);
    expect(r.api.deps.session.state).toBe("unauthorized");
    expect(statusText()).toBe("$(warning) Academic Assist: sign in");
    // One message for one failure: the command's error (a background prompt comes only from the event stream).
    expect(
      ui.messages.filter((m) => m.severity === "error" && /expired or was revoked/.test(m.message)),
    ).toHaveLength(1);
  });

  it("when the editor starts with a token the server no longer accepts, then it prompts to sign in again", async () => {
    const first = start();
    scriptPasswordSignIn(EMAIL, PASSWORD);
    await vscode.commands.executeCommand("academic-assist.signIn");
    const saved = [...first.context.secrets.all()][0]!;
    const stored = JSON.parse(saved[1]) as { token: string; tokenId: string };
    await new AcademicAssist({ baseURL: backend.url, apiKey: stored.token }).tokens.revoke(stored.tokenId);
    first.stop();

    const r = restartWithSecret(saved);
    await eventually(() => r.api.deps.session.state === "unauthorized", 10_000, "unauthorized");

    const warning = await eventually(
      () => ui.messages.find((m) => m.severity === "warning"),
      5_000,
      "a prompt",
    );
    expect(warning.message).toBe(
      `Your Academic Assist session for ${backend.url} has expired or was revoked. Sign in again.`,
    );
    expect(warning.items).toEqual(["Sign In"]);
    expect(statusText()).toBe("$(warning) Academic Assist: sign in");
  });

  it("when the server is down, then commands show a clear message, the status bar says so and nothing crashes", async () => {
    const r = start();
    scriptPasswordSignIn(EMAIL, PASSWORD);
    await vscode.commands.executeCommand("academic-assist.signIn");
    await backend.stopServer();
    ui.messages.length = 0;
    const ws = r.workspace;
    const pdf = existsSync(PAPER)
      ? Uri.file(copyInto(ws, PAPER, "paper.pdf"))
      : Uri.file(path.join(ws, "missing.pdf"));

    const processed = await vscode.commands.executeCommand("academic-assist.processPdf", pdf);
    await vscode.commands.executeCommand("academic-assist.refreshLibrary");
    const roots = await r.api.deps.library.getChildren();
    const searching = vscode.commands.executeCommand("academic-assist.search", "attention");
    const qp = await eventually(() => ui.lastQuickPick, 5_000, "quick pick");
    const items = await eventually(() => (qp.items.length > 0 ? qp.items : null), 20_000, "an answer");
    qp.hide();
    await searching;
    // Give the event stream's reconnect loop time to fail a few times in the background.
    await new Promise((resolve) => setTimeout(resolve, 3_000));

    expect(processed).toEqual([]);
    if (existsSync(PAPER)) {
      const error = ui.messages.find((m) => m.severity === "error");
      expect(error?.message).toBe(
        `Processing paper.pdf: Cannot reach the Academic Assist server at ${backend.url}. Is it running? (Start it with \`npm start\`, or check the academic-assist.serverUrl setting.)`,
      );
      expect(error?.items).toEqual(["Retry", "Show Log"]);
    }
    expect(r.api.deps.session.state).toBe("offline");
    expect(statusText()).toMatch(/^\$\(debug-disconnect\) Academic Assist/);
    expect(roots).toHaveLength(1);
    expect(roots[0]).toMatchObject({
      kind: "message",
      text: expect.stringMatching(/Cannot reach the Academic Assist server/),
    });
    expect(items[0]!.label).toMatch(/^\$\(warning\) Cannot reach the Academic Assist server/);
    expect(unhandled).toEqual([]);
  });
});
