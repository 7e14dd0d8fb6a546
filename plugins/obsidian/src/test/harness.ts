/// <reference types="node" />
/* eslint-disable no-restricted-imports -- test helper, runs in Node only and is never bundled */
/**
 * Test helpers: a real temp folder as the vault (inside a parent folder, so tests can prove that
 * nothing was written next to the vault), the plugin loaded into the Obsidian double, and a tiny
 * PDF writer for papers with a chosen title.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import manifest from "../../manifest.json" with { type: "json" };
import { App, type AppOptions, type PluginManifest } from "./obsidian-double.ts";

export interface TestVault {
  /** The temp folder that holds the vault (and nothing else). */
  root: string;
  /** The vault folder. */
  vaultPath: string;
  app: App;
  cleanup(): void;
}

/** A vault in a fresh temp folder; `files` are written into it before the app indexes it. */
export function createTestVault(
  files: Record<string, string | Buffer> = {},
  options: AppOptions = {},
): TestVault {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "aa-obsidian-"));
  const vaultPath = path.join(root, "vault");
  const configDir = options.configDir ?? ".obsidian";
  fs.mkdirSync(path.join(vaultPath, configDir, "plugins", manifest.id), { recursive: true });
  for (const [name, content] of Object.entries(files)) {
    const full = path.join(vaultPath, name);
    fs.mkdirSync(path.dirname(full), { recursive: true });
    fs.writeFileSync(full, content);
  }
  const app = new App(vaultPath, options);
  return {
    root,
    vaultPath,
    app,
    cleanup: () => {
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}

export const pluginManifest = (): PluginManifest => ({ ...manifest });

/** Every file below `dir`, as `/`-separated paths relative to it, sorted. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) walk(full);
      else out.push(path.relative(dir, full).split(path.sep).join("/"));
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return out.sort();
}

export function dataJsonPath(vault: TestVault): string {
  return path.join(vault.vaultPath, ".obsidian", "plugins", manifest.id, "data.json");
}

/**
 * A one-page PDF whose first line (large type, so the server takes it as the title) is `title`,
 * followed by body text in sentences. Written by hand (no PDF library): objects, xref, trailer.
 */
export function makePdf(title: string, sentences: string[]): Buffer {
  const esc = (s: string) => s.replace(/[\\()]/g, (c) => `\\${c}`);
  const lines = [`BT /F1 22 Tf 72 720 Td (${esc(title)}) Tj ET`];
  let y = 680;
  for (const sentence of sentences) {
    lines.push(`BT /F1 11 Tf 72 ${y} Td (${esc(sentence)}) Tj ET`);
    y -= 16;
  }
  const stream = lines.join("\n");
  const objects = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
    `<< /Length ${Buffer.byteLength(stream, "latin1")} >>\nstream\n${stream}\nendstream`,
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    `<< /Title (${esc(title)}) >>`,
  ];
  let pdf = "%PDF-1.4\n";
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(Buffer.byteLength(pdf, "latin1"));
    pdf += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = Buffer.byteLength(pdf, "latin1");
  pdf += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const off of offsets) pdf += `${String(off).padStart(10, "0")} 00000 n \n`;
  pdf += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R /Info ${objects.length} 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(pdf, "latin1");
}

/** Enables a plugin as Obsidian does, waiting for its async `onload` (the double's `load` returns it). */
export async function enablePlugin(plugin: { load(): void }): Promise<void> {
  await (plugin.load as () => Promise<void>).call(plugin);
}
