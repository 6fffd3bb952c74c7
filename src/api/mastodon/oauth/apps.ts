// App registration (POST /api/v1/apps). Clients send JSON (masto.js, megalodon, Elk),
// form bodies (Phanpy, Tusky) or query-string parameters (Ice Cubes, IC#16); all land in
// the same params. Custom-scheme redirect URIs (icecubesapp://, Ivory's
// com.tapbots.Ivory.NNN:/request_token, EMA#11) and the out-of-band URN are accepted.
import type { Hono } from "hono";
import type { WeftContext } from "../../../app.ts";
import { newId } from "../../../domain/ids.ts";
import { nowIso } from "../../../services/deps.ts";
import type { ApiEnv } from "../auth.ts";
import { apiDb, type OAuthAppsTable } from "../db.ts";
import { ApiError, list, str } from "../http.ts";
import { parseScopes, unknownScopes } from "../scopes.ts";
import { randomToken } from "../tokens.ts";

export const OOB = "urn:ietf:wg:oauth:2.0:oob";
const FORBIDDEN_SCHEMES = new Set(["javascript:", "data:", "vbscript:", "file:", "blob:"]);

/** Why a redirect URI is refused, or null when it is fine. */
export function redirectUriProblem(uri: string): string | null {
  if (uri === OOB) return null;
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    return "must be an absolute URI";
  }
  if (FORBIDDEN_SCHEMES.has(u.protocol)) return "uses a forbidden scheme";
  if (u.hash) return "cannot contain a fragment";
  return null;
}

export function appToMastodon(app: OAuthAppsTable, withSecret: boolean) {
  const uris = app.redirect_uris.split("\n").filter(Boolean);
  return {
    id: app.id,
    name: app.name,
    website: app.website,
    scopes: app.scopes.split(" "),
    redirect_uri: uris.join("\n"),
    redirect_uris: uris,
    vapid_key: "",
    ...(withSecret ? { client_id: app.client_id, client_secret: app.client_secret, client_secret_expires_at: 0 } : {}),
  };
}

export function mountApps(api: Hono<ApiEnv>, ctx: WeftContext): void {
  api.post("/api/v1/apps", async (c) => {
    const p = c.get("params");
    const name = str(p, "client_name")?.trim();
    if (!name) throw new ApiError(422, "Validation failed: Application name can't be blank");
    if (name.length > 200) throw new ApiError(422, "Validation failed: Application name is too long");
    // A string of newline- or space-separated URIs (Mastodon), or an array (4.3+).
    const raw = Array.isArray(p.redirect_uris) ? list(p, "redirect_uris") : (str(p, "redirect_uris") ?? str(p, "redirect_uri") ?? "").split(/\s+/);
    const uris = raw.map((u) => u.trim()).filter(Boolean);
    if (uris.length === 0) throw new ApiError(422, "Validation failed: Redirect URI can't be blank");
    for (const u of uris) {
      const why = redirectUriProblem(u);
      if (why) throw new ApiError(422, `Validation failed: Redirect URI ${why}`);
    }
    const scopes = parseScopes(str(p, "scopes"));
    const bad = unknownScopes(scopes);
    if (bad.length) throw new ApiError(422, `Validation failed: Scopes are unknown: ${bad.join(", ")}`);
    const website = str(p, "website")?.trim() || null;
    const row: OAuthAppsTable = {
      id: newId(),
      name,
      website,
      redirect_uris: uris.join("\n"),
      scopes: scopes.join(" "),
      client_id: randomToken(),
      client_secret: randomToken(),
      created_at: nowIso(),
    };
    await apiDb(ctx.db).insertInto("oauth_apps").values(row).execute();
    return c.json(appToMastodon(row, true));
  });

  api.get("/api/v1/apps/verify_credentials", async (c) => {
    const grant = c.get("grant");
    if (!grant) throw new ApiError(401, "The access token is invalid");
    const app = grant.appId ? await apiDb(ctx.db).selectFrom("oauth_apps").selectAll().where("id", "=", grant.appId).executeTakeFirst() : undefined;
    if (!app) return c.json({ id: "0", name: "weft token", website: null, scopes: grant.scopes, redirect_uri: OOB, redirect_uris: [OOB], vapid_key: "" });
    return c.json(appToMastodon(app, false));
  });
}

export async function findApp(ctx: WeftContext, clientId: string | undefined): Promise<OAuthAppsTable | null> {
  if (!clientId) return null;
  return (await apiDb(ctx.db).selectFrom("oauth_apps").selectAll().where("client_id", "=", clientId).executeTakeFirst()) ?? null;
}
