// A client's mistake is never a 500: garbage cursors, limits, arrays where strings belong,
// objects where ids belong, NUL bytes (which PostgreSQL refuses in text), broken bodies.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { createToken } from "../../src/api/mastodon/tokens.ts";
import { bearer, user } from "./helpers.ts";

let server: TestServer;
let token: string;
let meId: string;
before(async () => {
  server = await startTestServer();
  meId = (await user(server.weft, "zed")).id;
  token = await createToken(server.weft.db, meId);
});
after(() => server.close());

const GET_PATHS = [
  "/api/v1/timelines/home", "/api/v1/timelines/public", "/api/v1/timelines/tag/%25%5F", "/api/v1/notifications",
  "/api/v1/accounts/x/statuses", "/api/v1/accounts/x/followers", "/api/v1/accounts/relationships", "/api/v2/search",
  "/api/v1/statuses/x/context", "/api/v1/statuses/x/history", "/api/v1/markers", "/api/v1/bookmarks",
  "/api/v1/accounts/lookup", "/api/v1/accounts/search", "/api/v1/notifications/x", "/api/v1/statuses/x/favourited_by",
];
const QUERIES = [
  "?limit=abc&max_id=zzz&since_id=-1&min_id=1e99", "?limit=-5", "?limit=99999999999999999999", "?types[]=x&types=y&exclude_types[a]=1",
  "?q=%00%FF", "?q=@a@b@c&resolve=true", "?acct=", "?id[]=x&id[]=", "?timeline[x]=1", "?max_id=99999999999999999999999",
  "?pinned=yes&only_media=0&exclude_replies=banana",
];

test("garbage query parameters on every listing: 2xx or 4xx, never 5xx", async () => {
  for (const p of GET_PATHS) {
    for (const q of QUERIES) {
      const r = await fetch(server.url + p + q, { headers: bearer(token) });
      assert.ok(r.status < 500, `${p}${q} -> ${r.status} ${await r.text()}`);
      await r.arrayBuffer().catch(() => {});
    }
  }
  const nulPath = await fetch(`${server.url}/api/v1/timelines/tag/a%00b`, { headers: bearer(token) });
  assert.equal(nulPath.status, 422);
});

test("malformed bodies on writes: 4xx in Mastodon's shape, nothing stored", async () => {
  const cases: [string, string, string][] = [
    ["POST", "/api/v1/statuses", '{"status":{"a":1}}'],
    ["POST", "/api/v1/statuses", '{"status":"x","in_reply_to_id":"abc"}'],
    ["POST", "/api/v1/statuses", '{"status":"x","in_reply_to_id":["a"],"media_ids":"1"}'],
    ["POST", "/api/v1/statuses", '{"status":"x","poll":{"options":["a"]}}'],
    ["POST", "/api/v1/statuses", `{"status":"x","spoiler_text":"${"x".repeat(300)}"}`],
    ["POST", "/api/v1/statuses", '{"status":"nul \\u0000 byte"}'],
    ["POST", "/api/v1/markers", '{"home":{"last_read_id":{"a":1}}}'],
    ["POST", "/api/v1/reports", '{"account_id":["x"]}'],
    ["PATCH", "/api/v1/accounts/update_credentials", `{"display_name":"${"x".repeat(200)}"}`],
    ["PATCH", "/api/v1/accounts/update_credentials", '{"note":"bio \\u0000"}'],
    ["PUT", "/api/v1/statuses/abc", '{"status":"x"}'],
    ["POST", "/api/v1/statuses/1/favourite", "{}"],
    ["POST", "/api/v1/accounts/1/follow", "{}"],
    ["POST", `/api/v1/accounts/${meId}/follow`, "{}"],
    ["POST", `/api/v1/accounts/${meId}/block`, "{}"],
    ["POST", "/api/v1/follow_requests/x/authorize", "{}"],
    ["POST", "/api/v1/apps", '{"client_name":["a"],"redirect_uris":[1,2]}'],
    ["POST", "/oauth/token", '{"grant_type":"authorization_code","client_id":["a"]}'],
    ["POST", "/oauth/token", "null"],
    ["POST", "/oauth/revoke", '{"client_id":1}'],
    ["POST", "/oauth/authorize", '{"csrf_token":1}'],
  ];
  for (const [method, path, body] of cases) {
    const r = await fetch(server.url + path, { method, headers: { ...bearer(token), "content-type": "application/json" }, body });
    const text = await r.text();
    assert.ok(r.status >= 400 && r.status < 500, `${method} ${path} ${body.slice(0, 60)} -> ${r.status} ${text}`);
    if (path.startsWith("/api/")) assert.equal(typeof JSON.parse(text).error, "string", `${path}: ${text}`);
  }
  const multipart = await fetch(`${server.url}/api/v1/statuses`, { method: "POST", headers: { ...bearer(token), "content-type": "multipart/form-data; boundary=zz" }, body: "garbage" });
  assert.equal(multipart.status, 422);
  const posts = await server.weft.db.kysely.selectFrom("posts").select("id").execute();
  assert.equal(posts.length, 0);
  const me = await server.weft.db.kysely.selectFrom("accounts").select(["bio", "display_name"]).where("id", "=", meId).executeTakeFirstOrThrow();
  assert.equal(me.bio, "");
  assert.equal(me.display_name, "zed");
});
