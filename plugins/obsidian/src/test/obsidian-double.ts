/// <reference types="node" />
/* eslint-disable no-restricted-imports -- the double runs in Node (tests only) and is never bundled */
/* eslint-disable @typescript-eslint/no-explicit-any -- mirrors Obsidian's own `any`-typed API */
/**
 * A FAITHFUL DOUBLE of the parts of the Obsidian API the plugin uses, for tests only: Obsidian
 * itself cannot run here. Wire it with `vi.mock("obsidian", () => import("./test/obsidian-double.ts"))`.
 *
 * What is real: the vault is a real folder on disk (every create/modify/process writes the file,
 * every read reads it); `processFrontMatter` really parses and rewrites the YAML frontmatter in the
 * file; `requestUrl` really sends the request (over Node's fetch) with Obsidian's semantics (whole
 * body at once, throws on status >= 400 unless `throw: false`, `{ status, headers, text, json,
 * arrayBuffer }`); `Plugin.loadData/saveData` read and write `<configDir>/plugins/<id>/data.json`;
 * `normalizePath` is Obsidian's algorithm (slashes only: it never resolves `..`).
 * What is recorded instead of shown: notices (`notices`), opened links, status bar text, and a
 * tiny element tree instead of the DOM.
 */
import fs from "node:fs";
import nodePath from "node:path";
import { parse as parseYamlText, stringify as stringifyYamlText } from "yaml";

// ---------------------------------------------------------------------------------------------
// Paths and YAML

/** Obsidian's `normalizePath`: collapses slashes (and `\`), trims them at both ends, "/" for the root, NFC. */
export function normalizePath(path: string): string {
  let p = path.replace(/([\\/])+/g, "/").replace(/(^\/+|\/+$)/g, "");
  if (p === "") p = "/";
  p = p.replace(/\u00A0|\u202F/g, " ");
  return p.normalize("NFC");
}

export function parseYaml(text: string): unknown {
  return parseYamlText(text) as unknown;
}

export function stringifyYaml(value: unknown): string {
  return stringifyYamlText(value, { lineWidth: 0 });
}

const FRONTMATTER = /^---\r?\n([\s\S]*?)\r?\n?---(?:\r?\n|$)/;

// ---------------------------------------------------------------------------------------------
// Events and components

export interface EventRef {
  name: string;
  callback: (...args: unknown[]) => unknown;
}

export class Events {
  readonly #handlers = new Map<string, EventRef[]>();

  on(name: string, callback: (...args: any[]) => unknown): EventRef {
    const ref = { name, callback };
    this.#handlers.set(name, [...(this.#handlers.get(name) ?? []), ref]);
    return ref;
  }

  offref(ref: EventRef): void {
    this.#handlers.set(
      ref.name,
      (this.#handlers.get(ref.name) ?? []).filter((r) => r !== ref),
    );
  }

  trigger(name: string, ...args: unknown[]): void {
    for (const ref of this.#handlers.get(name) ?? []) ref.callback(...args);
  }
}

export class Component {
  #cleanups: (() => void)[] = [];
  #loaded = false;

  load(): void | Promise<void> {
    if (this.#loaded) return;
    this.#loaded = true;
    void (this.onload() as unknown);
  }

  onload(): void | Promise<void> {}

  unload(): void {
    if (!this.#loaded) return;
    this.#loaded = false;
    this.forceUnload();
  }

  protected forceUnload(): void {
    for (const cleanup of this.#cleanups.splice(0).reverse()) cleanup();
    this.onunload();
  }

  onunload(): void {}

  register(cb: () => void): void {
    this.#cleanups.push(cb);
  }

  registerEvent(ref: EventRef & { owner?: Events }): void {
    this.#cleanups.push(() => ref.owner?.offref(ref));
  }

  registerInterval(id: number): number {
    this.#cleanups.push(() => {
      clearInterval(id);
    });
    return id;
  }
}

// ---------------------------------------------------------------------------------------------
// A tiny element tree (instead of the DOM), with Obsidian's helpers

interface ElOptions {
  text?: string;
  cls?: string | string[];
  type?: string;
  placeholder?: string;
  href?: string;
}

export class ElementDouble {
  readonly children: ElementDouble[] = [];
  readonly classes = new Set<string>();
  readonly attributes: Record<string, string> = {};
  readonly listeners = new Map<string, ((evt: unknown) => void)[]>();
  readonly style: Record<string, string> = {};
  text = "";
  value = "";
  type = "";
  disabled = false;
  autocomplete = "";

  constructor(readonly tag: string) {}

  get textContent(): string {
    return this.text + this.children.map((c) => c.textContent).join("");
  }

  createEl(tag: string, options: ElOptions | string = {}): ElementDouble {
    const el = new ElementDouble(tag);
    const o = typeof options === "string" ? { cls: options } : options;
    if (o.text !== undefined) el.text = o.text;
    for (const c of [o.cls ?? []].flat()) el.classes.add(c);
    if (o.type) el.type = o.type;
    if (o.placeholder) el.attributes.placeholder = o.placeholder;
    if (o.href) el.attributes.href = o.href;
    this.children.push(el);
    return el;
  }

  createDiv(options?: ElOptions | string): ElementDouble {
    return this.createEl("div", options);
  }

  createSpan(options?: ElOptions | string): ElementDouble {
    return this.createEl("span", options);
  }

  appendText(text: string): void {
    const node = new ElementDouble("#text");
    node.text = text;
    this.children.push(node);
  }

  setText(text: string): void {
    this.children.length = 0;
    this.text = text;
  }

  empty(): void {
    this.children.length = 0;
    this.text = "";
  }

  addClass(...cls: string[]): void {
    for (const c of cls) this.classes.add(c);
  }

  removeClass(...cls: string[]): void {
    for (const c of cls) this.classes.delete(c);
  }

  toggleClass(cls: string, on: boolean): void {
    if (on) this.classes.add(cls);
    else this.classes.delete(cls);
  }

  setAttr(name: string, value: string): void {
    this.attributes[name] = value;
  }

  addEventListener(name: string, listener: (evt: unknown) => void): void {
    this.listeners.set(name, [...(this.listeners.get(name) ?? []), listener]);
  }

  removeEventListener(name: string, listener: (evt: unknown) => void): void {
    this.listeners.set(
      name,
      (this.listeners.get(name) ?? []).filter((l) => l !== listener),
    );
  }

  /** All descendants with this tag. */
  findAll(tag: string): ElementDouble[] {
    return this.children.flatMap((c) => [...(c.tag === tag ? [c] : []), ...c.findAll(tag)]);
  }
}

// ---------------------------------------------------------------------------------------------
// Notices

/** Every notice shown, oldest first. Tests read (and may clear) it. */
export const notices: string[] = [];

export class Notice {
  readonly message: string;
  readonly noticeEl = new ElementDouble("div");

  constructor(
    message: string | DocumentFragment,
    readonly duration?: number,
  ) {
    this.message = typeof message === "string" ? message : (message.textContent ?? "");
    notices.push(this.message);
  }

  setMessage(message: string): this {
    notices.push(message);
    return this;
  }

  hide(): void {}
}

// ---------------------------------------------------------------------------------------------
// Files and the vault

export abstract class TAbstractFile {
  parent: TFolder | null = null;

  constructor(
    readonly vault: Vault,
    public path: string,
  ) {}

  get name(): string {
    return this.path === "/" ? "" : (this.path.split("/").pop() ?? "");
  }
}

export class TFile extends TAbstractFile {
  stat = { ctime: 0, mtime: 0, size: 0 };

  get basename(): string {
    const i = this.name.lastIndexOf(".");
    return i > 0 ? this.name.slice(0, i) : this.name;
  }

  get extension(): string {
    const i = this.name.lastIndexOf(".");
    return i > 0 ? this.name.slice(i + 1) : "";
  }
}

export class TFolder extends TAbstractFile {
  children: TAbstractFile[] = [];

  isRoot(): boolean {
    return this.path === "/";
  }
}

export interface DataWriteOptions {
  ctime?: number;
  mtime?: number;
}

/** The desktop `FileSystemAdapter`: vault paths joined onto the vault folder (it does not resolve `..` for you). */
export class FileSystemAdapter {
  constructor(readonly basePath: string) {}

  getBasePath(): string {
    return this.basePath;
  }

  getFullPath(path: string): string {
    return nodePath.join(this.basePath, normalizePath(path) === "/" ? "" : normalizePath(path));
  }

  async exists(path: string): Promise<boolean> {
    return fs.existsSync(this.getFullPath(path));
  }

  async read(path: string): Promise<string> {
    return fs.readFileSync(this.getFullPath(path), "utf8");
  }

  async readBinary(path: string): Promise<ArrayBuffer> {
    const buf = fs.readFileSync(this.getFullPath(path));
    return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
  }

  async write(path: string, data: string): Promise<void> {
    fs.writeFileSync(this.getFullPath(path), data, "utf8");
  }

  async mkdir(path: string): Promise<void> {
    fs.mkdirSync(this.getFullPath(path), { recursive: true });
  }

  async remove(path: string): Promise<void> {
    fs.rmSync(this.getFullPath(path), { force: true });
  }

  async list(path: string): Promise<{ files: string[]; folders: string[] }> {
    const entries = fs.readdirSync(this.getFullPath(path), { withFileTypes: true });
    const prefix = normalizePath(path) === "/" ? "" : `${normalizePath(path)}/`;
    return {
      files: entries.filter((e) => e.isFile()).map((e) => prefix + e.name),
      folders: entries.filter((e) => e.isDirectory()).map((e) => prefix + e.name),
    };
  }
}

const INVALID_NAME = /[*"\\/<>:|?]/;

export class Vault extends Events {
  readonly adapter: FileSystemAdapter;
  readonly configDir: string;
  readonly #files = new Map<string, TAbstractFile>();
  readonly #root: TFolder;

  /** Opens a real folder as a vault and indexes it (hidden entries and the config folder are not indexed, as in Obsidian). */
  constructor(basePath: string, configDir = ".obsidian") {
    super();
    this.adapter = new FileSystemAdapter(basePath);
    this.configDir = configDir;
    this.#root = new TFolder(this, "/");
    this.#files.set("/", this.#root);
    const scan = (dir: string, parent: TFolder) => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        if (entry.name.startsWith(".")) continue;
        const path = parent.isRoot() ? entry.name : `${parent.path}/${entry.name}`;
        if (entry.isDirectory()) {
          const folder = this.#add(new TFolder(this, path));
          scan(nodePath.join(dir, entry.name), folder);
        } else if (entry.isFile()) {
          this.#add(this.#statted(new TFile(this, path)));
        }
      }
    };
    scan(basePath, this.#root);
  }

  getName(): string {
    return nodePath.basename(this.adapter.basePath);
  }

  getRoot(): TFolder {
    return this.#root;
  }

  getAbstractFileByPath(path: string): TAbstractFile | null {
    return this.#files.get(normalizePath(path)) ?? null;
  }

  getFileByPath(path: string): TFile | null {
    const f = this.getAbstractFileByPath(path);
    return f instanceof TFile ? f : null;
  }

  getFolderByPath(path: string): TFolder | null {
    const f = this.getAbstractFileByPath(path);
    return f instanceof TFolder ? f : null;
  }

  getAllLoadedFiles(): TAbstractFile[] {
    return [...this.#files.values()];
  }

  getFiles(): TFile[] {
    return [...this.#files.values()].filter((f): f is TFile => f instanceof TFile);
  }

  getMarkdownFiles(): TFile[] {
    return this.getFiles().filter((f) => f.extension === "md");
  }

  async create(path: string, data: string, _options?: DataWriteOptions): Promise<TFile> {
    const p = this.#checkNewPath(path);
    await this.adapter.write(p, data);
    const file = this.#add(this.#statted(new TFile(this, p)));
    this.trigger("create", file);
    return file;
  }

  async createBinary(path: string, data: ArrayBuffer): Promise<TFile> {
    const p = this.#checkNewPath(path);
    fs.writeFileSync(this.adapter.getFullPath(p), new Uint8Array(data));
    const file = this.#add(this.#statted(new TFile(this, p)));
    this.trigger("create", file);
    return file;
  }

  async createFolder(path: string): Promise<TFolder> {
    const p = normalizePath(path);
    if (this.#files.has(p)) throw new Error("Folder already exists.");
    await this.adapter.mkdir(p);
    let folder = this.#root;
    for (const segment of p.split("/")) {
      const sub = folder.isRoot() ? segment : `${folder.path}/${segment}`;
      const existing = this.#files.get(sub);
      if (existing instanceof TFolder) folder = existing;
      else if (existing) throw new Error(`${sub} is a file.`);
      else folder = this.#add(new TFolder(this, sub));
    }
    return folder;
  }

  async read(file: TFile): Promise<string> {
    return this.adapter.read(this.#known(file).path);
  }

  async cachedRead(file: TFile): Promise<string> {
    return this.read(file);
  }

  async readBinary(file: TFile): Promise<ArrayBuffer> {
    return this.adapter.readBinary(this.#known(file).path);
  }

  async modify(file: TFile, data: string, _options?: DataWriteOptions): Promise<void> {
    await this.adapter.write(this.#known(file).path, data);
    this.#statted(file);
    this.trigger("modify", file);
  }

  /** Atomically reads, transforms and writes a file; `fn` must be synchronous, as in Obsidian. */
  async process(file: TFile, fn: (data: string) => string, _options?: DataWriteOptions): Promise<string> {
    const current = fs.readFileSync(this.adapter.getFullPath(this.#known(file).path), "utf8");
    const next = fn(current);
    if (typeof next !== "string") throw new TypeError("Vault.process: the callback must return a string.");
    fs.writeFileSync(this.adapter.getFullPath(file.path), next, "utf8");
    this.#statted(file);
    this.trigger("modify", file);
    return next;
  }

  async delete(file: TAbstractFile): Promise<void> {
    fs.rmSync(this.adapter.getFullPath(file.path), { recursive: true, force: true });
    this.#remove(file);
  }

  async trash(file: TAbstractFile, _system: boolean): Promise<void> {
    await this.delete(file);
  }

  /** Adds a file written behind the vault's back (as Obsidian's file watcher would). */
  async registerExternal(path: string): Promise<TFile> {
    const p = normalizePath(path);
    const file = this.#add(this.#statted(new TFile(this, p)));
    return file;
  }

  #checkNewPath(path: string): string {
    const p = normalizePath(path);
    if (this.#files.has(p) || fs.existsSync(this.adapter.getFullPath(p)))
      throw new Error("File already exists.");
    const name = p.split("/").pop() ?? "";
    if (INVALID_NAME.test(name)) {
      throw new Error('File name cannot contain any of the following characters: * " \\ / < > : | ?');
    }
    const parent = p.includes("/") ? p.slice(0, p.lastIndexOf("/")) : "/";
    if (parent !== "/" && !fs.existsSync(this.adapter.getFullPath(parent))) {
      throw new Error(`ENOENT: no such file or directory, open '${this.adapter.getFullPath(p)}'`);
    }
    return p;
  }

  #known<T extends TAbstractFile>(file: T): T {
    if (this.#files.get(file.path) !== file)
      throw new Error(`File ${file.path} is not in the vault (deleted or renamed?).`);
    return file;
  }

  #statted(file: TFile): TFile {
    try {
      const s = fs.statSync(this.adapter.getFullPath(file.path));
      file.stat = { ctime: s.ctimeMs, mtime: s.mtimeMs, size: s.size };
    } catch {
      // not written yet
    }
    return file;
  }

  #add<T extends TAbstractFile>(file: T): T {
    const existing = this.#files.get(file.path);
    if (existing) return existing as T;
    const parentPath = file.path.includes("/") ? file.path.slice(0, file.path.lastIndexOf("/")) : "/";
    // Hidden and config paths are written to disk but not indexed, as in Obsidian.
    if (file.path.split("/").some((s) => s.startsWith("."))) return file;
    const known = this.#files.get(parentPath);
    const parent = known instanceof TFolder ? known : this.#add(new TFolder(this, parentPath));
    file.parent = parent;
    parent.children.push(file);
    this.#files.set(file.path, file);
    return file;
  }

  #remove(file: TAbstractFile): void {
    this.#files.delete(file.path);
    if (file.parent) file.parent.children = file.parent.children.filter((c) => c !== file);
    if (file instanceof TFolder) for (const child of [...file.children]) this.#remove(child);
  }
}

// ---------------------------------------------------------------------------------------------
// Metadata cache and file manager

export interface CachedMetadata {
  frontmatter?: Record<string, any>;
}

export class MetadataCache extends Events {
  constructor(private readonly vault: Vault) {
    super();
  }

  getFileCache(file: TFile): CachedMetadata | null {
    if (file.extension !== "md") return null;
    let text: string;
    try {
      text = fs.readFileSync(this.vault.adapter.getFullPath(file.path), "utf8");
    } catch {
      return null;
    }
    const m = FRONTMATTER.exec(text);
    if (!m) return {};
    const fm = parseYaml(m[1] ?? "");
    return typeof fm === "object" && fm !== null ? { frontmatter: fm as Record<string, any> } : {};
  }

  getFirstLinkpathDest(linkpath: string, _sourcePath: string): TFile | null {
    const direct = this.vault.getFileByPath(linkpath);
    if (direct) return direct;
    return this.vault.getFiles().find((f) => f.name === linkpath || f.basename === linkpath) ?? null;
  }
}

export class FileManager {
  constructor(private readonly vault: Vault) {}

  /**
   * Parses the file's YAML frontmatter, lets `fn` change the object, and writes it back (removing
   * the block if it ends up empty). The body is left exactly as it was. Atomic like `vault.process`.
   */
  async processFrontMatter(file: TFile, fn: (frontmatter: any) => void): Promise<void> {
    await this.vault.process(file, (text) => {
      const m = FRONTMATTER.exec(text);
      const parsed = m ? parseYaml(m[1] ?? "") : {};
      const fm: Record<string, unknown> =
        typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)
          ? (parsed as Record<string, unknown>)
          : {};
      fn(fm);
      const body = m ? text.slice(m[0].length) : text;
      if (Object.keys(fm).length === 0) return body;
      return `---\n${stringifyYaml(fm)}---\n${body}`;
    });
  }

  async trashFile(file: TAbstractFile): Promise<void> {
    await this.vault.trash(file, true);
  }
}

// ---------------------------------------------------------------------------------------------
// Workspace, views, modals, settings UI

export class WorkspaceLeaf {
  view: ItemView | null = null;
  viewType: string | null = null;
  opened: TFile | null = null;
  readonly app: App;

  constructor(private readonly workspace: Workspace) {
    this.app = workspace.app!;
  }

  async setViewState(state: { type: string; active?: boolean }): Promise<void> {
    this.viewType = state.type;
    const creator = this.workspace.viewCreators.get(state.type);
    if (creator) {
      this.view = creator(this);
      await this.view.onOpen();
    }
  }

  async openFile(file: TFile): Promise<void> {
    this.opened = file;
    this.workspace.opened.push(file.path);
  }
}

export class Workspace extends Events {
  app: App | undefined;
  activeFile: TFile | null = null;
  activeEditor: { editor: Editor } | null = null;
  readonly opened: string[] = [];
  readonly leaves: WorkspaceLeaf[] = [];
  readonly viewCreators = new Map<string, (leaf: WorkspaceLeaf) => ItemView>();

  override on(name: string, callback: (...args: any[]) => unknown): EventRef & { owner: Events } {
    return { ...super.on(name, callback), owner: this };
  }

  getActiveFile(): TFile | null {
    return this.activeFile;
  }

  getActiveViewOfType<T>(type: abstract new (...args: any[]) => T): T | null {
    if (this.activeEditor && type === (MarkdownView as unknown)) return this.activeEditor as T;
    return null;
  }

  onLayoutReady(callback: () => void): void {
    callback();
  }

  async openLinkText(linktext: string, _sourcePath: string, _newLeaf?: unknown): Promise<void> {
    this.opened.push(linktext);
  }

  getLeaf(_newLeaf?: unknown): WorkspaceLeaf {
    const leaf = new WorkspaceLeaf(this);
    this.leaves.push(leaf);
    return leaf;
  }

  getRightLeaf(_split: boolean): WorkspaceLeaf {
    return this.getLeaf();
  }

  getLeavesOfType(type: string): WorkspaceLeaf[] {
    return this.leaves.filter((l) => l.viewType === type);
  }

  detachLeavesOfType(type: string): void {
    for (const leaf of this.getLeavesOfType(type)) this.leaves.splice(this.leaves.indexOf(leaf), 1);
  }

  async revealLeaf(_leaf: WorkspaceLeaf): Promise<void> {}
}

/** A document being edited: a string and a cursor. */
export class Editor {
  constructor(
    public value = "",
    public cursor = value.length,
  ) {}

  getValue(): string {
    return this.value;
  }

  replaceSelection(text: string): void {
    this.value = this.value.slice(0, this.cursor) + text + this.value.slice(this.cursor);
    this.cursor += text.length;
  }
}

export class MarkdownView {
  constructor(readonly editor: Editor) {}
}

export class SecretStorage extends Events {
  readonly #secrets = new Map<string, string>();

  setSecret(id: string, secret: string): void {
    if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(id)) throw new Error(`Invalid secret id: ${id}`);
    this.#secrets.set(id, secret);
  }

  getSecret(id: string): string | null {
    return this.#secrets.get(id) ?? null;
  }

  listSecrets(): string[] {
    return [...this.#secrets.keys()];
  }
}

export interface AppOptions {
  /** Give the app `secretStorage` (Obsidian 1.11.4+); without it, the plugin must fall back. */
  secretStorage?: boolean;
  /** Shared across apps to simulate one device's localStorage. */
  localStorage?: Map<string, string>;
  configDir?: string;
}

export class App {
  readonly vault: Vault;
  readonly workspace = new Workspace();
  readonly metadataCache: MetadataCache;
  readonly fileManager: FileManager;
  readonly secretStorage?: SecretStorage;
  readonly appId: string;
  readonly localStorage: Map<string, string>;
  readonly settingTabs: PluginSettingTab[] = [];
  readonly commands = new Map<string, Command>();

  constructor(vaultPath: string, options: AppOptions = {}) {
    this.vault = new Vault(vaultPath, options.configDir);
    this.workspace.app = this;
    this.metadataCache = new MetadataCache(this.vault);
    this.fileManager = new FileManager(this.vault);
    if (options.secretStorage ?? true) this.secretStorage = new SecretStorage();
    this.appId = Buffer.from(vaultPath).toString("hex").slice(-16);
    this.localStorage = options.localStorage ?? new Map<string, string>();
  }

  /** Vault-scoped localStorage, as in Obsidian: keys are prefixed with the vault's app id. */
  loadLocalStorage(key: string): any {
    const raw = this.localStorage.get(`${this.appId}-${key}`);
    return raw === undefined ? null : (JSON.parse(raw) as unknown);
  }

  saveLocalStorage(key: string, data: unknown): void {
    if (data === null || data === undefined) this.localStorage.delete(`${this.appId}-${key}`);
    else this.localStorage.set(`${this.appId}-${key}`, JSON.stringify(data));
  }

  /** Runs a command by its full id (`academic-assist:process-pdf`), as the command palette does. */
  executeCommandById(id: string): boolean {
    const command = this.commands.get(id);
    if (!command) return false;
    if (command.checkCallback) return command.checkCallback(false) !== false;
    if (command.callback) {
      void command.callback();
      return true;
    }
    return false;
  }

  /** Whether a command is available now (its checkCallback says so). */
  isCommandAvailable(id: string): boolean {
    const command = this.commands.get(id);
    if (!command) return false;
    return command.checkCallback ? command.checkCallback(true) === true : true;
  }
}

export interface Command {
  id: string;
  name: string;
  callback?: () => unknown;
  checkCallback?: (checking: boolean) => boolean | undefined;
}

export interface PluginManifest {
  id: string;
  name: string;
  version: string;
  minAppVersion: string;
  description: string;
  author: string;
  isDesktopOnly?: boolean;
  dir?: string;
}

export class Plugin extends Component {
  readonly statusBarItems: ElementDouble[] = [];
  readonly views = new Map<string, (leaf: WorkspaceLeaf) => ItemView>();
  settings?: unknown;

  constructor(
    readonly app: App,
    readonly manifest: PluginManifest,
  ) {
    super();
    this.manifest.dir ??= `${app.vault.configDir}/plugins/${manifest.id}`;
  }

  get dataPath(): string {
    return `${this.manifest.dir}/data.json`;
  }

  async loadData(): Promise<any> {
    if (!(await this.app.vault.adapter.exists(this.dataPath))) return null;
    return JSON.parse(await this.app.vault.adapter.read(this.dataPath)) as unknown;
  }

  async saveData(data: unknown): Promise<void> {
    await this.app.vault.adapter.mkdir(this.manifest.dir!);
    await this.app.vault.adapter.write(this.dataPath, JSON.stringify(data, null, 2));
  }

  addCommand(command: Command): Command {
    const full = { ...command, id: `${this.manifest.id}:${command.id}` };
    this.app.commands.set(full.id, full);
    this.register(() => this.app.commands.delete(full.id));
    return full;
  }

  addSettingTab(tab: PluginSettingTab): void {
    this.app.settingTabs.push(tab);
  }

  addStatusBarItem(): ElementDouble {
    const el = new ElementDouble("div");
    this.statusBarItems.push(el);
    return el;
  }

  addRibbonIcon(_icon: string, _title: string, _callback: (evt: unknown) => unknown): ElementDouble {
    return new ElementDouble("div");
  }

  registerView(type: string, creator: (leaf: WorkspaceLeaf) => ItemView): void {
    this.views.set(type, creator);
    this.app.workspace.viewCreators.set(type, creator);
  }

  /** Enables the plugin as Obsidian's plugin manager does, waiting for an async `onload`. */
  override async load(): Promise<void> {
    if (this.#enabled) return;
    this.#enabled = true;
    await this.onload();
  }

  /** Disables the plugin: registered cleanups, then `onunload`. */
  override unload(): void {
    if (!this.#enabled) return;
    this.#enabled = false;
    this.forceUnload();
  }

  #enabled = false;
}

export class ItemView extends Component {
  readonly app: App;
  readonly containerEl = new ElementDouble("div");
  readonly contentEl = new ElementDouble("div");

  constructor(readonly leaf: WorkspaceLeaf) {
    super();
    this.app = leaf.app;
  }

  getIcon(): string {
    return "";
  }

  async onOpen(): Promise<void> {}

  async onClose(): Promise<void> {}
}

export class Scope {
  readonly keys: { modifiers: string[]; key: string; handler: (evt: unknown) => unknown }[] = [];

  register(modifiers: string[], key: string, handler: (evt: unknown) => unknown): void {
    this.keys.push({ modifiers, key, handler });
  }
}

export class Modal {
  readonly containerEl = new ElementDouble("div");
  readonly contentEl = new ElementDouble("div");
  readonly modalEl = new ElementDouble("div");
  readonly scope = new Scope();
  isOpen = false;

  constructor(readonly app: App) {}

  open(): void {
    this.isOpen = true;
    openModals.push(this);
    this.onOpen();
  }

  close(): void {
    this.isOpen = false;
    openModals.splice(openModals.indexOf(this), 1);
    this.onClose();
  }

  onOpen(): void {}

  onClose(): void {}
}

/** Modals currently open, newest last. */
export const openModals: Modal[] = [];

export abstract class SuggestModal<T> extends Modal {
  placeholder = "";
  emptyStateText = "";
  instructions: { command: string; purpose: string }[] = [];

  setPlaceholder(placeholder: string): void {
    this.placeholder = placeholder;
  }

  setInstructions(instructions: { command: string; purpose: string }[]): void {
    this.instructions = instructions;
  }

  selectActiveSuggestion(_evt: unknown): void {}

  abstract getSuggestions(query: string): T[] | Promise<T[]>;
  abstract renderSuggestion(value: T, el: ElementDouble): void;
  abstract onChooseSuggestion(item: T, evt: unknown): void;
}

export interface FuzzyMatch<T> {
  item: T;
  match: { score: number; matches: [number, number][] };
}

export abstract class FuzzySuggestModal<T> extends SuggestModal<FuzzyMatch<T>> {
  abstract getItems(): T[];
  abstract getItemText(item: T): string;
  abstract onChooseItem(item: T, evt: unknown): void;

  getSuggestions(query: string): FuzzyMatch<T>[] {
    const q = query.toLowerCase();
    return this.getItems()
      .filter((item) => this.getItemText(item).toLowerCase().includes(q))
      .map((item) => ({ item, match: { score: 0, matches: [] } }));
  }

  renderSuggestion(value: FuzzyMatch<T>, el: ElementDouble): void {
    el.setText(this.getItemText(value.item));
  }

  onChooseSuggestion(item: FuzzyMatch<T>, evt: unknown): void {
    this.onChooseItem(item.item, evt);
  }
}

export class PluginSettingTab {
  readonly containerEl = new ElementDouble("div");

  constructor(
    readonly app: App,
    readonly plugin: Plugin,
  ) {}

  display(): void {}

  hide(): void {}
}

class ComponentDouble<V> {
  readonly inputEl = new ElementDouble("input");
  value: V;
  changeHandler: ((value: V) => unknown) | undefined;

  constructor(initial: V) {
    this.value = initial;
  }

  setValue(value: V): this {
    this.value = value;
    return this;
  }

  getValue(): V {
    return this.value;
  }

  setPlaceholder(placeholder: string): this {
    this.inputEl.attributes.placeholder = placeholder;
    return this;
  }

  onChange(handler: (value: V) => unknown): this {
    this.changeHandler = handler;
    return this;
  }

  addOptions(_options: Record<string, string>): this {
    return this;
  }

  /** What a user typing or picking `value` does. */
  simulateChange(value: V): void {
    this.value = value;
    void this.changeHandler?.(value);
  }
}

/** Every `Setting` created, with its name and controls, so tests can "type" into them. */
export const settingsCreated: Setting[] = [];

export class Setting {
  name = "";
  desc = "";
  readonly controls: ComponentDouble<string>[] = [];

  constructor(readonly containerEl: ElementDouble) {
    settingsCreated.push(this);
  }

  setName(name: string): this {
    this.name = name;
    return this;
  }

  setDesc(desc: string): this {
    this.desc = desc;
    return this;
  }

  addText(cb: (text: ComponentDouble<string>) => unknown): this {
    const c = new ComponentDouble("");
    this.controls.push(c);
    cb(c);
    return this;
  }

  addDropdown(cb: (dropdown: ComponentDouble<string>) => unknown): this {
    return this.addText(cb);
  }

  addToggle(cb: (toggle: ComponentDouble<string>) => unknown): this {
    return this.addText(cb);
  }

  addButton(cb: (button: ComponentDouble<string>) => unknown): this {
    return this.addText(cb);
  }
}

export class Menu {
  readonly items: MenuItem[] = [];

  addItem(cb: (item: MenuItem) => unknown): this {
    const item = new MenuItem();
    this.items.push(item);
    cb(item);
    return this;
  }
}

export class MenuItem {
  title = "";
  icon = "";
  handler: (() => unknown) | undefined;

  setTitle(title: string): this {
    this.title = title;
    return this;
  }

  setIcon(icon: string): this {
    this.icon = icon;
    return this;
  }

  onClick(handler: () => unknown): this {
    this.handler = handler;
    return this;
  }
}

// ---------------------------------------------------------------------------------------------
// requestUrl

export interface RequestUrlParam {
  url: string;
  method?: string;
  contentType?: string;
  body?: string | ArrayBuffer;
  headers?: Record<string, string>;
  throw?: boolean;
}

export interface RequestUrlResponse {
  status: number;
  headers: Record<string, string>;
  arrayBuffer: ArrayBuffer;
  json: any;
  text: string;
}

/** Every request sent through `requestUrl`, oldest first. */
export const requests: { url: string; method: string; headers: Record<string, string> }[] = [];

/**
 * Obsidian's `requestUrl` over Node's fetch: sends the request, reads the whole answer, and
 * resolves `{ status, headers (lower-case), arrayBuffer, text, json }`. Rejects on a status >= 400
 * unless `throw: false`, and on network failures. It cannot stream, and takes no abort signal.
 */
export async function requestUrl(request: RequestUrlParam | string): Promise<RequestUrlResponse> {
  const p = typeof request === "string" ? { url: request } : request;
  const headers: Record<string, string> = { ...(p.headers ?? {}) };
  if (p.contentType) headers["content-type"] = p.contentType;
  const method = (p.method ?? "GET").toUpperCase();
  requests.push({ url: p.url, method, headers });
  const response = await fetch(p.url, { method, headers, body: p.body ?? null, redirect: "follow" });
  const arrayBuffer = await response.arrayBuffer();
  const text = new TextDecoder().decode(arrayBuffer);
  const out: Record<string, string> = {};
  response.headers.forEach((value, key) => {
    out[key] = value;
  });
  if (p.throw !== false && response.status >= 400) {
    throw Object.assign(new Error(`Request failed, status ${response.status}`), {
      status: response.status,
      headers: out,
    });
  }
  return {
    status: response.status,
    headers: out,
    arrayBuffer,
    text,
    get json(): unknown {
      return JSON.parse(text) as unknown;
    },
  };
}

export const Platform = { isMobile: false, isDesktop: true, isMobileApp: false, isDesktopApp: true };
export const apiVersion = "1.13.1";

export function setIcon(_el: ElementDouble, _icon: string): void {}
