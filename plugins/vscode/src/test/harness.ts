/**
 * Test wiring: activates the real extension against the VSCODE API DOUBLE (`vscode-double.ts`) with
 * a real temp workspace folder. The test file must `vi.mock("vscode", …)` before importing this.
 */
import { cpSync, mkdtempSync, realpathSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type * as vscode from "vscode";
import { activate, type AcademicAssistApi } from "../extension.ts";
import { createExtensionContext, resetDouble, setSetting, ui } from "./vscode-double.ts";

export {
  corpusDir,
  repoRoot,
  startLocalBackend,
  type LocalBackend,
} from "../../../../scripts/testing/local-backend.ts";

export interface Running {
  api: AcademicAssistApi;
  context: ReturnType<typeof createExtensionContext>;
  workspace: string;
  stop(): void;
}

const made: string[] = [];

/** A fresh temp folder (real path, so symlink checks compare like with like); removed by `removeTempFolders`. */
export function makeWorkspace(prefix = "aa-vscode-ws-"): string {
  const dir = realpathSync(mkdtempSync(path.join(os.tmpdir(), prefix)));
  made.push(dir);
  return dir;
}

export function removeTempFolders(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export function copyInto(workspace: string, source: string, rel: string): string {
  const target = path.join(workspace, rel);
  cpSync(source, target);
  return target;
}

/** Activates the extension with these user settings, in a workspace with this one folder. */
export function startExtension(workspace: string, settings: Record<string, unknown>): Running {
  resetDouble([workspace]);
  for (const [key, value] of Object.entries(settings)) setSetting(key, value);
  const context = createExtensionContext();
  const api = activate(context as unknown as vscode.ExtensionContext);
  return {
    api,
    context,
    workspace,
    stop: () => {
      for (const d of context.subscriptions.reverse()) d.dispose();
    },
  };
}

/** Polls until `check` is truthy (for things that settle asynchronously, like debounced search). */
export async function eventually<T>(
  check: () => T | Promise<T>,
  ms = 20_000,
  what = "condition",
): Promise<NonNullable<T>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function messages(severity?: "info" | "warning" | "error"): string[] {
  return ui.messages.filter((m) => !severity || m.severity === severity).map((m) => m.message);
}
