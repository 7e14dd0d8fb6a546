import * as vscode from "vscode";
import type { Deps } from "../deps.ts";

/** Sign Out: revokes the token this editor minted (best effort) and deletes it from secret storage. */
export function register(deps: Deps): vscode.Disposable {
  return vscode.commands.registerCommand("academic-assist.signOut", async () => {
    const { serverUrl } = deps.config();
    await deps.session.signOut();
    deps.library.refreshNow();
    const stillLocal = await deps.session.hasToken();
    void vscode.window.showInformationMessage(
      stillLocal
        ? `Signed out of ${serverUrl}. The local server's own token is still used; stop the server or change academic-assist.serverUrl to disconnect.`
        : `Signed out of ${serverUrl}.`,
    );
  });
}
