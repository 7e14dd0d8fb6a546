/**
 * What a shipped manifest must contain: used by check-vsix.mjs (on the packed .vsix) and by
 * manifest.test.ts (on the manifest made from package.json). Returns problems in words; [] is good.
 */
export const REQUIRED_COMMANDS = [
  "academic-assist.signIn",
  "academic-assist.signOut",
  "academic-assist.processPdf",
  "academic-assist.processFolder",
  "academic-assist.generateNote",
  "academic-assist.search",
  "academic-assist.askLibrary",
  "academic-assist.refreshLibrary",
  "academic-assist.openNote",
  "academic-assist.revealPdf",
  "academic-assist.deleteDocument",
];

export const REQUIRED_SETTINGS = {
  "academic-assist.serverUrl": "http://127.0.0.1:8000",
  "academic-assist.notesFolder": "notes",
  "academic-assist.defaultTemplate": "",
  "academic-assist.noteLanguage": "auto",
  "academic-assist.openAfterGenerate": true,
};

export function manifestProblems(m) {
  const problems = [];
  const fail = (msg) => problems.push(msg);
  if (m.name !== "academic-assist") fail(`name is ${JSON.stringify(m.name)}, expected "academic-assist"`);
  if (m.publisher !== "academic-assist") fail(`publisher is ${JSON.stringify(m.publisher)}`);
  if (m.engines?.vscode !== "^1.100.0")
    fail(`engines.vscode is ${JSON.stringify(m.engines?.vscode)}, expected "^1.100.0"`);
  if (m.main !== "./dist/extension.js") fail(`main is ${JSON.stringify(m.main)}`);
  if (m.type === "module") fail(`type is "module", but dist/extension.js is CommonJS`);

  const commands = new Set((m.contributes?.commands ?? []).map((c) => c.command));
  for (const id of REQUIRED_COMMANDS) if (!commands.has(id)) fail(`command ${id} is not contributed`);

  const menus = m.contributes?.menus ?? {};
  const has = (menu, command, when) =>
    (menus[menu] ?? []).some((e) => e.command === command && (when === undefined || when.test(e.when ?? "")));
  if (!has("explorer/context", "academic-assist.processPdf", /resourceExtname == \.pdf/))
    fail("explorer/context has no Process PDF on .pdf files");
  if (!has("explorer/context", "academic-assist.generateNote", /resourceExtname == \.pdf/))
    fail("explorer/context has no Generate Note on .pdf files");
  if (!has("explorer/context", "academic-assist.processFolder", /explorerResourceIsFolder/))
    fail("explorer/context has no Process All PDFs on folders");
  for (const id of [
    "academic-assist.generateNote",
    "academic-assist.openNote",
    "academic-assist.revealPdf",
    "academic-assist.deleteDocument",
  ]) {
    if (!has("view/item/context", id, /view == academicAssist\.library/))
      fail(`view/item/context lacks ${id}`);
  }
  if (!has("view/title", "academic-assist.refreshLibrary")) fail("view/title lacks Refresh");

  const container = (m.contributes?.viewsContainers?.activitybar ?? []).find(
    (c) => c.id === "academicAssist",
  );
  if (!container) fail("no activity bar container academicAssist");
  if (!(m.contributes?.views?.academicAssist ?? []).some((v) => v.id === "academicAssist.library"))
    fail("no academicAssist.library view");

  const props = m.contributes?.configuration?.properties ?? {};
  for (const [key, def] of Object.entries(REQUIRED_SETTINGS)) {
    if (!(key in props)) fail(`setting ${key} is missing`);
    else if (props[key].default !== def)
      fail(
        `setting ${key} defaults to ${JSON.stringify(props[key].default)}, expected ${JSON.stringify(def)}`,
      );
  }

  const untrusted = m.capabilities?.untrustedWorkspaces;
  if (untrusted?.supported !== "limited")
    fail(
      `capabilities.untrustedWorkspaces.supported is ${JSON.stringify(untrusted?.supported)}, expected "limited"`,
    );
  for (const key of ["academic-assist.serverUrl", "academic-assist.notesFolder"]) {
    if (!(untrusted?.restrictedConfigurations ?? []).includes(key))
      fail(`${key} is not a restricted configuration`);
  }
  return problems;
}
