import * as vscode from "vscode";
import { parseConfig, SECTION, type Config } from "./settings.ts";

export type { Config } from "./settings.ts";

/** The current settings, typed. VS Code supplies the defaults declared in package.json. */
export function getConfig(): Config {
  const c = vscode.workspace.getConfiguration(SECTION);
  return parseConfig({
    serverUrl: c.get("serverUrl"),
    notesFolder: c.get("notesFolder"),
    defaultTemplate: c.get("defaultTemplate"),
    noteLanguage: c.get("noteLanguage"),
    openAfterGenerate: c.get("openAfterGenerate"),
  }).config;
}

/** Problems with the current settings, in words for the user (empty when all is well). */
export function configProblems(): string[] {
  const c = vscode.workspace.getConfiguration(SECTION);
  return parseConfig({ serverUrl: c.get("serverUrl"), notesFolder: c.get("notesFolder") }).problems;
}

/** Whether a configuration change touches one of our settings (`key` narrows it to one). */
export function affectsUs(event: vscode.ConfigurationChangeEvent, key?: keyof Config): boolean {
  return event.affectsConfiguration(key ? `${SECTION}.${key}` : SECTION);
}
