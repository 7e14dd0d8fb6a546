import * as vscode from "vscode";
import { describeError } from "../errors.ts";
import type { Session } from "../session.ts";

export type Report = (value: { message?: string; increment?: number }) => void;

/**
 * A cancellable notification; the cancellation token is passed on as an `AbortSignal` so that the
 * SDK's requests and waits stop at once.
 */
export function withCancellableProgress<T>(
  title: string,
  task: (report: Report, signal: AbortSignal) => Promise<T>,
): Thenable<T> {
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title, cancellable: true },
    async (progress, token) => {
      const controller = new AbortController();
      const sub = token.onCancellationRequested(() => controller.abort());
      if (token.isCancellationRequested) controller.abort();
      try {
        return await task((v) => progress.report(v), controller.signal);
      } finally {
        sub.dispose();
      }
    },
  );
}

/**
 * Runs `work`; on failure shows a readable error with "Retry" (when retrying could help) or
 * "Sign In" (when the token is missing, expired or revoked), and runs it again on "Retry".
 * Never rejects: a command's failure is a message, not an unhandled rejection.
 */
export async function runWithRetry<T>(
  session: Session,
  log: { error(message: string, err?: unknown): void },
  what: string,
  work: () => Promise<T>,
): Promise<T | undefined> {
  for (;;) {
    try {
      return await work();
    } catch (err) {
      session.noteFailure(err);
      const report = describeError(err, { serverUrl: session.serverUrl });
      if (report.kind === "cancelled") return undefined;
      log.error(`${what} failed`, err);
      const actions =
        report.kind === "auth" ? ["Sign In"] : report.retryable ? ["Retry", "Show Log"] : ["Show Log"];
      const choice = await vscode.window.showErrorMessage(`${what}: ${report.message}`, ...actions);
      if (choice === "Retry") continue;
      if (choice === "Sign In") await vscode.commands.executeCommand("academic-assist.signIn");
      if (choice === "Show Log") await vscode.commands.executeCommand("academic-assist.showLog");
      return undefined;
    }
  }
}
