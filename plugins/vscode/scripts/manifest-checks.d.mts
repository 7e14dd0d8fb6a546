export declare const REQUIRED_COMMANDS: string[];
export declare const REQUIRED_SETTINGS: Record<string, unknown>;
/** Problems with a shipped extension manifest, in words; [] when it is complete. */
export declare function manifestProblems(manifest: unknown): string[];
