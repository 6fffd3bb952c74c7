// megalodon as a second client: its own authorize URL (out-of-band), the v1 instance
// endpoint, and tokens passed as `?access_token=` (how its streaming connects).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import megalodon from "megalodon";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { PASSWORD, submitAuthorize, user } from "./helpers.ts";

// megalodon is CommonJS with `exports.default = generator`; Node's ESM import hands us
// module.exports, so the generator is one level down.
const generator = megalodon.default;

let server: TestServer;
before(async () => {
  server = await startTestServer();
  await user(server.weft, "hana");
});
after(() => server.close());

test("megalodon registers, logs in out of band, and reads v1 instance and timelines", async () => {
  const anon = generator("mastodon", server.url);
  const app = await anon.registerApp("megalodon test", { scopes: ["read", "write", "follow"] });
  assert.ok(app.url);
  // Open megalodon's own authorize URL, as a browser would.
  const pageRes = await fetch(app.url!);
  assert.equal(pageRes.status, 200);
  const body = await pageRes.text();
  const fields: Record<string, string> = {};
  for (const m of body.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) fields[m[1]] = m[2];
  const cookie = (pageRes.headers.get("set-cookie") ?? "").split(";")[0];
  const res = await submitAuthorize(server.url, cookie, { ...fields, username: "hana", password: PASSWORD, decision: "approve" });
  const code = /<code id="code">([^<]+)<\/code>/.exec(await res.text())![1];
  const tokenData = await anon.fetchAccessToken(app.client_id, app.client_secret, code, "urn:ietf:wg:oauth:2.0:oob");
  assert.ok(tokenData.access_token);

  const client = generator("mastodon", server.url, tokenData.access_token);
  const me = await client.verifyAccountCredentials();
  assert.equal(me.data.username, "hana");
  const instance = await client.getInstance();
  assert.equal(instance.data.version, "4.3.0 (compatible; Weft 0.1.0)");
  assert.equal(instance.data.urls!.streaming_api, server.url.replace("http", "ws"));
  assert.equal(instance.data.configuration!.statuses.max_characters, 500);
  assert.equal(await client.streamingURL(), server.url.replace("http", "ws"));

  const posted = await client.postStatus("from megalodon", { visibility: "unlisted" });
  const status = posted.data as { id: string; visibility: string };
  assert.equal(status.visibility, "unlisted");
  const home = await client.getHomeTimeline({ limit: 5 });
  assert.equal(home.data[0].id, status.id);
  const notes = await client.getNotifications();
  assert.deepEqual(notes.data, []);

  // The token in the query string, as megalodon's streaming sends it.
  const viaQuery = await fetch(`${server.url}/api/v1/timelines/home?access_token=${encodeURIComponent(tokenData.access_token)}`);
  assert.equal(((await viaQuery.json()) as { id: string }[])[0].id, status.id);

  await anon.revokeToken(app.client_id, app.client_secret, tokenData.access_token);
  await assert.rejects(client.verifyAccountCredentials());
});
