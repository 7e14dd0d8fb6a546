/**
 * The manifest shipped inside the .vsix, made from this workspace's package.json.
 *
 * The npm workspace is called `academic-assist-vscode` (the repository root is `academic-assist`, and
 * the lockfile names the workspace so); the extension itself is `academic-assist`, publisher
 * `academic-assist`. The shipped manifest also drops what only matters inside the monorepo:
 * `type: module` (the bundle is CommonJS, which is what VS Code loads), `exports`, `scripts`,
 * and the dependencies (everything is bundled into dist/extension.js).
 */
export const EXTENSION_NAME = "academic-assist";

export function extensionManifest(pkg) {
  const {
    name: _npmName,
    private: _private,
    type: _type,
    exports: _exports,
    scripts: _scripts,
    dependencies: _dependencies,
    devDependencies: _devDependencies,
    ...rest
  } = pkg;
  return { name: EXTENSION_NAME, ...rest };
}
