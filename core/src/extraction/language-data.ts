import { existsSync } from "node:fs";
import path from "node:path";

/**
 * The languages of `languages` that have no `<lang>.traineddata` (plain or `.gz`) in `dir`: the
 * check behind `OCR_LANGUAGE_DATA`, at boot and before OCR starts (tesseract.js never settles
 * when a language file is missing).
 */
export function missingLanguageData(dir: string, languages: readonly string[]): string[] {
  return languages.filter(
    (lang) => !["", ".gz"].some((ext) => existsSync(path.join(dir, `${lang}.traineddata${ext}`))),
  );
}
