import * as vscode from "vscode";
import { Disposable } from "./disposable.ts";
import type { JobTracker } from "./jobs.ts";
import type { Session } from "./session.ts";
import { statusText } from "./status-text.ts";

/** Connection state and running jobs, bottom left; click to sign in, or to open the library. */
export class StatusBar extends Disposable {
  readonly #item: vscode.StatusBarItem;

  constructor(
    private readonly session: Session,
    private readonly jobs: JobTracker,
  ) {
    super();
    this.#item = this._register(
      vscode.window.createStatusBarItem("academic-assist.status", vscode.StatusBarAlignment.Left, 50),
    );
    this.#item.name = "Academic Assist";
    this._register(session.onDidChangeState(() => this.update()));
    this._register(jobs.onDidChange(() => this.update()));
    this.update();
    this.#item.show();
  }

  update(): void {
    const state = this.session.state;
    const { text, tooltip } = statusText(state, this.jobs.count);
    this.#item.text = text;
    this.#item.tooltip = `Academic Assist — ${this.session.serverUrl}\n${tooltip}`;
    this.#item.command =
      state === "signedOut" || state === "unauthorized"
        ? "academic-assist.signIn"
        : "workbench.view.extension.academicAssist";
    this.#item.backgroundColor =
      state === "unauthorized" || state === "offline"
        ? new vscode.ThemeColor("statusBarItem.warningBackground")
        : undefined;
  }
}
