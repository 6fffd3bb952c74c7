// Stored account counters (migration 0007): followers, following, posts and the newest
// post stay equal to a fresh count through local follows, requests, unfollows, blocks,
// posts, reposts and deletions, and through a remote server's Follow and Undo(Follow);
// the API and the profile page show them.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startFederatedCluster, type Cluster } from "../federation/helpers/cluster.ts";
import { createFakeRemote, type FakeRemote } from "../federation/helpers/fake-remote.ts";
import { unwrap } from "../../src/domain/result.ts";
import type { Account } from "../../src/domain/account.ts";
import type { Weft } from "../../src/app.ts";
import { loadStats } from "../../src/api/mastodon/render.ts";
import { profileCounts } from "../../src/db/views/profiles.ts";

let cluster: Cluster;
let weft: Weft;
let remote: FakeRemote;
let n = 0;

before(async () => {
  remote = await createFakeRemote("far");
  cluster = await startFederatedCluster(["a"], { remotes: { far: (r) => remote.handler(r) } });
  weft = cluster.nodes.a.weft;
});
after(() => cluster?.close());

const register = async (username: string) => unwrap(await weft.services.accounts.register({ username, password: "correct horse battery" }));

/** What the counters must say, counted from the rows as the code did before migration 0007. */
async function recount(id: string) {
  const db = weft.db.kysely;
  const count = async (q: Promise<{ n: number | string | bigint }>) => Number((await q).n);
  const followers = await count(db.selectFrom("follows").select((eb) => eb.fn.countAll<number>().as("n")).where("followee_id", "=", id).where("state", "=", "accepted").executeTakeFirstOrThrow());
  const following = await count(db.selectFrom("follows").select((eb) => eb.fn.countAll<number>().as("n")).where("follower_id", "=", id).where("state", "=", "accepted").executeTakeFirstOrThrow());
  const posts = await count(db.selectFrom("posts").select((eb) => eb.fn.countAll<number>().as("n")).where("account_id", "=", id).executeTakeFirstOrThrow());
  const last = await db.selectFrom("posts").select((eb) => eb.fn.max("id").as("m")).where("account_id", "=", id).executeTakeFirst();
  return { followers, following, posts, last: (last?.m as string | null) ?? null };
}

async function expectCounts(a: Account, want: { followers: number; following: number; posts: number }) {
  const fresh = await recount(a.id);
  assert.deepEqual({ followers: fresh.followers, following: fresh.following, posts: fresh.posts }, want, `fresh count of ${a.username}`);
  assert.deepEqual(await profileCounts(weft.db.kysely, a.id), want, `stored counters of ${a.username}`);
  const api = (await loadStats(weft, [a.id])).get(a.id)!;
  assert.deepEqual({ followers: api.followers, following: api.following, posts: api.statuses }, want);
  const row = await weft.db.kysely.selectFrom("account_stats").select("last_post_id").where("account_id", "=", a.id).executeTakeFirstOrThrow();
  assert.equal(row.last_post_id, fresh.last, `newest post of ${a.username}`);
}

test("local follows, requests, unfollows and blocks keep follower counts right", async () => {
  const ann = await register("ann");
  const ben = await register("ben");
  const cat = await register("cat");
  await expectCounts(ann, { followers: 0, following: 0, posts: 0 });
  unwrap(await weft.services.follows.follow(ben.id, ann.id));
  unwrap(await weft.services.follows.follow(cat.id, ann.id));
  unwrap(await weft.services.follows.follow(ann.id, ben.id));
  await expectCounts(ann, { followers: 2, following: 1, posts: 0 });
  await expectCounts(ben, { followers: 1, following: 1, posts: 0 });
  unwrap(await weft.services.follows.unfollow(cat.id, ann.id));
  unwrap(await weft.services.follows.unfollow(cat.id, ann.id)); // twice changes nothing
  await expectCounts(ann, { followers: 1, following: 1, posts: 0 });
  await expectCounts(cat, { followers: 0, following: 0, posts: 0 });

  // A private account: a request counts only once approved; a denied one never.
  const dee = await register("dee");
  unwrap(await weft.services.accounts.updateProfile(dee.id, { isPrivate: true }));
  unwrap(await weft.services.follows.follow(ann.id, dee.id));
  unwrap(await weft.services.follows.follow(cat.id, dee.id));
  await expectCounts(dee, { followers: 0, following: 0, posts: 0 });
  unwrap(await weft.services.follows.approve(dee.id, ann.id));
  unwrap(await weft.services.follows.deny(dee.id, cat.id));
  await expectCounts(dee, { followers: 1, following: 0, posts: 0 });
  await expectCounts(ann, { followers: 1, following: 2, posts: 0 });

  // A block ends follows both ways.
  unwrap(await weft.services.blocks.block(ann.id, ben.id));
  await expectCounts(ann, { followers: 0, following: 1, posts: 0 });
  await expectCounts(ben, { followers: 0, following: 0, posts: 0 });
});

test("posts, replies, reposts and deletions keep post counts and the newest post right", async () => {
  const eve = await register("eve");
  const fay = await register("fay");
  const p1 = unwrap(await weft.services.posts.create(eve.id, { text: "one" }));
  const p2 = unwrap(await weft.services.posts.create(eve.id, { text: "two" }));
  unwrap(await weft.services.posts.create(fay.id, { text: "a reply", inReplyToId: p1.id }));
  const repost = unwrap(await weft.services.posts.repost(fay.id, p2.id));
  await expectCounts(eve, { followers: 0, following: 0, posts: 2 });
  await expectCounts(fay, { followers: 0, following: 0, posts: 2 });
  // Deleting the newest post moves the newest back; deleting a post takes its reposts along.
  unwrap(await weft.services.posts.delete(eve.id, p2.id));
  await expectCounts(eve, { followers: 0, following: 0, posts: 1 });
  await expectCounts(fay, { followers: 0, following: 0, posts: 1 });
  assert.ok(repost);
  unwrap(await weft.services.posts.delete(eve.id, p1.id));
  await expectCounts(eve, { followers: 0, following: 0, posts: 0 });
  // The API shows it as last_status_at null.
  assert.equal((await loadStats(weft, [eve.id])).get(eve.id)!.lastStatusAt, null);
});

test("a remote server's Follow and Undo(Follow) keep counts right", async () => {
  let gus = await register("gus");
  gus = unwrap(await weft.services.accounts.setFediverseSharing(gus.id, true));
  const target = `https://a.weft.test/ap/users/${gus.id}`;
  const followId = `${remote.origin}/follows/${++n}`;
  const follow = { "@context": "https://www.w3.org/ns/activitystreams", id: followId, type: "Follow", actor: remote.actorUri("rita"), object: target };
  assert.equal((await remote.post("https://a.weft.test/ap/inbox", "rita", follow)).status, 202);
  await cluster.drain();
  await expectCounts(gus, { followers: 1, following: 0, posts: 0 });
  const rita = await weft.db.kysely.selectFrom("accounts").selectAll().where("uri", "=", remote.actorUri("rita")).executeTakeFirstOrThrow();
  assert.equal((await profileCounts(weft.db.kysely, rita.id)).following, 1);
  const undo = { "@context": "https://www.w3.org/ns/activitystreams", id: `${remote.origin}/undo/${++n}`, type: "Undo", actor: remote.actorUri("rita"), object: follow };
  assert.equal((await remote.post("https://a.weft.test/ap/inbox", "rita", undo)).status, 202);
  await cluster.drain();
  await expectCounts(gus, { followers: 0, following: 0, posts: 0 });
  assert.equal((await profileCounts(weft.db.kysely, rita.id)).following, 0);
});

test("the profile page and the API show the stored counts", async () => {
  const hal = await register("hal");
  const ivy = await register("ivy");
  unwrap(await weft.services.follows.follow(ivy.id, hal.id));
  unwrap(await weft.services.posts.create(hal.id, { text: "hello" }));
  // Counters changed behind the triggers' back show up: the pages read the stored row.
  await weft.db.kysely.updateTable("account_stats").set({ followers_count: 41 }).where("account_id", "=", hal.id).execute();
  const page = await weft.fetch(new Request("https://a.weft.test/@hal", { headers: { cookie: "x=1" } }));
  assert.match(await page.text(), /41 followers/);
  const api = await weft.fetch(new Request(`https://a.weft.test/api/v1/accounts/${hal.id}`));
  const json = await api.json();
  assert.equal(json.followers_count, 41);
  assert.equal(json.statuses_count, 1);
});
