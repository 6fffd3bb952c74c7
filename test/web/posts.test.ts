// Posting through the web UI: escaping, limits, replies, quotes, likes, reposts, edits
// with history, deletion, pagination, hashtags and search.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { articleIds, Client } from "./client.ts";

let srv: TestServer;
let alice: Client;
let bob: Client;
before(async () => {
  srv = await startTestServer();
  alice = new Client(srv.url);
  bob = new Client(srv.url);
  await alice.signup("alice", "correct horse battery", "Alice");
  await bob.signup("bob", "correct horse battery", "Bob");
});
after(() => srv.close());

const postCount = async () => (await srv.weft.db.kysely.selectFrom("posts").select("id").execute()).length;

test("markup in display names, bios and posts is always escaped", async () => {
  const evil = new Client(srv.url);
  const xss = `<script>alert(1)</script><img src=x onerror=alert(2)>`;
  assert.equal((await evil.signup("mallory", "correct horse battery", "<script>alert(1)</script>")).status, 303);
  assert.equal((await evil.post("/settings/profile", { display_name: `M ${xss}`.slice(0, 50), bio: `hi ${xss} #tag @alice`, visibility: "public" })).status, 303);
  const id = await evil.postText(`look ${xss} "quotes" & 'apostrophes' #xss`);
  await bob.post("/@mallory/follow", {});
  const pages = [
    await evil.get("/@mallory"),
    await evil.get(`/@mallory/posts/${id}`),
    await bob.get("/"),
    await bob.get("/search?q=" + encodeURIComponent("<script>")),
    await bob.get("/tags/xss"),
    await evil.get("/settings"),
    await alice.get("/search?q=mallory"),
  ];
  for (const p of pages) {
    assert.equal(p.status, 200);
    assert.doesNotMatch(p.text, /<script>/i);
    assert.doesNotMatch(p.text, /<img src=x/i);
  }
  assert.match(pages[0].text, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  assert.match(pages[1].text, /&lt;img src=x onerror=alert\(2\)&gt;/);
  // Bios are linkified (hashtags and mentions) but still escaped.
  assert.match(pages[0].text, /href="[^"]*\/tags\/tag"/);
  assert.match(pages[0].text, /href="[^"]*\/@alice"/);
});

test("empty and overlong posts show an error and store nothing", async () => {
  const before = await postCount();
  const empty = await alice.post("/compose", { text: "   " });
  assert.equal(empty.status, 422);
  assert.match(empty.text, /role="alert">A post needs some text/);
  const long = "é".repeat(501);
  const over = await alice.post("/compose", { text: long });
  assert.equal(over.status, 422);
  assert.match(over.text, /at most 500 characters/);
  assert.ok(over.text.includes(`>${long}</textarea>`)); // the text is kept
  assert.equal(await postCount(), before);
  // 500 code points (emoji count as one) is fine.
  assert.equal((await alice.post("/compose", { text: "😀".repeat(500) })).status, 303);
});

test("replies: threads, deleted parents and reply controls", async () => {
  const root = await alice.postText("Root post");
  const r1 = await bob.postText("First reply", { in_reply_to_id: root });
  const r2 = await alice.postText("Reply to the reply", { in_reply_to_id: r1 });
  const r3 = await bob.postText("Deeper still", { in_reply_to_id: r2 });
  const page = await bob.get(`/@alice/posts/${root}`);
  assert.deepEqual(articleIds(page.text), [root, r1, r2, r3]);
  assert.match(page.text, /class="post depth-3"/);
  // The deepest reply's page shows its ancestors.
  assert.deepEqual(articleIds((await bob.get(`/@bob/posts/${r3}`)).text), [root, r1, r2, r3]);
  // A wrong handle in the URL redirects to the canonical one.
  const moved = await bob.get(`/@bob/posts/${root}`);
  assert.equal(moved.status, 301);
  assert.equal(moved.location, `/@alice/posts/${root}`);

  // Only people mentioned may reply: bob is refused with the service's message, nothing stored.
  const closed = await alice.postText("Only @alice may reply", { reply_policy: "mentioned" });
  const threadPage = await bob.get(`/@alice/posts/${closed}`);
  assert.match(threadPage.text, /Only people mentioned in this post can reply/);
  assert.doesNotMatch(threadPage.text, /name="in_reply_to_id"/);
  const before = await postCount();
  const refused = await bob.post("/compose", { text: "sneaky", in_reply_to_id: closed });
  assert.equal(refused.status, 403);
  assert.match(refused.text, /Only people mentioned/);
  assert.match(refused.text, />sneaky<\/textarea>/);
  // A deleted post cannot be replied to. Delete asks first.
  const doomed = await alice.postText("Short-lived");
  const ask = await alice.get(`/posts/${doomed}/delete?return_to=${encodeURIComponent(`/@alice/posts/${doomed}`)}`);
  assert.match(ask.text, /Delete this post\?[\s\S]*Short-lived[\s\S]*<button type="submit" class="danger">Delete<\/button>/);
  assert.equal((await bob.get(`/posts/${doomed}/delete`)).status, 404);
  assert.equal((await alice.get(`/@alice/posts/${doomed}`)).status, 200); // asking deleted nothing
  assert.equal((await alice.post(`/posts/${doomed}/delete`, { return_to: `/@alice/posts/${doomed}` })).location, "/@alice");
  assert.equal((await bob.get(`/@alice/posts/${doomed}`)).status, 404);
  const late = await bob.post("/compose", { text: "too late", in_reply_to_id: doomed });
  assert.equal(late.status, 404);
  assert.match(late.text, /does not exist or was deleted/);
  assert.equal(await postCount(), before); // the doomed post came and went; nothing else stored
  // Nobody else can delete alice's post.
  assert.equal((await bob.post(`/posts/${root}/delete`, {})).status, 404);
  assert.equal((await bob.get(`/@alice/posts/${root}`)).status, 200);
});

test("like, repost and quote through the action forms", async () => {
  const id = await alice.postText("Like me");
  const liked = await bob.post(`/posts/${id}/like`, { return_to: "/@alice" });
  assert.equal(liked.status, 303);
  assert.equal(liked.location, "/@alice");
  let page = await bob.get(`/@alice/posts/${id}`);
  assert.match(page.text, /action="\/posts\/\d+\/unlike"[\s\S]*?aria-pressed="true">Like 1</);
  await bob.post(`/posts/${id}/repost`, {});
  page = await bob.get(`/@alice/posts/${id}`);
  assert.match(page.text, /aria-pressed="true">Repost 1</);
  // The repost shows on bob's profile with a "reposted" line.
  assert.match((await alice.get("/@bob")).text, /Bob<\/a> reposted/);
  const quote = await bob.postText("Quoting this", { quote_of_id: id });
  const qpage = await alice.get(`/@bob/posts/${quote}`);
  assert.deepEqual(articleIds(qpage.text), [quote, id]);
  await bob.post(`/posts/${id}/unlike`, {});
  await bob.post(`/posts/${id}/unrepost`, {});
  page = await bob.get(`/@alice/posts/${id}`);
  assert.match(page.text, /aria-pressed="false">Like</);
  assert.match(page.text, /aria-pressed="false">Repost</);
  // Logged out: no action forms, and POSTs send you to log in.
  const anon = new Client(srv.url);
  assert.doesNotMatch((await anon.get(`/@alice/posts/${id}`)).text, /action="\/posts\//);
  const r = await anon.post(`/posts/${id}/like`, {});
  assert.equal(r.status, 303);
  assert.match(r.location!, /^\/login/);
});

test("editing keeps a viewable history", async () => {
  const id = await alice.postText("First version #weft");
  const form = await alice.get(`/posts/${id}/edit`);
  assert.match(form.text, />First version #weft<\/textarea>/);
  assert.equal((await bob.get(`/posts/${id}/edit`)).status, 404);
  assert.equal((await bob.post(`/posts/${id}/edit`, { text: "hijacked" })).status, 404);
  const empty = await alice.post(`/posts/${id}/edit`, { text: "" });
  assert.equal(empty.status, 422);
  const saved = await alice.post(`/posts/${id}/edit`, { text: "Second version" });
  assert.equal(saved.status, 303);
  const page = await bob.get(`/@alice/posts/${id}`);
  assert.match(page.text, /Second version/);
  assert.match(page.text, /href="\/@alice\/posts\/\d+\/history">Edited/);
  const history = await bob.get(`/@alice/posts/${id}/history`);
  assert.equal(history.status, 200);
  assert.match(history.text, /Current version[\s\S]*Second version[\s\S]*Original[\s\S]*First version/);
});

test("pagination cursors are stable", async () => {
  const pager = new Client(srv.url);
  await pager.signup("pager");
  const ids: string[] = [];
  for (let i = 0; i < 25; i++) ids.push(await pager.postText(`numbered post ${i}`));
  const first = await pager.get("/@pager");
  const page1 = articleIds(first.text);
  assert.deepEqual(page1, ids.slice(5).reverse());
  const next = /href="([^"]+)" rel="next"/.exec(first.text)![1].replaceAll("&amp;", "&");
  assert.equal(next, `/@pager?max_id=${ids[5]}`);
  // New posts meanwhile do not shift the next page.
  await pager.postText("a newer post");
  const page2 = articleIds((await pager.get(next)).text);
  assert.deepEqual(page2, ids.slice(0, 5).reverse());
  assert.doesNotMatch((await pager.get(next)).text, /rel="next"/);
  // The home feed pages the same way.
  const home = await pager.get("/");
  assert.equal(articleIds(home.text).length, 20);
  const homeNext = /href="([^"]+)" rel="next"/.exec(home.text)![1].replaceAll("&amp;", "&");
  assert.equal(articleIds((await pager.get(homeNext)).text).length, 6);
});

test("hashtag pages and search", async () => {
  const id = await alice.postText("Loving the #Gardening life with @bob");
  await bob.postText("Nothing to see");
  const tag = await bob.get("/tags/gardening");
  assert.deepEqual(articleIds(tag.text), [id]);
  assert.match((await bob.get("/tags/GARDENING")).text, new RegExp(`post-${id}`));
  assert.match((await bob.get(`/@alice/posts/${id}`)).text, /href="[^"]*\/tags\/gardening"/);
  const s = await bob.get("/search?q=garden");
  assert.match(s.text, /href="\/tags\/gardening">#gardening</);
  assert.deepEqual(articleIds(s.text), [id]);
  const people = await bob.get("/search?q=ali");
  assert.match(people.text, /href="\/@alice">Alice</);
  assert.equal(articleIds((await bob.get("/search?q=zzzz-nothing")).text).length, 0);
  assert.match((await bob.get("/search?q=zzzz-nothing")).text, /No people found/);
});
