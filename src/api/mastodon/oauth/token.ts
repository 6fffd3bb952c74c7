// POST /oauth/token (JSON and form bodies: Elk#133 failed on GoToSocial for want of
// JSON), POST /oauth/revoke, and the RFC 8414 metadata that tells Phanpy to use PKCE.
// Grants: authorization_code (with PKCE S256), client_credentials, password.
import { createHash, timingSafeEqual } from "node:crypto";
import type { Context, Hono } from "hono";
import type { WeftContext } from "../../../app.ts";
import type { ApiEnv } from "../auth.ts";
import { apiDb, type OAuthAppsTable } from "../db.ts";
import { str, type Params } from "../http.ts";
import { parseScopes, SUPPORTED_SCOPES, withinApp } from "../scopes.ts";
import { issueToken, revokeToken, sha256 } from "../tokens.ts";
import { findApp } from "./apps.ts";
import { loginThrottled, recordLoginFailure } from "./throttle.ts";

function oauthError(c: Context, status: 400 | 401 | 403, error: string, description: string) {
  c.header("Cache-Control", "no-store");
  return c.json({ error, error_description: description }, status);
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Client credentials from the body or HTTP Basic (RFC 6749 §2.3.1). */
function clientCredentials(c: Context, p: Params): { id?: string; secret?: string } {
  const h = c.req.header("authorization");
  const m = h ? /^Basic\s+(\S+)$/i.exec(h) : null;
  if (m) {
    const [id, secret] = Buffer.from(m[1], "base64").toString("utf8").split(":");
    return { id: decodeURIComponent(id ?? ""), secret: decodeURIComponent(secret ?? "") };
  }
  return { id: str(p, "client_id"), secret: str(p, "client_secret") };
}

function s256(verifier: string): string {
  return createHash("sha256").update(verifier).digest("base64url");
}

export function mountToken(api: Hono<ApiEnv>, ctx: WeftContext): void {
  const respond = async (c: Context, app: OAuthAppsTable, accountId: string | null, scopes: string[]) => {
    const { token, grant } = await issueToken(ctx.db, { appId: app.id, accountId, scopes });
    c.header("Cache-Control", "no-store");
    return c.json({ access_token: token, token_type: "Bearer", scope: scopes.join(" "), created_at: Math.floor(Date.parse(grant.createdAt) / 1000) });
  };

  api.post("/oauth/token", async (c) => {
    const p = c.get("params");
    const creds = clientCredentials(c, p);
    const app = await findApp(ctx, creds.id);
    if (!app) return oauthError(c, 401, "invalid_client", "Client authentication failed.");
    const secretOk = creds.secret !== undefined && sameSecret(creds.secret, app.client_secret);
    if (creds.secret !== undefined && !secretOk) return oauthError(c, 401, "invalid_client", "Client authentication failed.");
    const grantType = str(p, "grant_type");
    switch (grantType) {
      case "authorization_code": {
        const codeRaw = str(p, "code") ?? "";
        // Single use: the code is deleted as it is claimed, so a replay finds nothing.
        const code = await apiDb(ctx.db).deleteFrom("oauth_codes").where("code_hash", "=", sha256(codeRaw)).returningAll().executeTakeFirst();
        if (!code || code.app_id !== app.id || Number(code.expires_at) < Date.now()) {
          return oauthError(c, 400, "invalid_grant", "The authorization code is invalid, expired or already used.");
        }
        if ((str(p, "redirect_uri") ?? code.redirect_uri) !== code.redirect_uri) {
          return oauthError(c, 400, "invalid_grant", "The redirect URI does not match the authorization request.");
        }
        if (code.code_challenge) {
          const verifier = str(p, "code_verifier") ?? "";
          if (!sameSecret(s256(verifier), code.code_challenge)) return oauthError(c, 400, "invalid_grant", "The PKCE code verifier does not match.");
        } else if (!secretOk) {
          // Without PKCE the client must prove it holds the secret.
          return oauthError(c, 401, "invalid_client", "Client authentication failed.");
        }
        return respond(c, app, code.account_id, parseScopes(code.scopes));
      }
      case "client_credentials": {
        if (!secretOk) return oauthError(c, 401, "invalid_client", "Client authentication failed.");
        const scopes = parseScopes(str(p, "scope") ?? str(p, "scopes"));
        if (!withinApp(scopes, app.scopes.split(" "))) return oauthError(c, 400, "invalid_scope", "The requested scope is not registered for this application.");
        return respond(c, app, null, scopes);
      }
      case "password": {
        if (!secretOk) return oauthError(c, 401, "invalid_client", "Client authentication failed.");
        const scopes = parseScopes(str(p, "scope") ?? str(p, "scopes"));
        if (!withinApp(scopes, app.scopes.split(" "))) return oauthError(c, 400, "invalid_scope", "The requested scope is not registered for this application.");
        const username = (str(p, "username") ?? "").trim().toLowerCase();
        if (await loginThrottled(ctx, c, username)) return oauthError(c, 400, "invalid_grant", "Too many failed attempts; try again later.");
        const r = await ctx.services.accounts.authenticate(username, str(p, "password") ?? "");
        if (!r.ok) {
          await recordLoginFailure(ctx, c, username);
          return oauthError(c, 400, "invalid_grant", r.message);
        }
        return respond(c, app, r.value.id, scopes);
      }
      default:
        return oauthError(c, 400, grantType ? "unsupported_grant_type" : "invalid_request", grantType ? `The grant type ${grantType} is not supported.` : "grant_type is missing.");
    }
  });

  api.post("/oauth/revoke", async (c) => {
    const p = c.get("params");
    const creds = clientCredentials(c, p);
    const app = await findApp(ctx, creds.id);
    if (!app || creds.secret === undefined || !sameSecret(creds.secret, app.client_secret)) {
      return oauthError(c, 403, "unauthorized_client", "You are not authorized to revoke this token.");
    }
    await revokeToken(ctx.db, str(p, "token") ?? "", app.id);
    return c.json({});
  });

  api.get("/.well-known/oauth-authorization-server", (c) => {
    const o = ctx.config.origin;
    return c.json({
      issuer: `${o}/`,
      service_documentation: "https://docs.joinmastodon.org/",
      authorization_endpoint: `${o}/oauth/authorize`,
      token_endpoint: `${o}/oauth/token`,
      revocation_endpoint: `${o}/oauth/revoke`,
      app_registration_endpoint: `${o}/api/v1/apps`,
      scopes_supported: SUPPORTED_SCOPES,
      response_types_supported: ["code"],
      response_modes_supported: ["query"],
      grant_types_supported: ["authorization_code", "client_credentials", "password"],
      code_challenge_methods_supported: ["S256"],
      token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post", "none"],
    });
  });
}
