// OAuth over plain fetch: the body and parameter shapes neither client library sends
// (form bodies, query-string app registration), the other grants, revocation, the
// authorize page's defences, and scope enforcement.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { hashToken } from "../../src/web/auth/session.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { bearer, openAuthorizePage, PASSWORD, submitAuthorize, user } from "./helpers.ts";

let server: TestServer;
before(async () => {
  server = await startTestServer();
  await user(server.weft, "dora");
});
after(() => server.close());

const form = (o: Record<string, string>) => ({ method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(o) });

async function registerApp(scopes = "read write follow", redirect = "urn:ietf:wg:oauth:2.0:oob") {
  const r = await fetch(`${server.url}/api/v1/apps`, form({ client_name: "Form app", redirect_uris: redirect, scopes }));
  assert.equal(r.status, 200);
  return (await r.json()) as { client_id: string; client_secret: string; redirect_uris: string[]; scopes: string[] };
}

test("app registration by form body and by query string (Ice Cubes)", async () => {
  const app = await registerApp("read write", "icecubesapp://");
  assert.deepEqual(app.redirect_uris, ["icecubesapp://"]);
  assert.deepEqual(app.scopes, ["read", "write"]);
  const q = new URLSearchParams({ client_name: "Query app", redirect_uris: "com.tapbots.Ivory.19300:/request_token", scopes: "read" });
  const r = await fetch(`${server.url}/api/v1/apps?${q}`, { method: "POST" });
  assert.equal(r.status, 200);
  const body = (await r.json()) as { name: string; redirect_uri: string; client_id: string };
  assert.equal(body.name, "Query app");
  assert.equal(body.redirect_uri, "com.tapbots.Ivory.19300:/request_token");
  assert.ok(body.client_id.length >= 32);
});

test("app registration refuses bad input with 422", async () => {
  const cases: Record<string, string>[] = [{ redirect_uris: "urn:ietf:wg:oauth:2.0:oob" }, { client_name: "x" }, { client_name: "x", redirect_uris: "javascript:alert(1)" }, { client_name: "x", redirect_uris: "not a uri" }, { client_name: "x", redirect_uris: "urn:ietf:wg:oauth:2.0:oob", scopes: "read admin:everything" }];
  for (const bad of cases) {
    const r = await fetch(`${server.url}/api/v1/apps`, form(bad));
    assert.equal(r.status, 422, JSON.stringify(bad));
    assert.equal(typeof ((await r.json()) as { error: string }).error, "string");
  }
  const broken = await fetch(`${server.url}/api/v1/apps`, { method: "POST", headers: { "content-type": "application/json" }, body: "{not json" });
  assert.equal(broken.status, 422);
});

test("out-of-band code flow with a form token request; the code works once", async () => {
  const app = await registerApp();
  const page = await openAuthorizePage(server.url, { response_type: "code", client_id: app.client_id, redirect_uri: "urn:ietf:wg:oauth:2.0:oob", scope: "read write" });
  assert.equal(page.res.status, 200);
  assert.match(page.body, /name="password"/);
  assert.equal(page.res.headers.get("x-frame-options"), "DENY");
  const res = await submitAuthorize(server.url, page.cookie, { ...page.fields, username: "dora", password: PASSWORD, decision: "approve" });
  assert.equal(res.status, 200);
  const code = /<code id="code">([^<]+)<\/code>/.exec(await res.text())![1];
  const exchange = () =>
    fetch(`${server.url}/oauth/token`, form({ grant_type: "authorization_code", code, client_id: app.client_id, client_secret: app.client_secret, redirect_uri: "urn:ietf:wg:oauth:2.0:oob" }));
  const t = await exchange();
  assert.equal(t.status, 200);
  const token = (await t.json()) as { access_token: string; token_type: string; scope: string; created_at: number };
  assert.equal(token.token_type, "Bearer");
  assert.equal(token.scope, "read write");
  const me = await fetch(`${server.url}/api/v1/accounts/verify_credentials`, { headers: bearer(token.access_token) });
  assert.equal(((await me.json()) as { username: string }).username, "dora");
  const again = await exchange();
  assert.equal(again.status, 400);
  assert.equal(((await again.json()) as { error: string }).error, "invalid_grant");
});

// A token that differs from the real one in its last character, whatever that character is
// (replacing it with a fixed letter left the token unchanged one time in 64).
const forge = (token: string): string => token.slice(0, -1) + (token.endsWith("A") ? "B" : "A");

test("authorize page: CSRF, wrong password, deny, force_login, bad client or redirect", async () => {
  const app = await registerApp("read", "myapp://cb");
  const q = { response_type: "code", client_id: app.client_id, redirect_uri: "myapp://cb", scope: "read", state: "xyz", force_login: "true" };
  const page = await openAuthorizePage(server.url, q);
  assert.equal(page.fields.force_login, "true");
  // No cookie, or a forged token: refused, no code.
  const noCookie = await submitAuthorize(server.url, "", { ...page.fields, username: "dora", password: PASSWORD, decision: "approve" });
  assert.equal(noCookie.status, 403);
  const forged = await submitAuthorize(server.url, page.cookie, { ...page.fields, csrf_token: forge(page.fields.csrf_token), username: "dora", password: PASSWORD, decision: "approve" });
  assert.equal(forged.status, 403);
  const wrong = await submitAuthorize(server.url, page.cookie, { ...page.fields, username: "dora", password: "nope nope nope", decision: "approve" });
  assert.equal(wrong.status, 401);
  assert.match(await wrong.text(), /Wrong username or password/);
  const denied = await submitAuthorize(server.url, page.cookie, { ...page.fields, decision: "deny" });
  assert.equal(denied.status, 302);
  const loc = new URL(denied.headers.get("location")!);
  assert.equal(loc.searchParams.get("error"), "access_denied");
  assert.equal(loc.searchParams.get("state"), "xyz");
  assert.equal(loc.searchParams.get("code"), null);

  const badClient = await openAuthorizePage(server.url, { ...q, client_id: "nope" });
  assert.equal(badClient.res.status, 400);
  const badRedirect = await openAuthorizePage(server.url, { ...q, redirect_uri: "https://evil.example/cb" });
  assert.equal(badRedirect.res.status, 400);
  const tooMuch = await openAuthorizePage(server.url, { ...q, scope: "read write" });
  assert.equal(tooMuch.res.status, 400);
  const plainPkce = await openAuthorizePage(server.url, { ...q, code_challenge: "x".repeat(43), code_challenge_method: "plain" });
  assert.equal(plainPkce.res.status, 400);
});

test("a web session skips the password unless force_login; the session's account gets the code", async () => {
  const dora = (await server.weft.services.accounts.findLocal("dora"))!;
  const sessionToken = randomBytes(32).toString("base64url");
  const now = new Date().toISOString();
  await server.weft.db.kysely.insertInto("sessions").values({ id: hashToken(sessionToken), account_id: dora.id, created_at: now, last_seen_at: now, user_agent: null }).execute();
  const app = await registerApp("read", "myapp://cb");
  const q = { response_type: "code", client_id: app.client_id, redirect_uri: "myapp://cb", scope: "read" };
  const withSession = async (query: Record<string, string>) => {
    const r = await fetch(`${server.url}/oauth/authorize?${new URLSearchParams(query)}`, { headers: { cookie: `weft_session=${sessionToken}` } });
    return { body: await r.text(), csrfCookie: (r.headers.get("set-cookie") ?? "").split(";")[0] };
  };
  const page = await withSession(q);
  assert.match(page.body, /logged in as <strong>@dora<\/strong>/);
  assert.doesNotMatch(page.body, /name="password"/);
  const fields: Record<string, string> = {};
  for (const m of page.body.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) fields[m[1]] = m[2];
  const res = await submitAuthorize(server.url, `${page.csrfCookie}; weft_session=${sessionToken}`, { ...fields, decision: "approve" });
  assert.equal(res.status, 302);
  const code = new URL(res.headers.get("location")!).searchParams.get("code")!;
  const t = await fetch(`${server.url}/oauth/token`, form({ grant_type: "authorization_code", code, client_id: app.client_id, client_secret: app.client_secret, redirect_uri: "myapp://cb" }));
  const token = ((await t.json()) as { access_token: string }).access_token;
  const me = await fetch(`${server.url}/api/v1/accounts/verify_credentials`, { headers: bearer(token) });
  assert.equal(((await me.json()) as { username: string }).username, "dora");

  const forced = await withSession({ ...q, force_login: "true" });
  assert.match(forced.body, /name="password"/);
  const forcedFields: Record<string, string> = {};
  for (const m of forced.body.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) forcedFields[m[1]] = m[2];
  const noPassword = await submitAuthorize(server.url, `${forced.csrfCookie}; weft_session=${sessionToken}`, { ...forcedFields, decision: "approve" });
  assert.equal(noPassword.status, 401);
});

test("the consent page escapes what apps say about themselves", async () => {
  const r = await fetch(`${server.url}/api/v1/apps`, form({ client_name: "<script>alert(1)</script>", website: "\"><img src=x onerror=alert(2)>", redirect_uris: "myapp://cb", scopes: "read" }));
  const app = (await r.json()) as { client_id: string };
  const page = await openAuthorizePage(server.url, { response_type: "code", client_id: app.client_id, redirect_uri: "myapp://cb", scope: "read" });
  assert.equal(page.res.status, 200);
  assert.doesNotMatch(page.body, /<script>alert/);
  assert.doesNotMatch(page.body, /<img src=x/);
  assert.match(page.body, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
});

test("PKCE: a wrong verifier gets no token", async () => {
  const app = await registerApp("read", "myapp://cb");
  const page = await openAuthorizePage(server.url, { response_type: "code", client_id: app.client_id, redirect_uri: "myapp://cb", scope: "read", code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", code_challenge_method: "S256" });
  const res = await submitAuthorize(server.url, page.cookie, { ...page.fields, username: "dora", password: PASSWORD, decision: "approve" });
  const code = new URL(res.headers.get("location")!).searchParams.get("code")!;
  const bad = await fetch(`${server.url}/oauth/token`, form({ grant_type: "authorization_code", code, client_id: app.client_id, redirect_uri: "myapp://cb", code_verifier: "wrong".repeat(10) }));
  assert.equal(bad.status, 400);
});

test("client_credentials, password grant (JSON body), revoke", async () => {
  const app = await registerApp("read write");
  const cc = await fetch(`${server.url}/oauth/token`, form({ grant_type: "client_credentials", client_id: app.client_id, client_secret: app.client_secret, scope: "read" }));
  const appToken = ((await cc.json()) as { access_token: string }).access_token;
  const appOnly = await fetch(`${server.url}/api/v1/apps/verify_credentials`, { headers: bearer(appToken) });
  assert.equal(((await appOnly.json()) as { name: string }).name, "Form app");
  const needsUser = await fetch(`${server.url}/api/v1/accounts/verify_credentials`, { headers: bearer(appToken) });
  assert.equal(needsUser.status, 422);
  const badSecret = await fetch(`${server.url}/oauth/token`, form({ grant_type: "client_credentials", client_id: app.client_id, client_secret: "x" }));
  assert.equal(badSecret.status, 401);

  const pw = await fetch(`${server.url}/oauth/token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ grant_type: "password", client_id: app.client_id, client_secret: app.client_secret, username: "dora", password: PASSWORD, scope: "read write" }),
  });
  assert.equal(pw.status, 200);
  const token = ((await pw.json()) as { access_token: string }).access_token;
  assert.equal((await fetch(`${server.url}/api/v1/accounts/verify_credentials`, { headers: bearer(token) })).status, 200);
  const revoke = await fetch(`${server.url}/oauth/revoke`, form({ client_id: app.client_id, client_secret: app.client_secret, token }));
  assert.equal(revoke.status, 200);
  const after = await fetch(`${server.url}/api/v1/accounts/verify_credentials`, { headers: bearer(token) });
  assert.equal(after.status, 401);
  assert.deepEqual(await after.json(), { error: "The access token is invalid" });
});

test("scopes are enforced per endpoint: 403 outside them", async () => {
  const app = await registerApp("read write");
  const pw = await fetch(`${server.url}/oauth/token`, form({ grant_type: "password", client_id: app.client_id, client_secret: app.client_secret, username: "dora", password: PASSWORD, scope: "read:accounts read:statuses" }));
  const token = ((await pw.json()) as { access_token: string }).access_token;
  assert.equal((await fetch(`${server.url}/api/v1/accounts/verify_credentials`, { headers: bearer(token) })).status, 200);
  assert.equal((await fetch(`${server.url}/api/v1/timelines/home`, { headers: bearer(token) })).status, 200);
  const notes = await fetch(`${server.url}/api/v1/notifications`, { headers: bearer(token) });
  assert.equal(notes.status, 403);
  assert.deepEqual(await notes.json(), { error: "This action is outside the authorized scopes" });
  const post = await fetch(`${server.url}/api/v1/statuses`, { ...form({ status: "nope" }), headers: { ...bearer(token), "content-type": "application/x-www-form-urlencoded" } });
  assert.equal(post.status, 403);
  const count = await server.weft.db.kysely.selectFrom("posts").select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
  assert.equal(Number(count.n), 0);
});

test("authorization server metadata advertises S256", async () => {
  const r = await fetch(`${server.url}/.well-known/oauth-authorization-server`);
  const meta = (await r.json()) as Record<string, unknown>;
  assert.equal(meta.token_endpoint, `${server.url}/oauth/token`);
  assert.deepEqual(meta.code_challenge_methods_supported, ["S256"]);
  assert.ok((meta.scopes_supported as string[]).includes("read:statuses"));
});
