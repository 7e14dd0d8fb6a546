import type { App } from "obsidian";

/** The secret's id in `app.secretStorage` (lowercase, digits and dashes only). */
export const TOKEN_SECRET_ID = "academic-assist-api-token";
/** The key in the vault's localStorage when the app has no secret storage (before 1.11.4). */
export const TOKEN_LOCAL_STORAGE_KEY = "academic-assist-api-token";

/**
 * Where the API token lives: never in data.json, which syncs with the vault (and often into git).
 * `app.secretStorage` (Obsidian 1.11.4+, the OS keychain on desktop) where the app has it; otherwise
 * this device's localStorage for this vault (`app.saveLocalStorage`), which does not sync either.
 */
export class TokenStore {
  readonly #app: App;

  constructor(app: App) {
    this.#app = app;
  }

  /** Which store is used, for the settings tab. */
  get kind(): "secret-storage" | "local-storage" {
    return this.#secretStorage() ? "secret-storage" : "local-storage";
  }

  get(): string | null {
    const clean = (v: unknown) => (typeof v === "string" && v.trim() !== "" ? v.trim() : null);
    const local = () => clean(this.#app.loadLocalStorage(TOKEN_LOCAL_STORAGE_KEY));
    const secrets = this.#secretStorage();
    if (!secrets) return local();
    const secret = clean(secrets.getSecret(TOKEN_SECRET_ID));
    if (secret) return secret;
    // Saved on this device before the app updated to one with secret storage: move it over.
    const old = local();
    if (old) this.set(old);
    return old;
  }

  set(token: string | null): void {
    const value = token?.trim() ?? "";
    const secrets = this.#secretStorage();
    if (secrets) {
      secrets.setSecret(TOKEN_SECRET_ID, value);
      // A token saved before the app had secret storage must not linger in localStorage.
      this.#app.saveLocalStorage(TOKEN_LOCAL_STORAGE_KEY, null);
    } else {
      this.#app.saveLocalStorage(TOKEN_LOCAL_STORAGE_KEY, value === "" ? null : value);
    }
  }

  #secretStorage(): App["secretStorage"] | undefined {
    // Feature detection: `secretStorage` is missing on apps older than 1.11.4 (minAppVersion is lower).
    const candidate = (this.#app as Partial<App>).secretStorage;
    return candidate && typeof candidate.getSecret === "function" && typeof candidate.setSecret === "function"
      ? candidate
      : undefined;
  }
}
