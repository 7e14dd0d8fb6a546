import { z } from "zod";
import { ApiToken, ApiTokenCreated, endpoints, type ApiTokenCreateParams } from "../contract/index.ts";
import type { RequestOptions } from "../core/api-client.ts";
import { PagePromise } from "../core/pagination.ts";
import { APIResource } from "../core/resource.ts";

export type TokenCreateParams = ApiTokenCreateParams;

const TokenList = z.object({ items: z.array(ApiToken) });

/** Personal API tokens, for plugins and the CLI. */
export class Tokens extends APIResource {
  /** Creates a token. Its secret (`token`) is in this answer only: store it now. */
  create(params: TokenCreateParams, options?: RequestOptions): Promise<ApiTokenCreated> {
    return this._client.request(
      { endpoint: endpoints["tokens.create"], body: params, options },
      ApiTokenCreated,
    );
  }

  /** Your tokens (without their secrets). */
  list(options?: RequestOptions): PagePromise<ApiToken> {
    return new PagePromise(() =>
      this._client.request({ endpoint: endpoints["tokens.list"], options }, TokenList),
    );
  }

  /** Revokes a token; requests made with it fail with 401 from now on. */
  revoke(tokenId: string, options?: RequestOptions): Promise<void> {
    return this._client.requestVoid({ endpoint: endpoints["tokens.revoke"], params: { tokenId }, options });
  }
}
