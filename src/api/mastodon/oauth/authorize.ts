// GET/POST /oauth/authorize: the login and consent step of the code flow. Neither masto.js
// nor megalodon does this step; a browser (or a test) submits the form and reads `code`
// from the redirect. `force_login` always asks for the password, even with a web session
// (this fixed Elk logins on Akkoma, Elk#934).
import type { Context, Hono } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import type { WeftContext } from "../../../app.ts";
import type { Account } from "../../../domain/account.ts";
import { currentSession } from "../../../web/auth/session.ts";
import { nowIso } from "../../../services/deps.ts";
import type { ApiEnv } from "../auth.ts";
import { apiDb, type OAuthAppsTable } from "../db.ts";
import { str, type Params } from "../http.ts";
import { parseScopes, withinApp } from "../scopes.ts";
import { randomToken, sha256 } from "../tokens.ts";
import { findApp, OOB } from "./apps.ts";
import { checkCsrf, CSRF_COOKIE, newCsrf } from "./csrf.ts";
import { authorizePage, errorPage, oobPage, type AuthorizeFields } from "./page.ts";
import { loginThrottled, recordLoginFailure } from "./throttle.ts";

const CODE_TTL_MS = 10 * 60 * 1000;

type Checked = { ok: true; app: OAuthAppsTable; fields: AuthorizeFields; scopes: string[] } | { ok: false; status: 400; message: string };

/** Validates the request's parameters; errors here are shown, never redirected (the redirect URI is not trusted yet). */
async function check(ctx: WeftContext, p: Params): Promise<Checked> {
  const responseType = str(p, "response_type") ?? "code";
  if (responseType !== "code") return { ok: false, status: 400, message: "Only response_type=code is supported." };
  const app = await findApp(ctx, str(p, "client_id"));
  if (!app) return { ok: false, status: 400, message: "Unknown application (client_id)." };
  const registered = app.redirect_uris.split("\n");
  const redirectUri = str(p, "redirect_uri") ?? (registered.length === 1 ? registered[0] : "");
  if (!registered.includes(redirectUri)) return { ok: false, status: 400, message: "The redirect URI is not registered for this application." };
  const scopes = parseScopes(str(p, "scope") ?? str(p, "scopes"));
  if (!withinApp(scopes, app.scopes.split(" "))) return { ok: false, status: 400, message: "The requested scopes are not registered for this application." };
  const challenge = str(p, "code_challenge") ?? "";
  const method = challenge ? (str(p, "code_challenge_method") ?? "plain") : "";
  // Plain PKCE leaks the verifier in the front channel; only S256 is offered (and advertised).
  if (challenge && method !== "S256") return { ok: false, status: 400, message: "Only the S256 code challenge method is supported." };
  if (challenge && !/^[A-Za-z0-9\-._~]{43,128}$/.test(challenge)) return { ok: false, status: 400, message: "The code challenge is malformed." };
  return {
    ok: true,
    app,
    scopes,
    fields: {
      client_id: app.client_id,
      redirect_uri: redirectUri,
      scope: scopes.join(" "),
      state: str(p, "state") ?? "",
      code_challenge: challenge,
      code_challenge_method: method,
      force_login: ["true", "1"].includes(str(p, "force_login") ?? "") ? "true" : "",
    },
  };
}

/** The web UI's login, honoured unless force_login asks for the password again. */
async function webSessionAccount(ctx: WeftContext, c: Context): Promise<Account | null> {
  return (await currentSession(ctx, c))?.account ?? null;
}

function redirectWith(uri: string, params: Record<string, string>): string {
  const u = new URL(uri);
  for (const [k, v] of Object.entries(params)) if (v) u.searchParams.set(k, v);
  return u.toString();
}

export function mountAuthorize(api: Hono<ApiEnv>, ctx: WeftContext): void {
  const render = async (c: Context, checked: Extract<Checked, { ok: true }>, session: Account | null, error?: string, status: 200 | 401 | 403 | 429 = 200) => {
    const csrf = newCsrf(ctx.secret);
    setCookie(c, CSRF_COOKIE, csrf.nonce, { path: "/oauth", httpOnly: true, sameSite: "Lax", secure: ctx.config.origin.startsWith("https:") });
    c.header("Cache-Control", "no-store");
    // The consent page must not be framed (clickjacking the Authorize button).
    c.header("X-Frame-Options", "DENY");
    c.header("Content-Security-Policy", "frame-ancestors 'none'");
    const loggedInAs = session && !checked.fields.force_login ? session.username : null;
    return c.html(
      authorizePage({ siteName: ctx.config.siteName, appName: checked.app.name, appWebsite: checked.app.website, scopes: checked.scopes, fields: checked.fields, csrf: csrf.token, loggedInAs, error }),
      status,
    );
  };

  api.get("/oauth/authorize", async (c) => {
    const checked = await check(ctx, c.get("params"));
    if (!checked.ok) return c.html(errorPage(checked.message), checked.status);
    return render(c, checked, await webSessionAccount(ctx, c));
  });

  api.post("/oauth/authorize", async (c) => {
    const p = c.get("params");
    if (!checkCsrf(ctx.secret, str(p, "csrf_token"), getCookie(c, CSRF_COOKIE))) {
      return c.html(errorPage("This form expired or did not come from this site. Go back and try again."), 403);
    }
    const checked = await check(ctx, p);
    if (!checked.ok) return c.html(errorPage(checked.message), checked.status);
    const { fields } = checked;
    if (str(p, "decision") === "deny") {
      if (fields.redirect_uri === OOB) return c.html(errorPage("You denied access."), 403);
      return c.redirect(redirectWith(fields.redirect_uri, { error: "access_denied", state: fields.state }), 302);
    }
    const session = await webSessionAccount(ctx, c);
    let account: Account | null = fields.force_login ? null : session;
    const username = str(p, "username");
    if (username !== undefined || !account) {
      const name = (username ?? "").trim().toLowerCase();
      if (await loginThrottled(ctx, c, name)) return render(c, checked, session, "Too many failed attempts. Wait a few minutes and try again.", 429);
      const r = await ctx.services.accounts.authenticate(name, str(p, "password") ?? "");
      if (!r.ok) {
        await recordLoginFailure(ctx, c, name);
        return render(c, checked, session, r.message, r.error === "forbidden" ? 403 : 401);
      }
      account = r.value;
    }
    const code = randomToken();
    await apiDb(ctx.db)
      .insertInto("oauth_codes")
      .values({
        code_hash: sha256(code),
        app_id: checked.app.id,
        account_id: account.id,
        redirect_uri: fields.redirect_uri,
        scopes: fields.scope,
        code_challenge: fields.code_challenge || null,
        code_challenge_method: fields.code_challenge_method || null,
        expires_at: Date.now() + CODE_TTL_MS,
        created_at: nowIso(),
      })
      .execute();
    if (fields.redirect_uri === OOB) return c.html(oobPage(code));
    return c.redirect(redirectWith(fields.redirect_uri, { code, state: fields.state }), 302);
  });
}
