// Who is calling: the bearer token (Authorization header, or `access_token` in the query
// string as megalodon's streaming and some scripts send it, or in a form body), and what
// its scopes allow. Mastodon's answers: 401 for a missing or bad token, 403 for a scope
// the token lacks, 422 for an app-only token on an endpoint that needs a user.
import type { Context, MiddlewareHandler } from "hono";
import type { WeftContext } from "../../app.ts";
import type { Account } from "../../domain/account.ts";
import { findAccountById } from "../../db/repositories/accounts.ts";
import { ApiError, readParams, str, type Params } from "./http.ts";
import { allows } from "./scopes.ts";
import { findToken, type TokenGrant } from "./tokens.ts";

export type ApiEnv = {
  Variables: {
    grant: TokenGrant | null;
    account: Account | null;
    params: Params;
  };
};

export type ApiContext = Context<ApiEnv>;

function bearer(c: Context, params: Params): string | null {
  const h = c.req.header("authorization");
  if (h) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
    return m ? m[1] : "";
  }
  return str(params, "access_token") ?? null;
}

export function authenticate(ctx: WeftContext): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const params = await readParams(c);
    c.set("params", params);
    c.set("grant", null);
    c.set("account", null);
    const token = bearer(c, params);
    if (token !== null) {
      const grant = await findToken(ctx.db, token);
      if (!grant) throw new ApiError(401, "The access token is invalid");
      c.set("grant", grant);
      if (grant.accountId) {
        const account = await findAccountById(ctx.db.kysely, grant.accountId);
        if (!account) throw new ApiError(401, "The access token is invalid");
        if (account.suspended) throw new ApiError(403, "Your login is currently disabled");
        if (!account.approved) throw new ApiError(403, "Your login is currently pending approval");
        c.set("account", account);
      }
    }
    await next();
  };
}

/** The calling user, with `scope` granted; throws Mastodon's error otherwise. */
export function requireUser(c: ApiContext, scope: string): Account {
  const grant = c.get("grant");
  if (!grant) throw new ApiError(401, "The access token is invalid");
  if (!allows(grant.scopes, scope)) throw new ApiError(403, "This action is outside the authorized scopes");
  const account = c.get("account");
  if (!account) throw new ApiError(422, "This method requires an authenticated user");
  return account;
}

/**
 * For endpoints open to anonymous callers (Elk browses logged out, GTS#2238): the viewer
 * when a token with `scope` came, null when none did.
 */
export function optionalUser(c: ApiContext, scope: string): Account | null {
  const grant = c.get("grant");
  if (!grant) return null;
  if (!allows(grant.scopes, scope)) throw new ApiError(403, "This action is outside the authorized scopes");
  return c.get("account");
}
