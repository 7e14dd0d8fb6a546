import * as vscode from "vscode";
import * as askLibrary from "./commands/ask-library.ts";
import * as deleteDocument from "./commands/delete-document.ts";
import * as generateNote from "./commands/generate-note.ts";
import * as openNote from "./commands/open-note.ts";
import * as processFolder from "./commands/process-folder.ts";
import * as processPdf from "./commands/process-pdf.ts";
import * as refreshLibrary from "./commands/refresh-library.ts";
import * as revealPdf from "./commands/reveal-pdf.ts";
import * as search from "./commands/search.ts";
import * as showLog from "./commands/show-log.ts";
import * as signIn from "./commands/sign-in.ts";
import * as signOut from "./commands/sign-out.ts";
import { affectsUs, configProblems, getConfig } from "./config.ts";
import type { Deps } from "./deps.ts";
import { EventsWatcher } from "./events-watcher.ts";
import { JobTracker } from "./jobs.ts";
import { LibraryTree } from "./library/library-tree.ts";
import { Logger } from "./logger.ts";
import { PdfLocations } from "./notes/pdf-locations.ts";
import { Session, type ConnectionState } from "./session.ts";
import { StatusBar } from "./status-bar.ts";

const COMMANDS = [
  signIn,
  signOut,
  processPdf,
  processFolder,
  generateNote,
  search,
  askLibrary,
  refreshLibrary,
  openNote,
  revealPdf,
  deleteDocument,
  showLog,
];

/** What `activate` returns (the extension's exports): the wiring, for tests and other extensions. */
export interface AcademicAssistApi {
  deps: Deps;
}

/** The composition root: builds the dependencies, registers everything in one place. */
export function activate(context: vscode.ExtensionContext): AcademicAssistApi {
  const channel = vscode.window.createOutputChannel("Academic Assist", { log: true });
  const log = new Logger(channel);
  const session = new Session({
    secrets: context.secrets,
    workspaceState: context.workspaceState,
    config: getConfig,
    log,
    env: { XDG_CONFIG_HOME: process.env.XDG_CONFIG_HOME, HOME: process.env.HOME },
  });
  const jobs = new JobTracker();
  const events = new EventsWatcher(session, log);
  const library = new LibraryTree(session, log, events);
  const deps: Deps = {
    session,
    log,
    config: getConfig,
    jobs,
    library,
    events,
    pdfs: new PdfLocations(context.workspaceState),
    searchDebounceMs: 250,
  };

  context.subscriptions.push(
    channel,
    session,
    events,
    library,
    vscode.window.createTreeView("academicAssist.library", {
      treeDataProvider: library,
      showCollapseAll: true,
    }),
    new StatusBar(session, jobs),
    events.onEvent((e) => jobs.observe(e)),
    events.onReconnect(() => jobs.clearRemote()),
    session.onDidChangeState((state) => void setSignedIn(state)),
    // Background discoveries only: a command that meets a 401 says so in its own error message.
    events.onRefused(() => promptSignIn(deps)),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (!affectsUs(e)) return;
      for (const problem of configProblems()) void vscode.window.showWarningMessage(problem);
      if (affectsUs(e, "serverUrl")) {
        // Another server: drop the old stream; reaching "connected" again starts a new one.
        events.stop();
        session.setState("connecting");
        void session.check();
      }
      library.refresh();
    }),
    ...COMMANDS.map((command) => command.register(deps)),
  );

  log.info(
    `Academic Assist ${(context.extension?.packageJSON as { version?: string } | undefined)?.version ?? ""} — server ${getConfig().serverUrl}`,
  );
  for (const problem of configProblems()) void vscode.window.showWarningMessage(problem);
  void setSignedIn(session.state);
  // Reaching "connected" starts the event stream (EventsWatcher listens to the state).
  void session.check().then((state) => {
    if (state === "unauthorized") promptSignIn(deps);
  });
  return { deps };
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}

function setSignedIn(state: ConnectionState): Thenable<unknown> {
  return vscode.commands.executeCommand("setContext", "academicAssist.signedIn", state !== "signedOut");
}

function promptSignIn(deps: Deps): void {
  void vscode.window
    .showWarningMessage(
      `Your Academic Assist session for ${deps.session.serverUrl} has expired or was revoked. Sign in again.`,
      "Sign In",
    )
    .then((choice) => {
      if (choice === "Sign In") void vscode.commands.executeCommand("academic-assist.signIn");
    });
}
