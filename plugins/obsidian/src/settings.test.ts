/// <reference types="node" />
import fs from "node:fs";
import { afterEach, describe, expect, it, vi } from "vitest";
import AcademicAssistPlugin from "./main.ts";
import { DEFAULT_SETTINGS, migrateSettings } from "./settings.ts";
import { AcademicAssistSettingTab } from "./settings-tab.ts";
import { TOKEN_LOCAL_STORAGE_KEY, TOKEN_SECRET_ID } from "./token-store.ts";
import { settingsCreated } from "./test/obsidian-double.ts";
import {
  createTestVault,
  dataJsonPath,
  enablePlugin,
  pluginManifest,
  type TestVault,
} from "./test/harness.ts";

vi.mock("obsidian", () => import("./test/obsidian-double.ts"));

const V0 = {
  server: "https://assist.example.org/",
  apiKey: "aa_secret_v0_token",
  folder: "Reading/Papers",
  template: "summary",
  lang: "ja",
  wikilinks: false,
};

describe("migrateSettings", () => {
  it("when data.json has the v0 shape, then every value carries over and the token is handed out to be moved", () => {
    const { settings, legacyToken, changed } = migrateSettings(V0);

    expect(settings).toEqual({
      version: 1,
      serverUrl: "https://assist.example.org",
      notesFolder: "Reading/Papers",
      defaultTemplate: "summary",
      language: "ja",
      linkStyle: "markdown",
      projectId: "",
    });
    expect(legacyToken).toBe("aa_secret_v0_token");
    expect(changed).toBe(true);
    expect(JSON.stringify(settings)).not.toContain("aa_secret");
  });

  it("when data.json is missing or junk, then the defaults are used", () => {
    for (const raw of [
      null,
      undefined,
      "text",
      42,
      [],
      { serverUrl: 5, notesFolder: ["x"], linkStyle: "html" },
    ]) {
      const { settings, legacyToken } = migrateSettings(raw);

      expect(settings).toEqual(DEFAULT_SETTINGS);
      expect(legacyToken).toBeNull();
    }
  });

  it("when single values are invalid, then only those fall back to their defaults", () => {
    const { settings } = migrateSettings({
      version: 1,
      serverUrl: "ftp://files.example.org",
      notesFolder: "Lit",
      defaultTemplate: "../../etc",
      language: "fr",
      linkStyle: "markdown",
    });

    expect(settings).toMatchObject({
      serverUrl: DEFAULT_SETTINGS.serverUrl,
      notesFolder: "Lit",
      defaultTemplate: DEFAULT_SETTINGS.defaultTemplate,
      language: DEFAULT_SETTINGS.language,
      linkStyle: "markdown",
    });
  });

  it("when the settings are current, then nothing needs saving", () => {
    const { changed } = migrateSettings({ ...DEFAULT_SETTINGS });

    expect(changed).toBe(false);
  });
});

describe("settings storage", () => {
  let vault: TestVault | undefined;
  afterEach(() => vault?.cleanup());

  const loadWith = async (data: unknown, secretStorage: boolean) => {
    vault = createTestVault(
      { ".obsidian/plugins/academic-assist/data.json": JSON.stringify(data) },
      { secretStorage },
    );
    const plugin = new AcademicAssistPlugin(vault.app as never, pluginManifest());
    await enablePlugin(plugin);
    plugin.unload();
    return { plugin, app: vault.app, data: fs.readFileSync(dataJsonPath(vault), "utf8") };
  };

  it("when a v0 data.json with the token is loaded, then the token moves to secret storage and leaves data.json", async () => {
    const { plugin, app, data } = await loadWith(V0, true);

    expect(data).not.toContain("aa_secret_v0_token");
    expect(data).not.toContain("apiKey");
    expect(JSON.parse(data)).toMatchObject({
      notesFolder: "Reading/Papers",
      serverUrl: "https://assist.example.org",
    });
    expect(app.secretStorage!.getSecret(TOKEN_SECRET_ID)).toBe("aa_secret_v0_token");
    expect(plugin.tokens.get()).toBe("aa_secret_v0_token");
  });

  it("when the app has no secret storage, then the token goes to this vault's localStorage, never to data.json", async () => {
    const { plugin, app, data } = await loadWith(V0, false);

    expect(data).not.toContain("aa_secret_v0_token");
    expect(app.loadLocalStorage(TOKEN_LOCAL_STORAGE_KEY)).toBe("aa_secret_v0_token");
    expect(plugin.tokens.kind).toBe("local-storage");
  });

  it("when the token is typed into the settings tab, then it is stored as a secret and data.json never contains it", async () => {
    vault = createTestVault();
    const plugin = new AcademicAssistPlugin(vault.app as never, pluginManifest());
    await enablePlugin(plugin);
    const tab = new AcademicAssistSettingTab(vault.app as never, plugin, plugin);
    settingsCreated.length = 0;
    // eslint-disable-next-line @typescript-eslint/no-deprecated -- minAppVersion 1.8.7 predates getSettingDefinitions
    tab.display();
    const control = (name: string) => settingsCreated.find((s) => s.name === name)!.controls[0]!;

    control("API token").simulateChange("aa_typed_token_123");
    control("Notes folder").simulateChange("Literature");
    control("Notes folder").simulateChange(".obsidian/snippets");
    await new Promise((r) => setTimeout(r, 50));
    plugin.unload();

    const data = fs.readFileSync(dataJsonPath(vault), "utf8");
    expect(data).not.toContain("aa_typed_token_123");
    expect(JSON.parse(data)).toMatchObject({ notesFolder: "Literature" });
    expect(vault.app.secretStorage!.getSecret(TOKEN_SECRET_ID)).toBe("aa_typed_token_123");
    expect(control("API token").inputEl.type).toBe("password");
  });
});
