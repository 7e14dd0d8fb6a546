/** Every problem with manifest.json / versions.json / package.json, as sentences; empty when fine. */
export declare function manifestProblems(manifest: unknown, versions: unknown, pkg: unknown): string[];
