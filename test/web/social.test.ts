// Follows, private accounts and follow requests, blocks and mutes, and the Activity page.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { articleIds, Client } from "./client.ts";

let srv: TestServer;
before(async () => {
  srv = await startTestServer({ trustProxy: true });
});
after(() => srv.close());

// Each person signs up from their own address (behind a trusted proxy), so the sign-up
// limit per address never decides how many people a test may have.
let address = 1;
async function user(name: string): Promise<Client> {
  const c = new Client(srv.url, { headers: { "x-forwarded-for": `192.0.2.${address++}` } });
  const r = await c.signup(name, "correct horse battery", name[0].toUpperCase() + name.slice(1));
  assert.equal(r.status, 303);
  return c;
}

const follows = async () => (await srv.weft.db.kysely.selectFrom("follows").select(["follower_id", "state"]).execute()).length;

test("following oneself is refused", async () => {
  const solo = await user("solo");
  const n = await follows();
  const r = await solo.post("/@solo/follow", {});
  assert.equal(r.status, 422);
  assert.match(r.text, /cannot follow yourself/);
  assert.equal(await follows(), n);
  assert.doesNotMatch((await solo.get("/@solo")).text, /action="\/@solo\/follow"/);
});

test("follow, unfollow, and the Following feed", async () => {
  const ann = await user("ann");
  const ben = await user("ben");
  const p = await ben.postText("Ben's news");
  assert.deepEqual(articleIds((await ann.get("/")).text), []);
  const r = await ann.post("/@ben/follow", { return_to: "/@ben" });
  assert.equal(r.location, "/@ben");
  const profile = await ann.get("/@ben");
  assert.match(profile.text, />Unfollow</);
  assert.match(profile.text, /1 followers/);
  assert.deepEqual(articleIds((await ann.get("/")).text), [p]);
  assert.match((await ann.get("/@ben/followers")).text, /href="\/@ann">Ann</);
  assert.match((await ann.get("/@ann/following")).text, /href="\/@ben">Ben</);
  await ann.post("/@ben/unfollow", {});
  assert.deepEqual(articleIds((await ann.get("/")).text), []);
});

test("private accounts: follows become requests, approve and deny, posts hidden", async () => {
  const priv = await user("priv");
  const fan = await user("fan");
  const nope = await user("nope");
  assert.equal((await priv.post("/settings/profile", { display_name: "Priv", bio: "", visibility: "private" })).status, 303);
  const secret = await priv.postText("For followers only");
  // Not a follower: the profile says private, the post is a 404, the search finds nothing.
  let page = await fan.get("/@priv");
  assert.match(page.text, /This account is private/);
  assert.deepEqual(articleIds(page.text), []);
  assert.equal((await fan.get(`/@priv/posts/${secret}`)).status, 404);
  assert.equal((await new Client(srv.url).get(`/@priv/posts/${secret}`)).status, 404);
  assert.deepEqual(articleIds((await fan.get("/search?q=followers")).text), []);
  assert.match(page.text, />Request to follow</);

  await fan.post("/@priv/follow", {});
  await nope.post("/@priv/follow", {});
  page = await fan.get("/@priv");
  assert.match(page.text, /Requested · cancel/);
  assert.equal((await fan.get(`/@priv/posts/${secret}`)).status, 404);
  const requests = await priv.get("/follow-requests");
  assert.match(requests.text, /href="\/@fan">Fan</);
  assert.match(requests.text, /href="\/@nope">Nope</);
  assert.match((await priv.get("/activity")).text, /asked to follow you/);

  assert.equal((await priv.post("/follow-requests/@fan/approve", { return_to: "/follow-requests" })).location, "/follow-requests");
  assert.equal((await priv.post("/follow-requests/@nope/deny", {})).status, 303);
  // Approving twice, or a request that never was, says so.
  assert.equal((await priv.post("/follow-requests/@nope/approve", {})).status, 404);
  assert.doesNotMatch((await priv.get("/follow-requests")).text, /href="\/@(fan|nope)"/);
  assert.equal((await fan.get(`/@priv/posts/${secret}`)).status, 200);
  assert.deepEqual(articleIds((await fan.get("/")).text), [secret]);
  assert.equal((await nope.get(`/@priv/posts/${secret}`)).status, 404);
  assert.match((await nope.get("/@priv")).text, />Request to follow</);
});

test("blocking hides both ways; muting quiets the feed", async () => {
  const cat = await user("cat");
  const dog = await user("dog");
  await cat.post("/@dog/follow", {});
  await dog.post("/@cat/follow", {});
  const bark = await dog.postText("Woof");
  assert.deepEqual(articleIds((await cat.get("/")).text), [bark]);

  await cat.post("/@dog/mute", {});
  assert.deepEqual(articleIds((await cat.get("/")).text), []);
  assert.equal((await cat.get(`/@dog/posts/${bark}`)).status, 200); // a direct link still works
  await cat.post("/@dog/unmute", {});
  assert.deepEqual(articleIds((await cat.get("/")).text), [bark]);

  const r = await cat.post("/@dog/block", { return_to: "/@dog" });
  assert.equal(r.status, 303);
  assert.match((await cat.get("/@dog")).text, />Unblock</);
  assert.deepEqual(articleIds((await cat.get("/")).text), []);
  assert.deepEqual(articleIds((await cat.get("/@dog")).text), []);
  assert.equal((await cat.get(`/@dog/posts/${bark}`)).status, 404);
  const meow = await cat.postText("Meow");
  assert.equal((await dog.get(`/@cat/posts/${meow}`)).status, 404);
  assert.equal((await dog.post(`/posts/${meow}/like`, {})).status, 404);
  assert.equal((await dog.post("/@cat/follow", {})).status, 403);
  // The block removed the follows both ways.
  assert.match((await dog.get("/@cat")).text, /0 followers/);
  await cat.post("/@dog/unblock", {});
  assert.equal((await dog.get(`/@cat/posts/${meow}`)).status, 200);
});

test("activity: notifications with an unread count that visiting clears", async () => {
  const star = await user("star");
  const fanA = await user("fana");
  const p = await star.postText("Hello fans");
  await fanA.post("/@star/follow", {});
  await fanA.post(`/posts/${p}/like`, {});
  await fanA.post(`/posts/${p}/repost`, {});
  await fanA.postText("Nice one", { in_reply_to_id: p });
  await fanA.postText("Hey @star look", {});
  await fanA.postText("Quoting", { quote_of_id: p });
  const home = await star.get("/");
  assert.match(home.text, /Activity <span class="badge" aria-label="6 unread">6<\/span>/);
  const act = await star.get("/activity");
  for (const verb of ["followed you", "liked your post", "reposted your post", "replied to your post", "mentioned you", "quoted your post"]) {
    assert.match(act.text, new RegExp(verb));
  }
  assert.match(act.text, /class="note unread"/);
  assert.doesNotMatch(act.text, /class="badge"/);
  const again = await star.get("/");
  assert.doesNotMatch(again.text, /class="badge"/);
  assert.doesNotMatch((await star.get("/activity")).text, /class="note unread"/);
});
