import * as vscode from "vscode";
import type { Deps } from "../deps.ts";
import { describeError } from "../errors.ts";

type Method = "password" | "token";

/** Sign In: email + password (a personal API token is minted and stored), or a pasted API token. */
export function register(deps: Deps): vscode.Disposable {
  return vscode.commands.registerCommand("academic-assist.signIn", () => signIn(deps));
}

export async function signIn(deps: Deps): Promise<boolean> {
  const { serverUrl } = deps.config();
  const picked = await vscode.window.showQuickPick(
    [
      { label: "$(mail) Email and password", method: "password" as Method },
      {
        label: "$(key) Paste an API token",
        method: "token" as Method,
        detail: "Create one with `academic-assist login` or in your account settings",
      },
    ],
    {
      title: `Sign in to Academic Assist at ${serverUrl}`,
      placeHolder: "How do you want to sign in?",
      ignoreFocusOut: true,
    },
  );
  if (!picked) return false;
  let secret: { email: string; password: string } | { token: string };
  if (picked.method === "password") {
    const email = await vscode.window.showInputBox({
      title: `Sign in to ${serverUrl}`,
      prompt: "Email",
      placeHolder: "you@example.org",
      ignoreFocusOut: true,
      validateInput: (v) => (/^\S+@\S+$/.test(v.trim()) ? undefined : "Enter an email address"),
    });
    if (!email) return false;
    const password = await vscode.window.showInputBox({
      title: `Sign in to ${serverUrl}`,
      prompt: `Password for ${email.trim()}`,
      password: true,
      ignoreFocusOut: true,
    });
    if (!password) return false;
    secret = { email: email.trim(), password };
  } else {
    const token = await vscode.window.showInputBox({
      title: `Sign in to ${serverUrl}`,
      prompt: "Personal API token",
      password: true,
      ignoreFocusOut: true,
      validateInput: (v) => (v.trim().length >= 8 ? undefined : "Paste the whole token"),
    });
    if (!token) return false;
    secret = { token: token.trim() };
  }
  try {
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Signing in to ${serverUrl}…` },
      () =>
        "token" in secret
          ? deps.session.signInWithToken(secret.token)
          : deps.session.signInWithPassword(secret.email, secret.password),
    );
  } catch (err) {
    const report = describeError(err, { serverUrl, signingIn: picked.method });
    deps.log.warn(`Sign-in to ${serverUrl} failed: ${report.message}`);
    const choice = await vscode.window.showErrorMessage(
      report.message,
      ...(report.retryable ? ["Retry"] : ["Try Again"]),
    );
    if (choice === "Retry" || choice === "Try Again") return signIn(deps);
    return false;
  }
  void vscode.window.showInformationMessage(`Signed in to Academic Assist at ${serverUrl}.`);
  deps.library.refreshNow();
  deps.events.restart();
  return true;
}
