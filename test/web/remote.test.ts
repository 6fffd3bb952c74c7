// Remote accounts and posts (as federation stores them) on the web UI, and cookies on an
// https origin.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { newId } from "../../src/domain/ids.ts";
import { buildWeft, startTestServer, type TestServer } from "../helpers/server.ts";
import { articleIds, Client } from "./client.ts";

let srv: TestServer;
before(async () => {
  srv = await startTestServer();
});
after(() => srv.close());

/** A remote actor and one of its posts, stored the way the federation inbox stores them. */
async function remoteFixture(): Promise<{ accountId: string; postId: string }> {
  const now = new Date().toISOString();
  const accountId = newId();
  await srv.weft.db.kysely
    .insertInto("accounts")
    .values({
      id: accountId, username: "zoe", username_lower: "zoe", domain: "remote.example", display_name: "Zoë <b>Remote</b>",
      bio: "", bio_html: "<p>Hello from afar</p>", is_private: 0, fediverse_sharing: 0, is_admin: 0, approved: 1,
      suspended_at: null, email: null, password_hash: null, avatar_url: null, header_url: null, created_at: now, updated_at: now,
      uri: "https://remote.example/users/zoe", url: "https://remote.example/@zoe", inbox_url: "https://remote.example/users/zoe/inbox",
      shared_inbox_url: null, followers_url: null, outbox_url: null, featured_url: null, actor_type: "Person", fields_json: null,
      also_known_as_json: null, moved_to_id: null, fetched_at: now,
    })
    .execute();
  const postId = newId();
  await srv.weft.db.kysely
    .insertInto("posts")
    .values({
      id: postId, account_id: accountId, local: 0, text: "Remote hello", html: '<p>Remote <a href="https://remote.example/tags/hi" rel="tag">#hi</a> hello</p>',
      summary: null, sensitive: 0, language: "en", visibility: "public", reply_policy: "anyone", in_reply_to_id: null,
      in_reply_to_account_id: null, in_reply_to_uri: null, quote_of_id: null, repost_of_id: null, replies_count: 0, likes_count: 0,
      reposts_count: 0, quotes_count: 0, created_at: now, edited_at: null, uri: "https://remote.example/users/zoe/statuses/1",
      url: "https://remote.example/@zoe/1", object_type: null, title: null, federated_at: null,
    })
    .execute();
  return { accountId, postId };
}

test("remote accounts have /@user@host profiles and post pages", async () => {
  const { postId } = await remoteFixture();
  const c = new Client(srv.url);
  await c.signup("local");
  const profile = await c.get("/@zoe@remote.example");
  assert.equal(profile.status, 200);
  assert.match(profile.text, /Zoë &lt;b&gt;Remote&lt;\/b&gt;/);
  assert.match(profile.text, /<p class="handle">@zoe@remote\.example<\/p>/);
  assert.match(profile.text, /href="https:\/\/remote\.example\/@zoe"[^>]*>View on remote\.example/);
  assert.match(profile.text, /<p>Hello from afar<\/p>/);
  assert.deepEqual(articleIds(profile.text), [postId]);
  const post = await c.get(`/@zoe@remote.example/posts/${postId}`);
  assert.equal(post.status, 200);
  // Sanitized remote HTML is rendered as HTML, with a link to the original.
  assert.match(post.text, /<p>Remote <a href="https:\/\/remote\.example\/tags\/hi" rel="tag">#hi<\/a> hello<\/p>/);
  assert.match(post.text, /href="https:\/\/remote\.example\/@zoe\/1"[^>]*>original</);
  // Replying and liking work on remote posts; following a remote account stays pending.
  const reply = await c.postText("Hi Zoë", { in_reply_to_id: postId });
  assert.deepEqual(articleIds((await c.get(`/@zoe@remote.example/posts/${postId}`)).text), [postId, reply]);
  assert.equal((await c.post(`/posts/${postId}/like`, {})).status, 303);
  // Following elsewhere needs fediverse sharing (nothing would be sent without it).
  assert.match((await c.post("/@zoe@remote.example/follow", {})).text, /Turn on fediverse sharing/);
  const me = await srv.weft.db.kysely.selectFrom("accounts").select("id").where("username_lower", "=", "local").executeTakeFirstOrThrow();
  assert.ok((await srv.weft.services.accounts.setFediverseSharing(me.id, true)).ok);
  await c.post("/@zoe@remote.example/follow", {});
  assert.match((await c.get("/@zoe@remote.example")).text, /Requested · cancel/);
  assert.equal((await c.get("/@nobody@remote.example")).status, 404);
});

test("cookies are Secure on an https origin", async () => {
  const weft = await buildWeft({ origin: "https://weft.example", host: "weft.example" });
  try {
    const first = await weft.app.fetch(new Request("https://weft.example/signup"));
    const pre = first.headers.getSetCookie().find((s) => s.startsWith("weft_csrf="))!;
    assert.match(pre, /Secure/);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await first.text())![1];
    const body = new URLSearchParams({ username: "secure", password: "correct horse battery", _csrf: csrf });
    const r = await weft.app.fetch(
      new Request("https://weft.example/signup", {
        method: "POST",
        body,
        headers: { "content-type": "application/x-www-form-urlencoded", cookie: pre.split(";")[0] },
      }),
    );
    assert.equal(r.status, 303);
    const session = r.headers.getSetCookie().find((s) => s.startsWith("weft_session="))!;
    assert.match(session, /Secure/);
    assert.match(session, /HttpOnly/);
    assert.match(session, /SameSite=Lax/);
  } finally {
    await weft.cleanup();
  }
});
