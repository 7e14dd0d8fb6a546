import { Notice, PluginSettingTab, Setting, type App, type Plugin } from "obsidian";
import {
  DEFAULT_SETTINGS,
  normalizeServerUrl,
  type LinkStyle,
  type NoteLanguage,
  type Settings,
} from "./settings.ts";
import type { TokenStore } from "./token-store.ts";
import { notesFolderPath } from "./vault-paths.ts";

export interface SettingsHost {
  settings: Settings;
  tokens: TokenStore;
  /** Saves data.json (never the token) and applies the change (new client, restarted events). */
  saveSettings(): Promise<void>;
}

/** Settings → Academic Assist. */
export class AcademicAssistSettingTab extends PluginSettingTab {
  constructor(
    app: App,
    plugin: Plugin,
    private readonly host: SettingsHost,
  ) {
    super(app, plugin);
  }

  override display(): void {
    const { containerEl, host } = this;
    containerEl.empty();
    const save = () => void host.saveSettings();

    new Setting(containerEl)
      .setName("Server URL")
      .setDesc(
        `The Academic Assist server: ${DEFAULT_SETTINGS.serverUrl} for the local server (\`npm start\`), or your team's https:// address.`,
      )
      .addText((text) =>
        text
          .setPlaceholder(DEFAULT_SETTINGS.serverUrl)
          .setValue(host.settings.serverUrl)
          .onChange((value) => {
            const url = normalizeServerUrl(value);
            if (!url) return; // keep the last valid URL while the user is typing
            host.settings.serverUrl = url;
            save();
          }),
      );

    new Setting(containerEl)
      .setName("API token")
      .setDesc(
        host.tokens.kind === "secret-storage"
          ? "Your personal API token. Kept in Obsidian's secret storage on this device; never written to the vault."
          : "Your personal API token. Kept in this device's local storage for this vault; never written to the vault.",
      )
      .addText((text) => {
        text.inputEl.type = "password";
        text.inputEl.autocomplete = "off";
        text
          .setPlaceholder("Paste the token")
          .setValue(host.tokens.get() ?? "")
          .onChange((value) => {
            host.tokens.set(value);
            save();
          });
      });

    new Setting(containerEl)
      .setName("Notes folder")
      .setDesc(
        "Vault folder the literature notes are written into. Never the configuration folder or a hidden one.",
      )
      .addText((text) =>
        text
          .setPlaceholder(DEFAULT_SETTINGS.notesFolder)
          .setValue(host.settings.notesFolder)
          .onChange((value) => {
            try {
              notesFolderPath(value, this.app.vault.configDir);
            } catch (err) {
              new Notice(`Academic Assist: ${err instanceof Error ? err.message : String(err)}`);
              return;
            }
            host.settings.notesFolder = value.trim();
            save();
          }),
      );

    new Setting(containerEl)
      .setName("Default template")
      .setDesc(
        "Template used by Process PDF (e.g. literature-note, summary). Generate literature note lets you choose.",
      )
      .addText((text) =>
        text
          .setPlaceholder(DEFAULT_SETTINGS.defaultTemplate)
          .setValue(host.settings.defaultTemplate)
          .onChange((value) => {
            const id = value.trim();
            if (!/^[a-z0-9][a-z0-9-]{0,63}$/.test(id)) return;
            host.settings.defaultTemplate = id;
            save();
          }),
      );

    new Setting(containerEl)
      .setName("Note language")
      .setDesc("Language of generated notes.")
      .addDropdown((dropdown) =>
        dropdown
          .addOptions({ auto: "Project default", en: "English", ja: "日本語" })
          .setValue(host.settings.language)
          .onChange((value) => {
            host.settings.language = value as NoteLanguage;
            save();
          }),
      );

    new Setting(containerEl)
      .setName("Link style")
      .setDesc("How [p. N] citations link to the PDF page when the PDF is in the vault.")
      .addDropdown((dropdown) =>
        dropdown
          .addOptions({
            wikilink: "Wikilink [[paper.pdf#page=5|p. 5]]",
            markdown: "Markdown [p. 5](paper.pdf#page=5)",
          })
          .setValue(host.settings.linkStyle)
          .onChange((value) => {
            host.settings.linkStyle = value as LinkStyle;
            save();
          }),
      );

    new Setting(containerEl)
      .setName("Project")
      .setDesc(
        "Server project id for your PDFs. Empty: your first project (a new “My library” if you have none).",
      )
      .addText((text) =>
        text.setValue(host.settings.projectId).onChange((value) => {
          host.settings.projectId = value.trim();
          save();
        }),
      );
  }
}
