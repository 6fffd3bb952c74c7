// The REST surface over plain fetch: error shapes, Link-header pagination, Idempotency-Key,
// CORS, rate limits, start-up stubs, markers, search, reports, and `weft token create`.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { startTestServer, testDatabaseUrl, type TestServer } from "../helpers/server.ts";
import { runCli } from "../../src/cli.ts";
import { createToken } from "../../src/api/mastodon/tokens.ts";
import { findAccountById } from "../../src/db/repositories/accounts.ts";
import { unwrap } from "../../src/domain/result.ts";
import { bearer, user } from "./helpers.ts";

let server: TestServer;
let token: string;
let otherToken: string;
let meId: string;
before(async () => {
  server = await startTestServer();
  meId = (await user(server.weft, "erin")).id;
  const other = await user(server.weft, "fay");
  token = await createToken(server.weft.db, meId, "read write follow");
  otherToken = await createToken(server.weft.db, other.id, "read write follow");
});
after(() => server.close());

const get = (path: string, t: string | null = token) => fetch(`${server.url}${path}`, { headers: t ? bearer(t) : {} });
const post = (path: string, body: unknown, headers: Record<string, string> = {}, t = token) =>
  fetch(`${server.url}${path}`, { method: "POST", headers: { ...bearer(t), "content-type": "application/json", ...headers }, body: JSON.stringify(body) });

test("errors in Mastodon's shape with the right status", async () => {
  const noToken = await get("/api/v1/timelines/home", null);
  assert.equal(noToken.status, 401);
  assert.deepEqual(await noToken.json(), { error: "The access token is invalid" });
  assert.equal((await get("/api/v1/timelines/home", "garbage")).status, 401);
  const missing = await get("/api/v1/statuses/123456789012345678");
  assert.equal(missing.status, 404);
  assert.deepEqual(await missing.json(), { error: "Record not found" });
  assert.equal((await get("/api/v1/statuses/not-an-id")).status, 404);
  assert.equal((await get("/api/v1/accounts/999999999999999999")).status, 404);
  const unknown = await get("/api/v1/no_such_endpoint");
  assert.equal(unknown.status, 404);
  assert.match(unknown.headers.get("content-type")!, /application\/json/);
  const empty = await post("/api/v1/statuses", { status: "   " });
  assert.equal(empty.status, 422);
  assert.equal(typeof ((await empty.json()) as { error: string }).error, "string");
  assert.equal((await post("/api/v1/statuses", { status: "x", visibility: "galaxy" })).status, 422);
  assert.equal((await post("/api/v1/statuses", { status: "x".repeat(501) })).status, 422);
  const badJson = await fetch(`${server.url}/api/v1/statuses`, { method: "POST", headers: { ...bearer(token), "content-type": "application/json" }, body: "[1," });
  assert.equal(badJson.status, 422);
  // Public endpoints answer logged out (Elk browses that way, GTS#2238).
  assert.equal((await get("/api/v1/timelines/public?local=true", null)).status, 200);
  assert.equal((await get(`/api/v1/accounts/${meId}`, null)).status, 200);
});

test("Link header pagination with max_id, since_id and min_id", async () => {
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) {
    const r = await post("/api/v1/statuses", { status: `page post ${i}` });
    ids.push(((await r.json()) as { id: string }).id);
  }
  const newest = [...ids].reverse();
  const first = await get("/api/v1/timelines/home?limit=2");
  assert.deepEqual(((await first.json()) as { id: string }[]).map((s) => s.id), newest.slice(0, 2));
  const link = first.headers.get("link")!;
  const next = /<([^>]+)>; rel="next"/.exec(link)![1];
  const prev = /<([^>]+)>; rel="prev"/.exec(link)![1];
  assert.ok(link.indexOf('rel="next"') < link.indexOf('rel="prev"'));
  assert.equal(new URL(next).searchParams.get("max_id"), newest[1]);
  assert.equal(new URL(next).searchParams.get("limit"), "2");
  assert.equal(new URL(prev).searchParams.get("min_id"), newest[0]);
  assert.ok(next.startsWith(server.url));
  const second = (await (await get(new URL(next).pathname + new URL(next).search)).json()) as { id: string }[];
  assert.deepEqual(second.map((s) => s.id), newest.slice(2, 4));
  // min_id: the page right after the cursor; since_id: the newest after it.
  const minPage = (await (await get(`/api/v1/timelines/home?min_id=${ids[0]}&limit=2`)).json()) as { id: string }[];
  assert.deepEqual(minPage.map((s) => s.id), [ids[2], ids[1]]);
  const sincePage = (await (await get(`/api/v1/timelines/home?since_id=${ids[0]}&limit=2`)).json()) as { id: string }[];
  assert.deepEqual(sincePage.map((s) => s.id), [ids[4], ids[3]]);
  // The account's statuses page the same way.
  const acct = await get(`/api/v1/accounts/${meId}/statuses?limit=1&max_id=${ids[4]}`);
  assert.deepEqual(((await acct.json()) as { id: string }[]).map((s) => s.id), [ids[3]]);
  assert.match(acct.headers.get("link")!, /max_id=/);
});

test("Idempotency-Key: a retried post is created once", async () => {
  const key = "retry-me-123";
  const a = (await (await post("/api/v1/statuses", { status: "only once" }, { "idempotency-key": key })).json()) as { id: string };
  const b = (await (await post("/api/v1/statuses", { status: "only once" }, { "idempotency-key": key })).json()) as { id: string };
  assert.equal(a.id, b.id);
  const rows = await server.weft.db.kysely.selectFrom("posts").select("id").where("text", "=", "only once").execute();
  assert.equal(rows.length, 1);
  // Another account's identical key is its own.
  const c = (await (await post("/api/v1/statuses", { status: "only once" }, { "idempotency-key": key }, otherToken)).json()) as { id: string };
  assert.notEqual(c.id, a.id);
});

test("form-encoded statuses with visibility mapping, delete returns source text", async () => {
  const r = await fetch(`${server.url}/api/v1/statuses`, {
    method: "POST",
    headers: { ...bearer(token), "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ status: "followers only", visibility: "private", spoiler_text: "cw" }),
  });
  const s = (await r.json()) as { id: string; visibility: string; spoiler_text: string; sensitive: boolean };
  assert.equal(s.visibility, "private");
  assert.equal(s.spoiler_text, "cw");
  assert.equal(s.sensitive, true);
  const row = await server.weft.db.kysely.selectFrom("posts").select("visibility").where("id", "=", s.id).executeTakeFirstOrThrow();
  assert.equal(row.visibility, "followers");
  // fay does not follow erin: the followers-only post is invisible to her.
  assert.equal((await get(`/api/v1/statuses/${s.id}`, otherToken)).status, 404);
  assert.equal((await fetch(`${server.url}/api/v1/statuses/${s.id}`, { method: "DELETE", headers: bearer(otherToken) })).status, 404);
  const del = await fetch(`${server.url}/api/v1/statuses/${s.id}`, { method: "DELETE", headers: bearer(token) });
  assert.equal(((await del.json()) as { text: string }).text, "followers only");
  assert.equal((await get(`/api/v1/statuses/${s.id}`)).status, 404);
});

test("CORS on /api and /oauth, with Link exposed", async () => {
  const pre = await fetch(`${server.url}/api/v1/timelines/home`, {
    method: "OPTIONS",
    headers: { origin: "https://elk.example", "access-control-request-method": "GET", "access-control-request-headers": "authorization" },
  });
  assert.ok(pre.status === 204 || pre.status === 200);
  assert.equal(pre.headers.get("access-control-allow-origin"), "*");
  const r = await fetch(`${server.url}/api/v1/timelines/public`, { headers: { origin: "https://elk.example" } });
  assert.match(r.headers.get("access-control-expose-headers")!, /Link/);
  const o = await fetch(`${server.url}/oauth/token`, { method: "OPTIONS", headers: { origin: "https://elk.example", "access-control-request-method": "POST" } });
  assert.equal(o.headers.get("access-control-allow-origin"), "*");
});

test("start-up stubs, markers, search, reports, access_token in the query", async () => {
  for (const p of ["/api/v1/custom_emojis", "/api/v1/lists", "/api/v1/filters", "/api/v2/filters", "/api/v1/announcements", "/api/v1/followed_tags", "/api/v1/trends", "/api/v2/suggestions", "/api/v1/instance/rules"]) {
    const r = await get(p);
    assert.equal(r.status, 200, p);
    assert.deepEqual(await r.json(), [], p);
  }
  const m = await post("/api/v1/markers", { home: { last_read_id: "000000000000000123" } });
  assert.equal(((await m.json()) as { home: { version: number } }).home.version, 1);
  const form = await fetch(`${server.url}/api/v1/markers`, { method: "POST", headers: { ...bearer(token), "content-type": "application/x-www-form-urlencoded" }, body: "notifications[last_read_id]=000000000000000456" });
  assert.equal(form.status, 200);
  const markers = (await (await get("/api/v1/markers?timeline[]=home&timeline[]=notifications")).json()) as Record<string, { last_read_id: string }>;
  assert.equal(markers.home.last_read_id, "000000000000000123");
  assert.equal(markers.notifications.last_read_id, "000000000000000456");

  await post("/api/v1/statuses", { status: "searchable #findme text" });
  const s = (await (await get("/api/v2/search?q=findme")).json()) as { accounts: unknown[]; statuses: { content: string }[]; hashtags: { name: string }[] };
  assert.equal(s.statuses.length, 1);
  assert.deepEqual(s.hashtags.map((h) => h.name), ["findme"]);
  const people = (await (await get("/api/v2/search?q=fay&type=accounts", null)).json()) as { accounts: { acct: string }[]; statuses: unknown[] };
  assert.deepEqual(people.accounts.map((a) => a.acct), ["fay"]);
  assert.deepEqual(people.statuses, []);

  const fay = (await (await get("/api/v1/accounts/lookup?acct=fay")).json()) as { id: string };
  const report = await post("/api/v1/reports", { account_id: fay.id, comment: "spam" });
  assert.equal(report.status, 200);
  const stored = await server.weft.db.kysely.selectFrom("reports").selectAll().where("target_account_id", "=", fay.id).execute();
  assert.equal(stored.length, 1);
  assert.equal(stored[0].reporter_id, meId);

  const viaQuery = await fetch(`${server.url}/api/v1/accounts/verify_credentials?access_token=${encodeURIComponent(token)}`);
  assert.equal(((await viaQuery.json()) as { username: string }).username, "erin");
});

test("multi-get, tag info, and search resolve through the federation hook", async () => {
  const a = (await (await post("/api/v1/statuses", { status: "multi one" })).json()) as { id: string };
  const b = (await (await post("/api/v1/statuses", { status: "multi two", visibility: "private" })).json()) as { id: string };
  const both = (await (await get(`/api/v1/statuses?id[]=${a.id}&id[]=${b.id}&id[]=123`)).json()) as { id: string }[];
  assert.deepEqual(both.map((s) => s.id), [a.id, b.id]);
  // fay does not follow erin: the followers-only post is left out, not an error.
  const forFay = (await (await get(`/api/v1/statuses?id[]=${a.id}&id[]=${b.id}`, otherToken)).json()) as { id: string }[];
  assert.deepEqual(forFay.map((s) => s.id), [a.id]);
  const accounts = (await (await get(`/api/v1/accounts?id[]=${meId}&id[]=1`)).json()) as { acct: string }[];
  assert.deepEqual(accounts.map((x) => x.acct), ["erin"]);
  const tag = (await (await get("/api/v1/tags/Cats", null)).json()) as { name: string; url: string };
  assert.equal(tag.name, "cats");

  // resolve=true hands an unknown remote handle to services.text.resolveRemote (set by federation).
  const asked: string[] = [];
  const remoteId = "000000000000000777";
  const now = new Date().toISOString();
  server.weft.services.text.resolveRemote = async (username, domain) => {
    asked.push(`${username}@${domain}`);
    await server.weft.db.kysely
      .insertInto("accounts")
      .values({ id: remoteId, username, username_lower: username.toLowerCase(), domain, display_name: "Remote", bio: "", bio_html: "", is_private: 0, fediverse_sharing: 0, is_admin: 0, approved: 1, suspended_at: null, email: null, password_hash: null, avatar_url: "https://remote.example/a.png", header_url: null, created_at: now, updated_at: now, uri: "https://remote.example/users/rita", url: "https://remote.example/@rita", inbox_url: null, shared_inbox_url: null, followers_url: null, outbox_url: null, featured_url: null, actor_type: "Person", fields_json: null, also_known_as_json: null, moved_to_id: null, fetched_at: now })
      .execute();
    return findAccountById(server.weft.db.kysely, remoteId);
  };
  try {
    const anon = (await (await get("/api/v2/search?q=@rita@remote.example&resolve=true", null)).json()) as { accounts: unknown[] };
    assert.deepEqual(anon.accounts, []); // no resolving for anonymous callers
    // Nor for accounts that do not share with the fediverse (cannot reach out while unreachable).
    const unshared = (await (await get("/api/v2/search?q=@rita@remote.example&resolve=true")).json()) as { accounts: unknown[] };
    assert.deepEqual(unshared.accounts, []);
    assert.deepEqual(asked, []);
    unwrap(await server.weft.services.accounts.setFediverseSharing(meId, true));
    const r = (await (await get("/api/v2/search?q=@rita@remote.example&resolve=true")).json()) as { accounts: { acct: string; avatar: string; url: string }[] };
    assert.deepEqual(asked, ["rita@remote.example"]);
    assert.equal(r.accounts[0].acct, "rita@remote.example");
    assert.equal(r.accounts[0].url, "https://remote.example/@rita");
    // Remote pictures go through the media proxy, never straight to the other server.
    assert.ok(r.accounts[0].avatar.startsWith(`${server.url}/media/proxy?`), r.accounts[0].avatar);
  } finally {
    server.weft.services.text.resolveRemote = null;
  }
});

test("rate limit: 300 by default, 429 with X-RateLimit headers past the configured limit", async () => {
  const first = await get("/api/v1/custom_emojis");
  assert.equal(first.headers.get("x-ratelimit-limit"), "300");
  const small = await startTestServer({ apiRateLimit: 10 });
  try {
    const t = await createToken(small.weft.db, (await user(small.weft, "kim")).id, "read");
    const call = (tok: string | null) => fetch(`${small.url}/api/v1/custom_emojis`, { headers: tok ? bearer(tok) : {} });
    const one = await call(t);
    assert.equal(one.headers.get("x-ratelimit-remaining"), "9");
    for (let i = 0; i < 9; i++) assert.equal((await call(t)).status, 200);
    const over = await call(t);
    assert.equal(over.status, 429);
    assert.equal(over.headers.get("x-ratelimit-remaining"), "0");
    assert.ok(Date.parse(over.headers.get("x-ratelimit-reset")!) > Date.now());
    assert.equal(typeof ((await over.json()) as { error: string }).error, "string");
    // Anonymous callers have their own budget, by address.
    assert.equal((await call(null)).status, 200);
  } finally {
    await small.close();
  }
  const off = await startTestServer({ apiRateLimit: 0 });
  try {
    const r = await fetch(`${off.url}/api/v1/custom_emojis`);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get("x-ratelimit-limit"), null);
  } finally {
    await off.close();
  }
});

test("weft token create prints a working token; bad usage exits 2", async () => {
  const db = testDatabaseUrl();
  const url = db.url === ":memory:" ? `sqlite:/tmp/weft-token-test-${process.pid}-${Date.now()}.sqlite` : db.url;
  const env = { DATABASE_URL: url, WEFT_DATA_DIR: "/tmp/weft-test-unused", WEFT_LOG_LEVEL: "error" };
  const out: string[] = [];
  const errs: string[] = [];
  const log = console.log;
  const error = console.error;
  console.log = (...a: unknown[]) => void out.push(a.join(" "));
  console.error = (...a: unknown[]) => void errs.push(a.join(" "));
  let codes: number[];
  try {
    codes = [
      await runCli(["account", "create", "gus", "--password", "correct horse battery"], env),
      await runCli(["token", "create", "gus", "--scopes", "read"], env),
      await runCli(["token", "create", "gus", "--scopes", "read nonsense"], env),
      await runCli(["token", "create"], env),
      await runCli(["token", "create", "nobody"], env),
    ];
  } finally {
    console.log = log;
    console.error = error;
  }
  assert.deepEqual(codes, [0, 0, 2, 2, 1]);
  const printed = out[1];
  assert.match(printed, /^[A-Za-z0-9_-]{43}$/);
  const s = await startTestServer({ databaseUrl: url });
  try {
    const me = await fetch(`${s.url}/api/v1/accounts/verify_credentials`, { headers: bearer(printed) });
    assert.equal(((await me.json()) as { username: string }).username, "gus");
    const write = await fetch(`${s.url}/api/v1/statuses`, { method: "POST", headers: { ...bearer(printed), "content-type": "application/json" }, body: '{"status":"hi"}' });
    assert.equal(write.status, 403); // only read was asked for
  } finally {
    await s.close();
    await db.cleanup();
    if (url.startsWith("sqlite:")) for (const ext of ["", "-wal", "-shm"]) rmSync(url.slice(7) + ext, { force: true });
  }
});
