import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { buildWeft } from "../helpers/server.ts";
import { unwrap } from "../../src/domain/result.ts";
import { followingFeed, thread, hashtagFeed, profilePosts } from "../../src/db/views/timelines.ts";
import { listNotifications, unreadCount } from "../../src/db/views/notifications.ts";

let weft: Awaited<ReturnType<typeof buildWeft>>;
before(async () => {
  weft = await buildWeft();
});
after(() => weft.cleanup());

async function user(name: string) {
  return unwrap(await weft.services.accounts.register({ username: name, password: "correct horse" }));
}

test("post, follow, feed, reply, like, notifications", async () => {
  const s = weft.services;
  const alice = await user("alice");
  const bob = await user("bob");
  assert.equal(unwrap(await s.follows.follow(bob.id, alice.id)), "accepted");
  const p = unwrap(await s.posts.create(alice.id, { text: "Hello @bob #Weft" }));
  assert.match(p.html, /class="u-url mention"/);
  assert.match(p.html, /\/tags\/weft/);
  const feed = await followingFeed(weft.db.kysely, bob.id, {});
  assert.deepEqual(feed.map((v) => v.post.id), [p.id]);
  const reply = unwrap(await s.posts.create(bob.id, { text: "hi!", inReplyToId: p.id }));
  unwrap(await s.posts.like(bob.id, p.id));
  const t = await thread(weft.db.kysely, p.id, alice.id);
  assert.equal(t!.descendants[0].post.id, reply.id);
  assert.equal(t!.post.post.likesCount, 1);
  assert.equal(t!.post.post.repliesCount, 1);
  const notes = await listNotifications(weft.db.kysely, alice.id);
  assert.deepEqual(notes.map((n) => n.type).sort(), ["follow", "like", "reply"]);
  assert.equal(await unreadCount(weft.db.kysely, bob.id), 1); // the mention
  assert.equal((await hashtagFeed(weft.db.kysely, "weft", null, {})).length, 1);
});

test("bad input changes nothing", async () => {
  const s = weft.services;
  const carol = await user("carol");
  const before = await profilePosts(weft.db.kysely, carol.id, carol.id, {});
  for (const text of ["", "   ", "x".repeat(501)]) {
    const r = await s.posts.create(carol.id, { text });
    assert.equal(r.ok, false);
  }
  assert.equal((await s.posts.create(carol.id, { text: "hi", inReplyToId: "999999999999999999" })).ok, false);
  assert.equal((await s.follows.follow(carol.id, carol.id)).ok, false);
  assert.deepEqual(await profilePosts(weft.db.kysely, carol.id, carol.id, {}), before);
  const taken = await s.accounts.register({ username: "CAROL", password: "correct horse" });
  assert.equal(taken.ok, false);
  assert.equal((await s.accounts.register({ username: "a b", password: "correct horse" })).ok, false);
});

test("reply controls and blocks", async () => {
  const s = weft.services;
  const dan = await user("dan");
  const erin = await user("erin");
  const p = unwrap(await s.posts.create(dan.id, { text: "mentioned only", replyPolicy: "mentioned" }));
  const r = await s.posts.create(erin.id, { text: "can I?", inReplyToId: p.id });
  assert.equal(r.ok, false);
  unwrap(await s.blocks.block(dan.id, erin.id));
  assert.equal((await s.posts.like(erin.id, p.id)).ok, false);
  assert.equal((await s.follows.follow(erin.id, dan.id)).ok, false);
});
