import * as vscode from "vscode";

const KEY = "academic-assist.pdfLocations";
const MAX_ENTRIES = 2000;

/**
 * Where each processed document's PDF lives in this workspace (document id → file Uri), kept in
 * `workspaceState`, so notes can link to the PDF and "Reveal PDF" can find it.
 */
export class PdfLocations {
  constructor(private readonly state: vscode.Memento) {}

  async remember(documentId: string, uri: vscode.Uri): Promise<void> {
    const map = new Map(Object.entries(this.state.get<Record<string, string>>(KEY, {})));
    map.delete(documentId);
    map.set(documentId, uri.toString());
    // Oldest first: keep the most recent MAX_ENTRIES.
    const kept = [...map].slice(-MAX_ENTRIES);
    await this.state.update(KEY, Object.fromEntries(kept));
  }

  async forget(documentId: string): Promise<void> {
    const map = new Map(Object.entries(this.state.get<Record<string, string>>(KEY, {})));
    map.delete(documentId);
    await this.state.update(KEY, Object.fromEntries(map));
  }

  /** The PDF's Uri if we know it and it still exists; else a workspace file with the same name and bytes. */
  async find(documentId: string, filename?: string, sha256?: string): Promise<vscode.Uri | undefined> {
    const known = this.state.get<Record<string, string>>(KEY, {})[documentId];
    if (known) {
      const uri = vscode.Uri.parse(known);
      const ok = await vscode.workspace.fs.stat(uri).then(
        () => true,
        () => false,
      );
      if (ok) return uri;
    }
    if (!filename || !sha256 || /[*?{}[\]]/.test(filename)) return undefined;
    const candidates = await vscode.workspace.findFiles(`**/${filename}`, "**/node_modules/**", 5);
    for (const uri of candidates) {
      const bytes = await vscode.workspace.fs.readFile(uri);
      if ((await sha256Hex(bytes)) === sha256) {
        await this.remember(documentId, uri);
        return uri;
      }
    }
    return undefined;
  }
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
