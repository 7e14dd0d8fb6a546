import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The shared corpus of real PDFs, next to the repository (never copied into it). */
export const CORPUS_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../../..",
  "../shared/corpus",
);

/** Whether the corpus is present; tests that need it skip (with a printed reason) when it is not. */
export const hasCorpus = existsSync(path.join(CORPUS_DIR, "MANIFEST.tsv"));
if (!hasCorpus) console.warn(`[corpus] ${CORPUS_DIR} not found: corpus tests are skipped.`);

/** The bytes of a corpus file, e.g. `corpusBytes("papers/test1.pdf")`. */
export function corpusBytes(relative: string): Uint8Array {
  return new Uint8Array(readFileSync(path.join(CORPUS_DIR, relative)));
}

/** The ground truth of a corpus file (`<name>.gt.json`). */
export function groundTruth(relative: string): { title: string; authors: string[] } {
  return JSON.parse(readFileSync(path.join(CORPUS_DIR, relative.replace(/\.pdf$/, ".gt.json")), "utf8")) as {
    title: string;
    authors: string[];
  };
}
