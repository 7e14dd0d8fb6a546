import { endpoints, Session, User, type LoginBody, type RegisterBody } from "../contract/index.ts";
import type { RequestOptions } from "../core/api-client.ts";
import { APIResource } from "../core/resource.ts";

export type AuthRegisterParams = RegisterBody;
export type AuthLoginParams = LoginBody;

/** Accounts and sessions. `register` and `login` need no `apiKey`. */
export class Auth extends APIResource {
  /** Creates an account (when the server allows registration) and signs it in. */
  register(params: AuthRegisterParams, options?: RequestOptions): Promise<Session> {
    return this._client.request({ endpoint: endpoints["auth.register"], body: params, options }, Session);
  }

  /** Exchanges email and password for a short-lived JWT (`accessToken`). */
  login(params: AuthLoginParams, options?: RequestOptions): Promise<Session> {
    return this._client.request({ endpoint: endpoints["auth.login"], body: params, options }, Session);
  }

  /** The user the `apiKey` belongs to. */
  me(options?: RequestOptions): Promise<User> {
    return this._client.request({ endpoint: endpoints["auth.me"], options }, User);
  }
}
