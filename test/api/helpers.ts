// Test helpers for the client API: accounts, and the OAuth code flow driven the way a
// browser would (fetch the authorize page, submit its login + consent form, read `code`
// from the redirect), with masto.js registering the app and exchanging the code.
import { createHash, randomBytes } from "node:crypto";
import { createOAuthAPIClient, createRestAPIClient, type mastodon } from "masto";
import type { Weft } from "../../src/app.ts";
import { unwrap } from "../../src/domain/result.ts";

export const PASSWORD = "correct horse battery";

export async function user(weft: Weft, username: string) {
  return unwrap(await weft.services.accounts.register({ username, password: PASSWORD }));
}

/** Hidden inputs and the CSRF cookie of the authorize page. */
export async function openAuthorizePage(url: string, query: Record<string, string>) {
  const res = await fetch(`${url}/oauth/authorize?${new URLSearchParams(query)}`);
  const body = await res.text();
  const fields: Record<string, string> = {};
  for (const m of body.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) fields[m[1]] = m[2].replace(/&amp;/g, "&").replace(/&quot;/g, '"');
  const cookie = (res.headers.get("set-cookie") ?? "").split(";")[0];
  return { res, body, fields, cookie };
}

export async function submitAuthorize(url: string, cookie: string, form: Record<string, string>) {
  return fetch(`${url}/oauth/authorize`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie },
    body: new URLSearchParams(form),
    redirect: "manual",
  });
}

export interface LoggedIn {
  token: string;
  client: mastodon.rest.Client;
  app: mastodon.v1.Client;
}

/** The full code flow for `username`, with PKCE S256 and a custom-scheme redirect URI. */
export async function codeFlowLogin(url: string, username: string, scopes = "read write follow push"): Promise<LoggedIn> {
  const redirectUri = "weft-test-app://oauth/callback";
  const app = await createRestAPIClient({ url }).v1.apps.create({ clientName: "Weft tests", redirectUris: redirectUri, scopes });
  const verifier = randomBytes(32).toString("base64url");
  const challenge = createHash("sha256").update(verifier).digest("base64url");
  const state = randomBytes(8).toString("hex");
  const page = await openAuthorizePage(url, {
    response_type: "code",
    client_id: app.clientId!,
    redirect_uri: redirectUri,
    scope: scopes,
    state,
    code_challenge: challenge,
    code_challenge_method: "S256",
  });
  if (page.res.status !== 200) throw new Error(`authorize page: ${page.res.status} ${page.body}`);
  const res = await submitAuthorize(url, page.cookie, { ...page.fields, username, password: PASSWORD, decision: "approve" });
  if (res.status !== 302) throw new Error(`authorize POST: ${res.status} ${await res.text()}`);
  const location = new URL(res.headers.get("location")!);
  if (location.protocol !== "weft-test-app:" || location.searchParams.get("state") !== state) throw new Error(`bad redirect ${location}`);
  const code = location.searchParams.get("code")!;
  const oauth = createOAuthAPIClient({ url });
  const token = await oauth.token.create({
    grantType: "authorization_code",
    clientId: app.clientId!,
    clientSecret: app.clientSecret!,
    redirectUri,
    code,
    codeVerifier: verifier,
  } as Parameters<typeof oauth.token.create>[0]);
  return { token: token.accessToken, client: createRestAPIClient({ url, accessToken: token.accessToken }), app };
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}
