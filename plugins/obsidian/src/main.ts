import { Notice, Plugin, requestUrl } from "obsidian";
import { AskLibraryView, ASK_VIEW_TYPE } from "./ask-view.ts";
import { registerCommands } from "./commands.ts";
import { EventPoller } from "./event-poller.ts";
import { JobTracker } from "./job-tracker.ts";
import { Library } from "./library.ts";
import { AcademicAssistSettingTab } from "./settings-tab.ts";
import { DEFAULT_SETTINGS, migrateSettings, type Settings } from "./settings.ts";
import { TokenStore } from "./token-store.ts";

/** The plugin's lifecycle only: load settings, build the parts, register them, stop them on unload. */
export default class AcademicAssistPlugin extends Plugin {
  override settings: Settings = { ...DEFAULT_SETTINGS };
  tokens!: TokenStore;
  library!: Library;
  readonly tracker = new JobTracker();
  readonly #events = new EventPoller((event) => {
    this.tracker.apply(event);
  });

  override async onload(): Promise<void> {
    this.tokens = new TokenStore(this.app);
    await this.loadSettings();

    this.library = new Library({
      app: this.app,
      settings: () => this.settings,
      token: () => this.tokens.get(),
      requestUrl,
      tracker: this.tracker,
      notify: (message, timeout) => new Notice(message, timeout),
    });

    const statusBar = this.addStatusBarItem();
    statusBar.addClass("academic-assist-status");
    this.tracker.onChange = () => statusBar.setText(this.tracker.summary());

    this.addSettingTab(new AcademicAssistSettingTab(this.app, this, this));
    this.registerView(ASK_VIEW_TYPE, (leaf) => new AskLibraryView(leaf, this.library, () => this.settings));
    registerCommands({ plugin: this, library: this.library, settings: () => this.settings });

    this.register(() => {
      this.#events.stop();
    });
    this.app.workspace.onLayoutReady(() => {
      this.restartEvents();
    });
  }

  override onunload(): void {
    this.#events.stop();
  }

  async loadSettings(): Promise<void> {
    const { settings, legacyToken, changed } = migrateSettings(await this.loadData());
    this.settings = settings;
    // v0 kept the token in data.json, which syncs: move it into the secret store, out of the file.
    if (legacyToken && !this.tokens.get()) this.tokens.set(legacyToken);
    if (changed || legacyToken) await this.saveData(this.settings);
  }

  /** Saves data.json (settings only, never the token) and reconnects with the new settings. */
  async saveSettings(): Promise<void> {
    await this.saveData(this.settings);
    this.library.reset();
    this.restartEvents();
  }

  /** (Re)starts following the server's events for the status bar; stopped while there is no token. */
  restartEvents(): void {
    this.#events.stop();
    if (!this.tokens.get()) return;
    try {
      this.#events.start(this.library.client());
    } catch {
      // Not configured: nothing to follow until the settings change.
    }
  }
}
