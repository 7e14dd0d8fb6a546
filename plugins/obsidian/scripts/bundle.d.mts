export declare const pluginRoot: string;
export declare const EXTERNAL: string[];
/** The `require(...)` targets in a CommonJS bundle that Obsidian mobile could not satisfy. */
export declare function forbiddenRequires(code: string): string[];
/** Bundles src/main.ts; throws if esbuild fails or the output requires a forbidden module. */
export declare function bundle(options?: {
  outfile?: string;
  write?: boolean;
  minify?: boolean;
}): Promise<{ code: string; outfile: string }>;
