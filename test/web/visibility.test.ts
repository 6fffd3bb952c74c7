// Composer options: who can see a post (everyone, followers only, mentioned people only),
// and where a reply goes on its author's profile once its parent is deleted.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { articleIds, Client } from "./client.ts";

let srv: TestServer;
let ann: Client;
let fan: Client;
let stranger: Client;
let named: Client;
before(async () => {
  srv = await startTestServer();
  [ann, fan, stranger, named] = [new Client(srv.url), new Client(srv.url), new Client(srv.url), new Client(srv.url)];
  await ann.signup("ann", "correct horse battery", "Ann");
  await fan.signup("fan");
  await stranger.signup("stranger");
  await named.signup("named");
  await fan.post("/@ann/follow", {});
});
after(() => srv.close());

test("the composer offers visibility and a content warning", async () => {
  const home = await ann.get("/");
  assert.match(home.text, /<form method="post" action="\/compose" class="composer" id="compose" enctype="multipart\/form-data">/);
  assert.match(home.text, /<label for="compose-visibility">Who can see this<\/label>\s*<select id="compose-visibility" name="visibility"><option value="public" selected>Everyone<\/option><option value="followers">Followers only<\/option><option value="direct">Only people you mention<\/option><\/select>/);
  assert.match(home.text, /<label for="compose-summary">Content warning/);
  assert.match(home.text, /<input type="file" id="compose-media" name="media" multiple accept="image\/jpeg,image\/png,image\/webp,image\/gif,image\/avif,video\/mp4,video\/webm"/);
});

test("followers only: followers see it, others do not (feed, profile, thread)", async () => {
  const id = await ann.postText("for my followers", { visibility: "followers" });
  const row = await srv.weft.db.kysely.selectFrom("posts").select("visibility").where("id", "=", id).executeTakeFirstOrThrow();
  assert.equal(row.visibility, "followers");
  assert.ok(articleIds((await fan.get("/")).text).includes(id));
  assert.ok(articleIds((await fan.get("/@ann")).text).includes(id));
  const shown = await fan.get(`/@ann/posts/${id}`);
  assert.equal(shown.status, 200);
  assert.match(shown.text, /<span class="visibility">Followers only<\/span>/);
  assert.ok(!articleIds((await stranger.get("/@ann")).text).includes(id));
  assert.equal((await stranger.get(`/@ann/posts/${id}`)).status, 404);
  assert.equal((await new Client(srv.url).get(`/@ann/posts/${id}`)).status, 404);
  // A reply to it starts as followers-only too.
  assert.match(shown.text, /<select id="reply-visibility" name="visibility"><option value="public">Everyone<\/option><option value="followers" selected>/);
  assert.match((await fan.get(`/compose?reply_to=${id}`)).text, /<option value="followers" selected>/);
});

test("mentioned people only: the mentioned account sees it, followers do not", async () => {
  const id = await ann.postText("psst @named", { visibility: "direct" });
  assert.equal((await named.get(`/@ann/posts/${id}`)).status, 200);
  assert.equal((await fan.get(`/@ann/posts/${id}`)).status, 404);
  assert.ok(!articleIds((await fan.get("/")).text).includes(id));
  assert.equal((await ann.get(`/@ann/posts/${id}`)).status, 200);
});

test("a bad visibility is refused with the text kept", async () => {
  const r = await ann.post("/compose", { text: "where does this go", visibility: "everywhere" });
  assert.equal(r.status, 422);
  assert.ok(r.text.includes(">where does this go</textarea>"));
});

test("a reply whose parent was deleted stays under Replies, not Posts", async () => {
  const parent = await fan.postText("a question");
  const reply = await ann.postText("an answer", { in_reply_to_id: parent });
  const del = await fan.post(`/posts/${parent}/delete`, {});
  assert.equal(del.status, 303);
  const row = await srv.weft.db.kysely.selectFrom("posts").select(["in_reply_to_id", "in_reply_to_uri"]).where("id", "=", reply).executeTakeFirstOrThrow();
  assert.equal(row.in_reply_to_id, null);
  assert.equal(row.in_reply_to_uri, `${srv.url}/@fan/posts/${parent}`);
  assert.ok(!articleIds((await stranger.get("/@ann")).text).includes(reply), "not on the Posts tab");
  assert.ok(articleIds((await stranger.get("/@ann/replies")).text).includes(reply), "on the Replies tab");
  const t = await stranger.get(`/@ann/posts/${reply}`);
  assert.equal(t.status, 200);
  assert.match(t.text, /Earlier posts in this thread were deleted or are not visible to you/);
});
