import * as vscode from "vscode";

function isPdf(uri: vscode.Uri | undefined): uri is vscode.Uri {
  return uri !== undefined && uri.path.toLowerCase().endsWith(".pdf");
}

/**
 * The PDFs a command acts on: the explorer selection (VS Code passes the clicked item and all
 * selected items), else the active editor's file, else one chosen in an open dialog.
 */
export async function pdfTargets(uri?: unknown, selected?: unknown): Promise<vscode.Uri[]> {
  if (Array.isArray(selected)) {
    const pdfs = selected.filter((u): u is vscode.Uri => u instanceof vscode.Uri && isPdf(u));
    if (pdfs.length > 0) return pdfs;
  }
  if (uri instanceof vscode.Uri) return isPdf(uri) ? [uri] : [];
  const tabInput = vscode.window.tabGroups?.activeTabGroup.activeTab?.input as { uri?: unknown } | undefined;
  if (tabInput?.uri instanceof vscode.Uri && isPdf(tabInput.uri)) return [tabInput.uri];
  const active = vscode.window.activeTextEditor?.document.uri;
  if (isPdf(active)) return [active];
  const chosen = await vscode.window.showOpenDialog({
    canSelectMany: true,
    filters: { PDF: ["pdf"] },
    openLabel: "Process",
    defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
  });
  return (chosen ?? []).filter(isPdf);
}
