import { AcademicAssist, AuthenticationError, type Fetch } from "@academic-assist/sdk";
import * as vscode from "vscode";
import type { Config } from "./config.ts";
import { readLocalServer } from "./discovery.ts";
import { Disposable } from "./disposable.ts";
import { describeError, NotSignedInError } from "./errors.ts";
import type { Logger } from "./logger.ts";

/** `signedOut`: no token for this server. `unauthorized`: the token was refused (expired or revoked). */
export type ConnectionState = "signedOut" | "connecting" | "connected" | "offline" | "unauthorized";

interface StoredCredentials {
  token: string;
  /** The personal API token's id, to revoke it on sign-out (absent for pasted tokens). */
  tokenId?: string | undefined;
  email?: string | undefined;
}

export interface SessionOptions {
  secrets: vscode.SecretStorage;
  workspaceState: vscode.Memento;
  config: () => Config;
  log: Logger;
  /** Where to look for the local server's discovery file (XDG_CONFIG_HOME, HOME). */
  env: Record<string, string | undefined>;
  /** Injected into the SDK client (tests); default the global fetch. */
  fetch?: Fetch | undefined;
  /** Name given to the personal API token minted at sign-in. */
  tokenName?: string | undefined;
}

const PROJECT_KEY = "academic-assist.projectId";

/** Secrets are kept per server origin, so a token is only ever sent to the server it came from. */
function secretKey(serverUrl: string): string {
  return `academic-assist.credentials:${new URL(serverUrl).origin}`;
}

/**
 * Who we are signed in as, where: builds SDK clients for the configured server, keeps the token in
 * `SecretStorage` only, and tracks the connection state for the status bar and the library view.
 */
export class Session extends Disposable {
  readonly #options: SessionOptions;
  readonly #onDidChangeState = this._register(new vscode.EventEmitter<ConnectionState>());
  /** Fires when the connection state changes (and after sign-in/out). */
  readonly onDidChangeState = this.#onDidChangeState.event;
  #state: ConnectionState = "connecting";
  #localProjectId: string | null = null;
  #cached: { key: string; client: AcademicAssist } | undefined;

  constructor(options: SessionOptions) {
    super();
    this.#options = options;
    this._register(
      options.secrets.onDidChange((e) => {
        if (e.key.startsWith("academic-assist.credentials:")) {
          this.#cached = undefined;
          void this.check();
        }
      }),
    );
  }

  get state(): ConnectionState {
    return this.#state;
  }

  get serverUrl(): string {
    return this.#options.config().serverUrl;
  }

  setState(state: ConnectionState): void {
    if (state === this.#state) return;
    this.#state = state;
    this.#options.log.info(`Connection: ${state} (${this.serverUrl})`);
    this.#onDidChangeState.fire(state);
  }

  /** A client for a server without credentials (for sign-in). */
  anonymousClient(serverUrl = this.serverUrl): AcademicAssist {
    return new AcademicAssist({ baseURL: serverUrl, fetch: this.#options.fetch, maxRetries: 1 });
  }

  /** The token for the configured server: the stored one, else (loopback only) the local server's. */
  async #token(): Promise<{ token: string; source: "secrets" | "local" } | null> {
    const url = this.serverUrl;
    const raw = await this.#options.secrets.get(secretKey(url));
    if (raw) {
      try {
        const stored = JSON.parse(raw) as StoredCredentials;
        if (typeof stored.token === "string" && stored.token)
          return { token: stored.token, source: "secrets" };
      } catch {
        // A damaged entry is as good as none.
      }
    }
    const local = await readLocalServer(url, this.#options.env);
    if (local) {
      this.#localProjectId = local.projectId;
      return { token: local.token, source: "local" };
    }
    return null;
  }

  /** A client for the configured server; throws `NotSignedInError` when there is no token for it. */
  async client(): Promise<AcademicAssist> {
    const url = this.serverUrl;
    const found = await this.#token();
    if (!found) {
      this.setState("signedOut");
      throw new NotSignedInError(url);
    }
    this.#options.log.addSecret(found.token);
    const key = `${url}\n${found.token}`;
    if (this.#cached?.key !== key) {
      this.#cached = {
        key,
        client: new AcademicAssist({ baseURL: url, apiKey: found.token, fetch: this.#options.fetch }),
      };
    }
    return this.#cached.client;
  }

  /** Whether we have a token for the configured server (stored, or the local server's). */
  async hasToken(): Promise<boolean> {
    return (await this.#token()) !== null;
  }

  /** Asks the server who we are, and updates the state accordingly. Never throws. */
  async check(): Promise<ConnectionState> {
    let client: AcademicAssist;
    try {
      client = await this.client();
    } catch {
      return this.#state;
    }
    try {
      this.setState(this.#state === "connected" ? "connected" : "connecting");
      const me = await client.auth.me({ maxRetries: 0, timeout: 10_000 });
      this.#options.log.debug(`Signed in as ${me.email}`);
      this.setState("connected");
    } catch (err) {
      this.noteFailure(err);
    }
    return this.#state;
  }

  /** Updates the state after a failed request: 401 → unauthorized, no answer → offline. */
  noteFailure(err: unknown): void {
    if (err instanceof AuthenticationError) this.setState("unauthorized");
    else if (describeError(err, { serverUrl: this.serverUrl }).kind === "offline") this.setState("offline");
  }

  /**
   * Email + password: logs in, then mints a personal API token for this editor (a session JWT
   * expires within minutes) and stores only that token.
   */
  async signInWithPassword(email: string, password: string, signal?: AbortSignal): Promise<string> {
    const url = this.serverUrl;
    const session = await this.anonymousClient(url).auth.login({ email, password }, { signal });
    this.#options.log.addSecret(session.accessToken);
    const authed = new AcademicAssist({
      baseURL: url,
      apiKey: session.accessToken,
      fetch: this.#options.fetch,
    });
    const created = await authed.tokens.create(
      { name: this.#options.tokenName ?? "VS Code (Academic Assist extension)" },
      { signal },
    );
    this.#options.log.addSecret(created.token);
    await this.#store({ token: created.token, tokenId: created.id, email: session.user.email });
    this.#options.log.info(`Signed in to ${url} as ${session.user.email}`);
    return session.user.email;
  }

  /** A pasted personal API token: checked against the server before it is stored. */
  async signInWithToken(token: string, signal?: AbortSignal): Promise<string> {
    const url = this.serverUrl;
    this.#options.log.addSecret(token);
    const client = new AcademicAssist({
      baseURL: url,
      apiKey: token,
      fetch: this.#options.fetch,
      maxRetries: 1,
    });
    const me = await client.auth.me({ signal });
    await this.#store({ token, email: me.email });
    this.#options.log.info(`Signed in to ${url} as ${me.email} with an API token`);
    return me.email;
  }

  async #store(credentials: StoredCredentials): Promise<void> {
    this.#cached = undefined;
    await this.#options.secrets.store(secretKey(this.serverUrl), JSON.stringify(credentials));
    await this.check();
  }

  /** Forgets the stored token (revoking it on the server when we minted it). */
  async signOut(): Promise<void> {
    const url = this.serverUrl;
    const key = secretKey(url);
    const raw = await this.#options.secrets.get(key);
    if (raw) {
      try {
        const stored = JSON.parse(raw) as StoredCredentials;
        if (stored.tokenId) {
          const client = new AcademicAssist({
            baseURL: url,
            apiKey: stored.token,
            fetch: this.#options.fetch,
            maxRetries: 0,
            timeout: 5_000,
          });
          await client.tokens.revoke(stored.tokenId);
        }
      } catch (err) {
        this.#options.log.warn(
          `Could not revoke the token on ${url}; it is forgotten here anyway (${String(err)})`,
        );
      }
    }
    await this.#options.secrets.delete(key);
    this.#cached = undefined;
    this.#options.log.info(`Signed out of ${url}`);
    if (await this.hasToken()) await this.check();
    else this.setState("signedOut");
  }

  /**
   * The project new PDFs go into: the one this workspace used last, else the local server's
   * default, else the first project, else a new "My library".
   */
  async projectId(client: AcademicAssist, signal?: AbortSignal): Promise<string> {
    const remembered = this.#options.workspaceState.get<string>(PROJECT_KEY);
    if (remembered) {
      const ok = await client.projects.retrieve(remembered, { signal }).then(
        () => true,
        () => false,
      );
      if (ok) return remembered;
    }
    let id = this.#localProjectId;
    if (!id) {
      const first = await client.projects.list({ limit: 1 }, { signal });
      id = first.items[0]?.id ?? (await client.projects.create({ name: "My library" }, { signal })).id;
    }
    await this.#options.workspaceState.update(PROJECT_KEY, id);
    return id;
  }
}
