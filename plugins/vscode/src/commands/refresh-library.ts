import * as vscode from "vscode";
import type { Deps } from "../deps.ts";

/** Refresh Library: re-checks the connection, reopens the event stream and re-reads the tree. */
export function register(deps: Deps): vscode.Disposable {
  return vscode.commands.registerCommand("academic-assist.refreshLibrary", async () => {
    const state = await deps.session.check();
    if (state === "connected") deps.events.restart();
    deps.library.refreshNow();
  });
}
