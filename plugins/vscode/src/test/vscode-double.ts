/**
 * VSCODE API DOUBLE — a faithful stand-in for the parts of the `vscode` module this extension uses,
 * because VS Code itself cannot run on the test machines. Tests wire it with
 * `vi.mock("vscode", () => import("./test/vscode-double.ts").then((m) => m.vscodeDouble))`.
 *
 * Faithful where it matters to behaviour: `workspace.fs` works on a real folder on disk and reports
 * symlinks the way VS Code does (`stat` follows the link and ORs `FileType.SymbolicLink` into the
 * target's type); errors are `FileSystemError`s with VS Code's codes; configuration defaults come
 * from this extension's package.json; `commands.registerCommand` refuses duplicates and
 * `executeCommand` rejects unknown ids. The UI (`show*Message`, quick picks, input boxes, progress)
 * records every call in `ui` and answers with the test's scripted choices (default: dismissed).
 */
import { lstat, mkdir, readdir, readFile, rename, rm, stat, writeFile, cp } from "node:fs/promises";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

// ---------------------------------------------------------------------------------------------
// Basics: Disposable, EventEmitter, cancellation

export class Disposable {
  #fn: (() => void) | undefined;
  constructor(fn: () => void) {
    this.#fn = fn;
  }
  static from(...items: { dispose(): unknown }[]): Disposable {
    return new Disposable(() => {
      for (const d of items) d.dispose();
    });
  }
  dispose(): void {
    const fn = this.#fn;
    this.#fn = undefined;
    fn?.();
  }
}

export type Event<T> = (
  listener: (e: T) => unknown,
  thisArgs?: unknown,
  disposables?: Disposable[],
) => Disposable;

export class EventEmitter<T> {
  #listeners = new Set<(e: T) => unknown>();
  #disposed = false;
  readonly event: Event<T> = (listener, thisArgs, disposables) => {
    const bound = (e: T) => listener.call(thisArgs, e);
    this.#listeners.add(bound);
    const d = new Disposable(() => this.#listeners.delete(bound));
    disposables?.push(d);
    return d;
  };
  fire(data: T): void {
    if (this.#disposed) return;
    for (const l of [...this.#listeners]) {
      try {
        l(data);
      } catch (err) {
        // VS Code logs listener errors and carries on; so do we (visibly).
        console.error("listener failed", err);
      }
    }
  }
  dispose(): void {
    this.#disposed = true;
    this.#listeners.clear();
  }
}

export interface CancellationToken {
  isCancellationRequested: boolean;
  onCancellationRequested: Event<void>;
}

export class CancellationTokenSource {
  #emitter = new EventEmitter<void>();
  readonly token: CancellationToken;
  constructor() {
    const emitter = this.#emitter;
    const token = {
      isCancellationRequested: false,
      onCancellationRequested: emitter.event,
    };
    this.token = token;
  }
  cancel(): void {
    if (this.token.isCancellationRequested) return;
    this.token.isCancellationRequested = true;
    this.#emitter.fire();
  }
  dispose(): void {
    this.#emitter.dispose();
  }
}

// ---------------------------------------------------------------------------------------------
// Uri

function encodePath(p: string): string {
  return p
    .split("/")
    .map((seg) => encodeURIComponent(seg))
    .join("/");
}

export class Uri {
  private constructor(
    readonly scheme: string,
    readonly authority: string,
    readonly path: string,
    readonly query: string,
    readonly fragment: string,
  ) {}

  static file(fsPath: string): Uri {
    return new Uri("file", "", path.posix.normalize(fsPath.replace(/\\/g, "/")), "", "");
  }

  static parse(value: string): Uri {
    const m = /^([a-zA-Z][\w+.-]*):(?:\/\/([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?$/.exec(value);
    if (!m) throw new Error(`[UriError]: cannot parse ${value}`);
    return new Uri(
      m[1]!,
      m[2] ?? "",
      decodeURIComponent(m[3] ?? ""),
      m[4] ?? "",
      decodeURIComponent(m[5] ?? ""),
    );
  }

  static from(c: {
    scheme: string;
    authority?: string;
    path?: string;
    query?: string;
    fragment?: string;
  }): Uri {
    return new Uri(c.scheme, c.authority ?? "", c.path ?? "", c.query ?? "", c.fragment ?? "");
  }

  static joinPath(base: Uri, ...segments: string[]): Uri {
    if (!base.path) throw new Error("[UriError]: cannot call joinPath on URI without path");
    return base.with({ path: path.posix.join(base.path, ...segments) });
  }

  get fsPath(): string {
    return this.path;
  }

  with(change: {
    scheme?: string;
    authority?: string;
    path?: string;
    query?: string;
    fragment?: string;
  }): Uri {
    return new Uri(
      change.scheme ?? this.scheme,
      change.authority ?? this.authority,
      change.path ?? this.path,
      change.query ?? this.query,
      change.fragment ?? this.fragment,
    );
  }

  toString(): string {
    return (
      `${this.scheme}://${this.authority}${encodePath(this.path)}` +
      (this.query ? `?${this.query}` : "") +
      (this.fragment ? `#${encodeURIComponent(this.fragment)}` : "")
    );
  }

  toJSON(): unknown {
    return {
      scheme: this.scheme,
      authority: this.authority,
      path: this.path,
      query: this.query,
      fragment: this.fragment,
    };
  }
}

// ---------------------------------------------------------------------------------------------
// File system

export enum FileType {
  Unknown = 0,
  File = 1,
  Directory = 2,
  SymbolicLink = 64,
}

export class FileSystemError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = `${code} (FileSystemError)`;
  }
  static FileNotFound(uri?: Uri | string): FileSystemError {
    return new FileSystemError(`File not found: ${String(uri)}`, "FileNotFound");
  }
  static FileExists(uri?: Uri | string): FileSystemError {
    return new FileSystemError(`File exists: ${String(uri)}`, "FileExists");
  }
  static FileNotADirectory(uri?: Uri | string): FileSystemError {
    return new FileSystemError(`Not a directory: ${String(uri)}`, "FileNotADirectory");
  }
  static FileIsADirectory(uri?: Uri | string): FileSystemError {
    return new FileSystemError(`Is a directory: ${String(uri)}`, "FileIsADirectory");
  }
  static NoPermissions(uri?: Uri | string): FileSystemError {
    return new FileSystemError(`No permissions: ${String(uri)}`, "NoPermissions");
  }
  static Unavailable(uri?: Uri | string): FileSystemError {
    return new FileSystemError(`Unavailable: ${String(uri)}`, "Unavailable");
  }
}

function toFsError(err: unknown, uri: Uri): FileSystemError {
  const code = (err as { code?: string }).code ?? "";
  switch (code) {
    case "ENOENT":
      return FileSystemError.FileNotFound(uri);
    case "EEXIST":
      return FileSystemError.FileExists(uri);
    case "ENOTDIR":
      return FileSystemError.FileNotADirectory(uri);
    case "EISDIR":
      return FileSystemError.FileIsADirectory(uri);
    case "EACCES":
    case "EPERM":
      return FileSystemError.NoPermissions(uri);
    default:
      return new FileSystemError(String(err), "Unknown");
  }
}

function diskPath(uri: Uri): string {
  if (uri.scheme !== "file") throw FileSystemError.Unavailable(uri);
  return uri.fsPath;
}

async function typeOf(p: string): Promise<{ type: FileType; size: number; mtime: number; ctime: number }> {
  const l = await lstat(p);
  if (!l.isSymbolicLink()) {
    return {
      type: l.isFile() ? FileType.File : l.isDirectory() ? FileType.Directory : FileType.Unknown,
      size: l.size,
      mtime: l.mtimeMs,
      ctime: l.ctimeMs,
    };
  }
  // Like VS Code: follow the link and flag it; a dangling link is Unknown | SymbolicLink.
  try {
    const s = await stat(p);
    const base = s.isFile() ? FileType.File : s.isDirectory() ? FileType.Directory : FileType.Unknown;
    return { type: base | FileType.SymbolicLink, size: s.size, mtime: s.mtimeMs, ctime: s.ctimeMs };
  } catch {
    return { type: FileType.SymbolicLink, size: l.size, mtime: l.mtimeMs, ctime: l.ctimeMs };
  }
}

const fs = {
  async stat(uri: Uri) {
    try {
      return await typeOf(diskPath(uri));
    } catch (err) {
      throw toFsError(err, uri);
    }
  },
  async readFile(uri: Uri): Promise<Uint8Array> {
    try {
      return new Uint8Array(await readFile(diskPath(uri)));
    } catch (err) {
      throw toFsError(err, uri);
    }
  },
  /** Like VS Code: creates missing parent folders, replaces an existing file. */
  async writeFile(uri: Uri, content: Uint8Array): Promise<void> {
    try {
      await mkdir(path.dirname(diskPath(uri)), { recursive: true });
      await writeFile(diskPath(uri), content);
      ui.writes.push(uri.fsPath);
    } catch (err) {
      throw toFsError(err, uri);
    }
  },
  async createDirectory(uri: Uri): Promise<void> {
    try {
      await mkdir(diskPath(uri), { recursive: true });
    } catch (err) {
      throw toFsError(err, uri);
    }
  },
  async readDirectory(uri: Uri): Promise<[string, FileType][]> {
    try {
      const names = await readdir(diskPath(uri));
      return await Promise.all(
        names.map(
          async (name) => [name, (await typeOf(path.join(diskPath(uri), name))).type] as [string, FileType],
        ),
      );
    } catch (err) {
      throw toFsError(err, uri);
    }
  },
  async delete(uri: Uri, options?: { recursive?: boolean }): Promise<void> {
    try {
      await lstat(diskPath(uri));
      await rm(diskPath(uri), { recursive: options?.recursive ?? false });
    } catch (err) {
      throw toFsError(err, uri);
    }
  },
  async rename(from: Uri, to: Uri, options?: { overwrite?: boolean }): Promise<void> {
    if (
      !options?.overwrite &&
      (await lstat(diskPath(to)).then(
        () => true,
        () => false,
      ))
    )
      throw FileSystemError.FileExists(to);
    try {
      await rename(diskPath(from), diskPath(to));
    } catch (err) {
      throw toFsError(err, from);
    }
  },
  async copy(from: Uri, to: Uri): Promise<void> {
    await cp(diskPath(from), diskPath(to), { recursive: true });
  },
  isWritableFileSystem: (scheme: string) => scheme === "file",
};

// ---------------------------------------------------------------------------------------------
// Enums and small classes

export enum ProgressLocation {
  SourceControl = 1,
  Window = 10,
  Notification = 15,
}
export enum StatusBarAlignment {
  Left = 1,
  Right = 2,
}
export enum TreeItemCollapsibleState {
  None = 0,
  Collapsed = 1,
  Expanded = 2,
}
export enum ConfigurationTarget {
  Global = 1,
  Workspace = 2,
  WorkspaceFolder = 3,
}
export enum ViewColumn {
  Active = -1,
  Beside = -2,
  One = 1,
}
export enum QuickPickItemKind {
  Separator = -1,
  Default = 0,
}
export enum LogLevel {
  Off = 0,
  Trace = 1,
  Debug = 2,
  Info = 3,
  Warning = 4,
  Error = 5,
}
export enum ExtensionMode {
  Production = 1,
  Development = 2,
  Test = 3,
}

export class ThemeIcon {
  static readonly File = new ThemeIcon("file");
  static readonly Folder = new ThemeIcon("folder");
  constructor(
    readonly id: string,
    readonly color?: ThemeColor,
  ) {}
}
export class ThemeColor {
  constructor(readonly id: string) {}
}
export class MarkdownString {
  value = "";
  isTrusted?: boolean;
  supportThemeIcons?: boolean;
  constructor(value = "") {
    this.value = value;
  }
  appendText(text: string): this {
    this.value += text.replace(/[\\`*_{}[\]()#+\-.!]/g, "\\$&");
    return this;
  }
  appendMarkdown(md: string): this {
    this.value += md;
    return this;
  }
}
export class TreeItem {
  id?: string;
  description?: string | boolean;
  tooltip?: string | MarkdownString;
  iconPath?: ThemeIcon | Uri;
  contextValue?: string;
  command?: { command: string; title: string; arguments?: unknown[] };
  resourceUri?: Uri;
  label?: string;
  constructor(
    labelOrUri: string | Uri,
    public collapsibleState: TreeItemCollapsibleState = TreeItemCollapsibleState.None,
  ) {
    if (typeof labelOrUri === "string") this.label = labelOrUri;
    else this.resourceUri = labelOrUri;
  }
}
export class Position {
  constructor(
    readonly line: number,
    readonly character: number,
  ) {}
}
export class Range {
  constructor(
    readonly start: Position,
    readonly end: Position,
  ) {}
  get isEmpty(): boolean {
    return this.start.line === this.end.line && this.start.character === this.end.character;
  }
}
export class Selection extends Range {
  constructor(
    readonly anchor: Position,
    readonly active: Position,
  ) {
    super(anchor, active);
  }
}
export class RelativePattern {
  constructor(
    readonly base: Uri | string,
    readonly pattern: string,
  ) {}
}

// ---------------------------------------------------------------------------------------------
// Documents and editors

export interface TextDocumentDouble {
  uri: Uri;
  fileName: string;
  languageId: string;
  isUntitled: boolean;
  getText(): string;
  readonly lineCount: number;
}

let untitledCount = 0;

function makeDocument(uri: Uri, languageId: string, text: string, isUntitled: boolean): TextDocumentDouble {
  const doc = {
    uri,
    fileName: uri.fsPath,
    languageId,
    isUntitled,
    text,
    getText: () => doc.text,
    get lineCount() {
      return doc.text.split("\n").length;
    },
  };
  return doc;
}

function offsetAt(text: string, p: Position): number {
  const lines = text.split("\n");
  let off = 0;
  for (let i = 0; i < p.line; i++) off += (lines[i]?.length ?? 0) + 1;
  return off + p.character;
}

export class TextEditorDouble {
  selections: Selection[];
  constructor(readonly document: TextDocumentDouble & { text: string }) {
    const end = new Position(0, 0);
    this.selections = [new Selection(end, end)];
  }
  get selection(): Selection {
    return this.selections[0]!;
  }
  async edit(
    cb: (edit: {
      replace(range: Range, text: string): void;
      insert(p: Position, text: string): void;
    }) => void,
  ) {
    const edits: { range: Range; text: string }[] = [];
    cb({
      replace: (range, text) => edits.push({ range, text }),
      insert: (p, text) => edits.push({ range: new Range(p, p), text }),
    });
    for (const e of edits.reverse()) {
      const t = this.document.text;
      this.document.text =
        t.slice(0, offsetAt(t, e.range.start)) + e.text + t.slice(offsetAt(t, e.range.end));
    }
    return true;
  }
}

// ---------------------------------------------------------------------------------------------
// Scripted UI: every call is recorded; answers come from the test's responders.

export interface MessageRecord {
  severity: "info" | "warning" | "error";
  message: string;
  items: string[];
  modal: boolean;
}
export interface ProgressRecord {
  title: string | undefined;
  location: ProgressLocation;
  cancellable: boolean;
  reports: { message?: string; increment?: number }[];
  done: boolean;
  source: CancellationTokenSource;
}
type Item = string | { label: string; [k: string]: unknown };

export class QuickPickDouble<T extends { label: string }> {
  items: readonly T[] = [];
  selectedItems: readonly T[] = [];
  activeItems: readonly T[] = [];
  title: string | undefined;
  placeholder: string | undefined;
  busy = false;
  matchOnDescription = false;
  matchOnDetail = false;
  visible = false;
  disposed = false;
  #value = "";
  readonly #onDidChangeValue = new EventEmitter<string>();
  readonly #onDidAccept = new EventEmitter<void>();
  readonly #onDidHide = new EventEmitter<void>();
  readonly onDidChangeValue = this.#onDidChangeValue.event;
  readonly onDidAccept = this.#onDidAccept.event;
  readonly onDidHide = this.#onDidHide.event;

  get value(): string {
    return this.#value;
  }
  set value(v: string) {
    // VS Code fires onDidChangeValue for programmatic changes too.
    if (v === this.#value) return;
    this.#value = v;
    this.#onDidChangeValue.fire(v);
  }
  show(): void {
    this.visible = true;
  }
  hide(): void {
    if (!this.visible) return;
    this.visible = false;
    this.#onDidHide.fire();
  }
  dispose(): void {
    this.disposed = true;
    this.hide();
  }
  /** Test: the user types `text` (replacing the input). */
  type(text: string): void {
    this.value = text;
  }
  /** Test: the user presses Enter on `item`. */
  accept(item: T): void {
    this.selectedItems = [item];
    this.activeItems = [item];
    this.#onDidAccept.fire();
  }
}

export interface StatusBarItemDouble {
  id: string;
  name?: string;
  text: string;
  tooltip?: string;
  command?: string;
  backgroundColor?: ThemeColor;
  visible: boolean;
  show(): void;
  hide(): void;
  dispose(): void;
}

export const ui = {
  messages: [] as MessageRecord[],
  progress: [] as ProgressRecord[],
  executed: [] as { command: string; args: unknown[] }[],
  shown: [] as { uri: Uri; document: TextDocumentDouble }[],
  untitled: [] as TextDocumentDouble[],
  quickPicks: [] as { items: Item[]; title?: string }[],
  inputBoxes: [] as { prompt?: string; password?: boolean }[],
  createdQuickPicks: [] as QuickPickDouble<{ label: string } & Record<string, unknown>>[],
  statusBarItems: [] as StatusBarItemDouble[],
  treeProviders: new Map<string, unknown>(),
  logLines: [] as string[],
  writes: [] as string[],
  context: new Map<string, unknown>(),
  /** Scripted answers (default: the user dismisses). */
  answerQuickPick: (_items: Item[], _options: { title?: string }): Item | Item[] | undefined => undefined,
  answerInputBox: (_options: { prompt?: string; password?: boolean }): string | undefined => undefined,
  answerMessage: (_record: MessageRecord): string | undefined => undefined,
  answerOpenDialog: (_options: unknown): Uri[] | undefined => undefined,
  /** Called on every progress report; return true to press the notification's Cancel button. */
  cancelProgress: (_record: ProgressRecord, _report: { message?: string }): boolean => false,
  get lastQuickPick(): QuickPickDouble<{ label: string } & Record<string, unknown>> | undefined {
    return this.createdQuickPicks.at(-1);
  },
};

function labelOf(item: unknown): string {
  if (typeof item === "string") return item;
  if (item && typeof item === "object" && "title" in item && typeof item.title === "string")
    return item.title;
  return String(item);
}

async function showMessage(severity: MessageRecord["severity"], message: string, ...rest: unknown[]) {
  let modal = false;
  const first = rest[0];
  if (first && typeof first === "object" && !("title" in first)) {
    modal = (first as { modal?: boolean }).modal === true;
    rest = rest.slice(1);
  }
  const record: MessageRecord = { severity, message, items: rest.map(labelOf), modal };
  ui.messages.push(record);
  await Promise.resolve();
  const answer = ui.answerMessage(record);
  if (answer === undefined) return undefined;
  if (!record.items.includes(answer))
    throw new Error(`scripted answer "${answer}" is not one of ${record.items.join(", ")}`);
  return rest.find((r) => labelOf(r) === answer);
}

// ---------------------------------------------------------------------------------------------
// Configuration: defaults from package.json, user values set by tests.

const here = path.dirname(fileURLToPath(import.meta.url));
export const packageJson = JSON.parse(readFileSync(path.resolve(here, "../../package.json"), "utf8")) as {
  contributes: { configuration: { properties: Record<string, { default?: unknown }> } };
};
const settings = new Map<string, unknown>();
const onDidChangeConfiguration = new EventEmitter<{ affectsConfiguration(section: string): boolean }>();

function configDefault(key: string): unknown {
  return packageJson.contributes.configuration.properties[key]?.default;
}

function getConfiguration(section?: string) {
  const full = (key: string) => (section ? `${section}.${key}` : key);
  return {
    get<T>(key: string, fallback?: T): T | undefined {
      const k = full(key);
      if (settings.has(k)) return settings.get(k) as T;
      const d = configDefault(k);
      return (d !== undefined ? d : fallback) as T | undefined;
    },
    has(key: string): boolean {
      return settings.has(full(key)) || configDefault(full(key)) !== undefined;
    },
    inspect(key: string) {
      const k = full(key);
      return { key: k, defaultValue: configDefault(k), globalValue: settings.get(k) };
    },
    async update(key: string, value: unknown): Promise<void> {
      setSetting(full(key), value);
    },
  };
}

/** Test: a user setting changes (fires onDidChangeConfiguration like VS Code). */
export function setSetting(key: string, value: unknown): void {
  if (value === undefined) settings.delete(key);
  else settings.set(key, value);
  onDidChangeConfiguration.fire({
    affectsConfiguration: (s: string) => key === s || key.startsWith(`${s}.`),
  });
}

// ---------------------------------------------------------------------------------------------
// workspace, window, commands, env

const workspaceFolders: { uri: Uri; name: string; index: number }[] = [];

function globToRegExp(glob: string): RegExp {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (glob.startsWith("**/", i)) {
      re += "(?:.*/)?";
      i += 2;
    } else if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else re += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

async function walk(dir: string, base: string, out: string[]): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const abs = path.join(dir, entry.name);
    if (entry.isDirectory()) await walk(abs, base, out);
    else if (entry.isFile()) out.push(path.relative(base, abs).split(path.sep).join("/"));
  }
}

const workspace = {
  fs,
  get workspaceFolders() {
    return workspaceFolders.length > 0 ? [...workspaceFolders] : undefined;
  },
  isTrusted: true,
  getWorkspaceFolder(uri: Uri) {
    return workspaceFolders.find(
      (f) =>
        f.uri.scheme === uri.scheme && (uri.path === f.uri.path || uri.path.startsWith(`${f.uri.path}/`)),
    );
  },
  asRelativePath(target: Uri | string): string {
    const p = typeof target === "string" ? target : target.path;
    const folder = workspaceFolders.find((f) => p.startsWith(`${f.uri.path}/`));
    return folder ? p.slice(folder.uri.path.length + 1) : p;
  },
  getConfiguration,
  onDidChangeConfiguration: onDidChangeConfiguration.event,
  async findFiles(include: string | RelativePattern, exclude?: string | null, max?: number): Promise<Uri[]> {
    const roots =
      include instanceof RelativePattern
        ? [typeof include.base === "string" ? include.base : include.base.fsPath]
        : workspaceFolders.map((f) => f.uri.fsPath);
    const pattern = globToRegExp(include instanceof RelativePattern ? include.pattern : include);
    const excluded = exclude ? globToRegExp(exclude) : null;
    const out: Uri[] = [];
    for (const root of roots) {
      const files: string[] = [];
      await walk(root, root, files);
      for (const rel of files) {
        if (pattern.test(rel) && !excluded?.test(rel)) out.push(Uri.file(path.join(root, rel)));
        if (max !== undefined && out.length >= max) return out;
      }
    }
    return out;
  },
  async openTextDocument(arg: Uri | { language?: string; content?: string }): Promise<TextDocumentDouble> {
    if (arg instanceof Uri) {
      const text = new TextDecoder().decode(await fs.readFile(arg));
      return makeDocument(arg, arg.path.endsWith(".md") ? "markdown" : "plaintext", text, false);
    }
    const uri = Uri.from({ scheme: "untitled", path: `Untitled-${++untitledCount}` });
    const doc = makeDocument(uri, arg.language ?? "plaintext", arg.content ?? "", true);
    ui.untitled.push(doc);
    return doc;
  },
};

let activeTextEditor: TextEditorDouble | undefined;

const window = {
  get activeTextEditor() {
    return activeTextEditor;
  },
  set activeTextEditor(editor: TextEditorDouble | undefined) {
    activeTextEditor = editor;
  },
  tabGroups: { activeTabGroup: { activeTab: undefined as { input?: unknown } | undefined } },
  showInformationMessage: (message: string, ...rest: unknown[]) => showMessage("info", message, ...rest),
  showWarningMessage: (message: string, ...rest: unknown[]) => showMessage("warning", message, ...rest),
  showErrorMessage: (message: string, ...rest: unknown[]) => showMessage("error", message, ...rest),
  async showQuickPick(
    items: Item[] | Promise<Item[]>,
    options: { title?: string; canPickMany?: boolean } = {},
  ) {
    const list = await items;
    ui.quickPicks.push({ items: list, title: options.title });
    const answer = ui.answerQuickPick(list, options);
    if (answer === undefined) return undefined;
    for (const a of Array.isArray(answer) ? answer : [answer]) {
      if (!list.includes(a)) throw new Error("scripted quick pick answer is not one of the items");
    }
    return answer;
  },
  async showInputBox(
    options: { prompt?: string; password?: boolean; validateInput?: (v: string) => unknown } = {},
  ) {
    ui.inputBoxes.push({ prompt: options.prompt, password: options.password });
    const value = ui.answerInputBox(options);
    if (value !== undefined && options.validateInput) {
      const problem: unknown = await options.validateInput(value);
      if (problem)
        throw new Error(`scripted input "${value}" would not be accepted: ${JSON.stringify(problem)}`);
    }
    return value;
  },
  async showOpenDialog(options: unknown) {
    return ui.answerOpenDialog(options);
  },
  async withProgress<R>(
    options: { location: ProgressLocation | { viewId: string }; title?: string; cancellable?: boolean },
    task: (
      progress: { report(v: { message?: string; increment?: number }): void },
      token: CancellationToken,
    ) => Thenable<R>,
  ): Promise<R> {
    const source = new CancellationTokenSource();
    const record: ProgressRecord = {
      title: options.title,
      location: typeof options.location === "number" ? options.location : ProgressLocation.Window,
      cancellable: options.cancellable === true,
      reports: [],
      done: false,
      source,
    };
    ui.progress.push(record);
    try {
      return await task(
        {
          report: (v) => {
            record.reports.push({ ...v });
            if (record.cancellable && ui.cancelProgress(record, v)) source.cancel();
          },
        },
        source.token,
      );
    } finally {
      record.done = true;
    }
  },
  createQuickPick<T extends { label: string }>(): QuickPickDouble<T> {
    const qp = new QuickPickDouble<T>();
    ui.createdQuickPicks.push(qp);
    return qp;
  },
  createStatusBarItem(id: string, _alignment?: StatusBarAlignment, _priority?: number): StatusBarItemDouble {
    const item: StatusBarItemDouble = {
      id,
      text: "",
      visible: false,
      show: () => {
        item.visible = true;
      },
      hide: () => {
        item.visible = false;
      },
      dispose: () => {
        item.visible = false;
      },
    };
    ui.statusBarItems.push(item);
    return item;
  },
  createOutputChannel(name: string, options?: { log: true }) {
    const line = (level: string) => (message: string) => ui.logLines.push(`[${level}] ${message}`);
    return {
      name,
      logLevel: options?.log ? LogLevel.Info : undefined,
      trace: line("trace"),
      debug: line("debug"),
      info: line("info"),
      warn: line("warning"),
      error: (m: string | Error) => ui.logLines.push(`[error] ${typeof m === "string" ? m : m.message}`),
      append: (v: string) => ui.logLines.push(v),
      appendLine: (v: string) => ui.logLines.push(v),
      replace: () => undefined,
      clear: () => undefined,
      show: () => undefined,
      hide: () => undefined,
      dispose: () => undefined,
    };
  },
  registerTreeDataProvider(id: string, provider: unknown) {
    ui.treeProviders.set(id, provider);
    return new Disposable(() => ui.treeProviders.delete(id));
  },
  createTreeView(id: string, options: { treeDataProvider: unknown }) {
    ui.treeProviders.set(id, options.treeDataProvider);
    return {
      visible: true,
      message: undefined as string | undefined,
      dispose: () => ui.treeProviders.delete(id),
    };
  },
  async showTextDocument(target: Uri | TextDocumentDouble, _options?: unknown) {
    const document = target instanceof Uri ? await workspace.openTextDocument(target) : target;
    ui.shown.push({ uri: document.uri, document });
    activeTextEditor = new TextEditorDouble(document as TextDocumentDouble & { text: string });
    return activeTextEditor;
  },
};

const commandRegistry = new Map<string, (...args: unknown[]) => unknown>();
const BUILT_IN = new Set([
  "setContext",
  "vscode.open",
  "vscode.diff",
  "revealInExplorer",
  "workbench.view.extension.academicAssist",
]);

const commands = {
  registerCommand(id: string, fn: (...args: unknown[]) => unknown) {
    if (commandRegistry.has(id)) throw new Error(`command '${id}' already exists`);
    commandRegistry.set(id, fn);
    return new Disposable(() => commandRegistry.delete(id));
  },
  async executeCommand<T = unknown>(id: string, ...args: unknown[]): Promise<T> {
    ui.executed.push({ command: id, args });
    const fn = commandRegistry.get(id);
    if (fn) return (await fn(...args)) as T;
    if (id === "setContext") ui.context.set(String(args[0]), args[1]);
    if (BUILT_IN.has(id)) return undefined as T;
    throw new Error(`command '${id}' not found`);
  },
  async getCommands(): Promise<string[]> {
    return [...commandRegistry.keys(), ...BUILT_IN];
  },
};

const env = {
  appName: "Visual Studio Code (double)",
  uriScheme: "vscode",
  language: "en",
  clipboard: {
    text: "",
    async readText() {
      return this.text;
    },
    async writeText(v: string) {
      this.text = v;
    },
  },
  async openExternal(_uri: Uri) {
    return true;
  },
};

// ---------------------------------------------------------------------------------------------
// Extension context

export class SecretStorageDouble {
  readonly #values = new Map<string, string>();
  readonly #onDidChange = new EventEmitter<{ key: string }>();
  readonly onDidChange = this.#onDidChange.event;
  async get(key: string) {
    return this.#values.get(key);
  }
  async store(key: string, value: string) {
    this.#values.set(key, value);
    this.#onDidChange.fire({ key });
  }
  async delete(key: string) {
    this.#values.delete(key);
    this.#onDidChange.fire({ key });
  }
  async keys() {
    return [...this.#values.keys()];
  }
  /** Test: a value stored in an earlier session (no change event, as at startup). */
  preload(key: string, value: string): void {
    this.#values.set(key, value);
  }
  /** Test: every stored value (to check where a token is, and is not). */
  all(): Map<string, string> {
    return new Map(this.#values);
  }
}

export class MementoDouble {
  readonly #values = new Map<string, unknown>();
  keys() {
    return [...this.#values.keys()];
  }
  get<T>(key: string, fallback?: T): T | undefined {
    return this.#values.has(key) ? (structuredClone(this.#values.get(key)) as T) : fallback;
  }
  async update(key: string, value: unknown) {
    if (value === undefined) this.#values.delete(key);
    else this.#values.set(key, structuredClone(value));
  }
}

export function createExtensionContext(extensionPath = path.resolve(here, "../..")) {
  return {
    subscriptions: [] as { dispose(): unknown }[],
    secrets: new SecretStorageDouble(),
    workspaceState: new MementoDouble(),
    globalState: Object.assign(new MementoDouble(), { setKeysForSync: () => undefined }),
    extensionPath,
    extensionUri: Uri.file(extensionPath),
    extensionMode: ExtensionMode.Test,
    extension: { id: "academic-assist.academic-assist", packageJSON: packageJson },
    asAbsolutePath: (rel: string) => path.join(extensionPath, rel),
  };
}

/** Test: forget everything recorded and scripted, and set the workspace folders. */
export function resetDouble(folders: string[] = []): void {
  ui.messages.length = 0;
  ui.progress.length = 0;
  ui.executed.length = 0;
  ui.shown.length = 0;
  ui.untitled.length = 0;
  ui.quickPicks.length = 0;
  ui.inputBoxes.length = 0;
  ui.createdQuickPicks.length = 0;
  ui.statusBarItems.length = 0;
  ui.treeProviders.clear();
  ui.logLines.length = 0;
  ui.writes.length = 0;
  ui.context.clear();
  ui.answerQuickPick = () => undefined;
  ui.answerInputBox = () => undefined;
  ui.answerMessage = () => undefined;
  ui.answerOpenDialog = () => undefined;
  ui.cancelProgress = () => false;
  settings.clear();
  commandRegistry.clear();
  activeTextEditor = undefined;
  workspaceFolders.length = 0;
  for (const [index, folder] of folders.entries()) {
    workspaceFolders.push({ uri: Uri.file(folder), name: path.basename(folder), index });
  }
}

/** The module object `vi.mock("vscode", …)` returns. */
export const vscodeDouble = {
  Disposable,
  EventEmitter,
  CancellationTokenSource,
  Uri,
  FileType,
  FileSystemError,
  ProgressLocation,
  StatusBarAlignment,
  TreeItemCollapsibleState,
  ConfigurationTarget,
  ViewColumn,
  QuickPickItemKind,
  LogLevel,
  ExtensionMode,
  ThemeIcon,
  ThemeColor,
  MarkdownString,
  TreeItem,
  Position,
  Range,
  Selection,
  RelativePattern,
  workspace,
  window,
  commands,
  env,
  version: "1.100.0",
};
