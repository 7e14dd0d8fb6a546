import * as vscode from "vscode";
import type { Deps } from "../deps.ts";

export function register(deps: Deps): vscode.Disposable {
  return vscode.commands.registerCommand("academic-assist.showLog", () => deps.log.show());
}
