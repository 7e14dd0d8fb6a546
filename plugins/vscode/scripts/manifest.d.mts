export declare const EXTENSION_NAME: string;
/** The manifest shipped inside the .vsix, made from this workspace's package.json. */
export declare function extensionManifest(
  pkg: Record<string, unknown>,
): Record<string, unknown> & { name: string };
