import { resolveNotePath, UnsafePathError } from "@academic-assist/sdk/writeback";
import { normalizePath } from "obsidian";

export { UnsafePathError };

/**
 * The notes folder as a vault path ("" for the vault root), or `UnsafePathError` if notes must not
 * go there: outside the vault (`..`, absolute paths), inside the vault's config folder
 * (`.obsidian/` or whatever `configDir` is), or any other hidden folder (`.git`, `.trash`).
 * `normalizePath` only tidies slashes; it resolves nothing, so this check is ours.
 */
export function notesFolderPath(folder: string, configDir: string): string {
  const raw = folder.trim();
  if (/^([A-Za-z]:)?[\\/]/.test(raw) || /^[A-Za-z]:/.test(raw)) {
    throw new UnsafePathError(
      `The notes folder "${folder}" must be a folder inside the vault, not an absolute path.`,
    );
  }
  const normalized = normalizePath(raw);
  if (normalized === "/" || normalized === "") return "";
  const config = normalizePath(configDir);
  const segments = normalized.split("/");
  for (const segment of segments) {
    if (segment === "." || segment === "..") {
      throw new UnsafePathError(`The notes folder "${folder}" must not contain "${segment}".`);
    }
    if (segment.startsWith(".")) {
      throw new UnsafePathError(
        `The notes folder "${folder}" is inside a hidden or configuration folder (${segment}); notes are never written there.`,
      );
    }
  }
  if (normalized === config || normalized.startsWith(`${config}/`)) {
    throw new UnsafePathError(`The notes folder "${folder}" is the vault's configuration folder.`);
  }
  return normalized;
}

/**
 * The vault path of note `fileName` in `folder` (already checked by `notesFolderPath`), by the
 * SDK's `resolveNotePath`, then checked again after `normalizePath`: the result must be a direct
 * child of the folder.
 */
export function notePath(folder: string, fileName: string): string {
  const path = normalizePath(resolveNotePath(folder, fileName));
  if (parentOf(path) !== folder) {
    throw new UnsafePathError(`"${fileName}" would leave the notes folder "${folder || "/"}".`);
  }
  return path;
}

/** The parent folder of a vault path ("" for the root). */
export function parentOf(path: string): string {
  const i = path.lastIndexOf("/");
  return i < 0 ? "" : path.slice(0, i);
}
