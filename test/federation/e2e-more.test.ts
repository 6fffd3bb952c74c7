// More end-to-end flows between two https Weft servers: remote mentions resolved through
// WebFinger, profile updates, follower removal and unfollow, collections; and the gates
// (private accounts, WEFT_FEDERATION=off).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startFederatedCluster, type Cluster } from "./helpers/cluster.ts";
import { buildWeft } from "../helpers/server.ts";
import { unwrap } from "../../src/domain/result.ts";
import type { Account } from "../../src/domain/account.ts";
import { followRemoteHandle } from "../../src/federation/lookup.ts";
import { listNotifications } from "../../src/db/views/notifications.ts";
import { attachmentsForPosts } from "../../src/db/views/media.ts";
import sharp from "sharp";
import { makeVideo, videoSkip } from "../helpers/video.ts";

let cluster: Cluster;
let alice: Account; // on a
let bob: Account; // on b

async function member(node: string, username: string): Promise<Account> {
  const w = cluster.nodes[node].weft;
  const acct = unwrap(await w.services.accounts.register({ username, password: "correct horse" }));
  return unwrap(await w.services.accounts.setFediverseSharing(acct.id, true));
}

const ap = (node: string, p: string) => fetch(`${cluster.nodes[node].origin}${p}`, { headers: { accept: "application/activity+json" } });

before(async () => {
  cluster = await startFederatedCluster(["a", "b"]);
  alice = await member("a", "alice");
  bob = await member("b", "bob");
  unwrap(await followRemoteHandle(cluster.nodes.b.weft, bob.id, "alice@a.weft.test"));
  await cluster.drain();
});
after(() => cluster?.close());

test("a mention of @bob@b.weft.test is resolved, linked, tagged, addressed and notified", async () => {
  const a = cluster.nodes.a.weft;
  const post = unwrap(await a.services.posts.create(alice.id, { text: "Hello @bob@b.weft.test!" }));
  assert.match(post.html, /href="https:\/\/b\.weft\.test\/@bob"/);
  const note = await (await ap("a", `/ap/posts/${post.id}`)).json();
  const bobUri = `https://b.weft.test/ap/users/${bob.id}`;
  assert.ok([note.cc].flat().includes(bobUri));
  assert.ok([note.tag].flat().some((t: { type: string; href: string }) => t.type === "Mention" && t.href === bobUri));
  await cluster.drain();
  const notes = await listNotifications(cluster.nodes.b.weft.db.kysely, bob.id);
  const mention = notes.find((n) => n.type === "mention");
  assert.ok(mention, "bob is notified");
  assert.equal(mention.post?.post.uri, `https://a.weft.test/ap/posts/${post.id}`);
});

test("a post with an image goes out with a Document attachment and arrives as remote media, blurhash and focal point included", async () => {
  const a = cluster.nodes.a.weft;
  const png = await sharp({ create: { width: 32, height: 24, channels: 3, background: "#c33" } }).png().toBuffer();
  const media = unwrap(await a.services.media.upload(alice.id, new Uint8Array(png), { description: "a red square", focus: "0.5,-0.25" }));
  assert.ok(media.blurhash);
  const post = unwrap(await a.services.posts.create(alice.id, { text: "look", mediaIds: [media.id] }));
  const note = await (await ap("a", `/ap/posts/${post.id}`)).json();
  const doc = [note.attachment].flat()[0];
  assert.equal(doc.type, "Document");
  assert.equal(doc.name, "a red square");
  assert.match(doc.url, /^https:\/\/a\.weft\.test\/media\//);
  assert.equal(doc.blurhash, media.blurhash);
  assert.deepEqual(doc.focalPoint, [0.5, -0.25]);
  // Delivered as a signed Create (proof and LD signature over the fields) to b's inbox.
  await cluster.drain();
  const b = cluster.nodes.b.weft;
  const onB = await b.db.kysely.selectFrom("posts").select("id").where("uri", "=", `https://a.weft.test/ap/posts/${post.id}`).executeTakeFirstOrThrow();
  const [m] = (await attachmentsForPosts(b.db.kysely, [onB.id])).get(onB.id) ?? [];
  assert.equal(m?.remoteUrl, doc.url);
  assert.equal(m?.description, "a red square");
  assert.equal(m?.blurhash, media.blurhash);
  assert.deepEqual(m?.focus, { x: 0.5, y: -0.25 });
  // A focal point changed after posting reaches b as an Update.
  unwrap(await a.services.media.update(alice.id, media.id, { focus: "-1,1" }));
  await cluster.drain();
  const [m2] = (await attachmentsForPosts(b.db.kysely, [onB.id])).get(onB.id) ?? [];
  assert.deepEqual(m2?.focus, { x: -1, y: 1 });
});

test("a video goes out with its poster and duration and arrives with them", { skip: videoSkip }, async () => {
  const a = cluster.nodes.a.weft;
  const media = unwrap(await a.services.media.upload(alice.id, await makeVideo("mp4"), { description: "a test pattern" }));
  assert.ok(media.thumbKey, "ffmpeg made a poster");
  const post = unwrap(await a.services.posts.create(alice.id, { text: "a clip", mediaIds: [media.id] }));
  await cluster.drain();
  const b = cluster.nodes.b.weft;
  const onB = await b.db.kysely.selectFrom("posts").select("id").where("uri", "=", `https://a.weft.test/ap/posts/${post.id}`).executeTakeFirstOrThrow();
  const [m] = (await attachmentsForPosts(b.db.kysely, [onB.id])).get(onB.id) ?? [];
  assert.equal(m?.kind, "video");
  assert.equal(m?.previewRemoteUrl, `https://a.weft.test/media/${media.thumbKey}`);
  assert.equal(m?.duration, 1.5);
  assert.equal(m?.blurhash, media.blurhash);
  // b's readers see the poster through b's proxy.
  const page = await (await fetch(`https://b.weft.test/@alice@a.weft.test/posts/${onB.id}`)).text();
  assert.match(page, /<video controls preload="metadata" src="https:\/\/b\.weft\.test\/media\/proxy\?[^"]+" poster="https:\/\/b\.weft\.test\/media\/proxy\?[^"]+"/);
});

test("a browser following an ActivityPub id is sent to the HTML page", async () => {
  const post = unwrap(await cluster.nodes.a.weft.services.posts.create(alice.id, { text: "for browsers" }));
  const html = { headers: { accept: "text/html" }, redirect: "manual" } as const;
  const r1 = await fetch(`https://a.weft.test/ap/posts/${post.id}`, html);
  assert.equal(r1.status, 302);
  assert.equal(r1.headers.get("location"), `https://a.weft.test/@alice/posts/${post.id}`);
  const r2 = await fetch(`https://a.weft.test/ap/users/${alice.id}`, html);
  assert.equal(r2.headers.get("location"), "https://a.weft.test/@alice");
  await cluster.drain();
});

test("a profile edit sends Update(Person)", async () => {
  unwrap(await cluster.nodes.a.weft.services.accounts.updateProfile(alice.id, { displayName: "Alice A.", bio: "new bio" }));
  await cluster.drain();
  const row = await cluster.nodes.b.weft.db.kysely.selectFrom("accounts").selectAll().where("uri", "=", `https://a.weft.test/ap/users/${alice.id}`).executeTakeFirstOrThrow();
  assert.equal(row.display_name, "Alice A.");
  assert.match(row.bio_html, /new bio/);
});

test("collections: outbox is paged, followers counted, featured empty", async () => {
  for (let i = 0; i < 3; i++) unwrap(await cluster.nodes.a.weft.services.posts.create(alice.id, { text: `post ${i}` }));
  // Every public post of alice's so far (this file's earlier tests wrote some).
  const posts = await cluster.nodes.a.weft.db.kysely.selectFrom("posts").select("id").where("account_id", "=", alice.id).where("visibility", "=", "public").execute();
  assert.ok(posts.length >= 6);
  const outbox = await (await ap("a", `/ap/users/${alice.id}/outbox`)).json();
  assert.equal(outbox.type, "OrderedCollection");
  assert.equal(outbox.totalItems, posts.length);
  const page = await (await fetch(outbox.first, { headers: { accept: "application/activity+json" } })).json();
  assert.equal(page.orderedItems.length, Math.min(posts.length, 20));
  assert.equal(page.orderedItems[0].type, "Create");
  const followers = await (await ap("a", `/ap/users/${alice.id}/followers`)).json();
  assert.equal(followers.totalItems, 1);
  const featured = await (await ap("a", `/ap/users/${alice.id}/featured`)).json();
  assert.equal(featured.type, "OrderedCollection");
  assert.deepEqual([featured.orderedItems ?? []].flat(), []);
});

test("removing a follower sends Reject(Follow); unfollowing sends Undo(Follow)", async () => {
  const a = cluster.nodes.a.weft;
  const b = cluster.nodes.b.weft;
  const bobOnA = await a.db.kysely.selectFrom("accounts").select("id").where("uri", "=", `https://b.weft.test/ap/users/${bob.id}`).executeTakeFirstOrThrow();
  unwrap(await a.services.follows.removeFollower(alice.id, bobOnA.id));
  await cluster.drain();
  assert.equal((await b.db.kysely.selectFrom("follows").selectAll().where("follower_id", "=", bob.id).execute()).length, 0);

  const again = unwrap(await followRemoteHandle(b, bob.id, "@alice@a.weft.test"));
  await cluster.drain();
  assert.equal((await a.db.kysely.selectFrom("follows").selectAll().where("followee_id", "=", alice.id).execute()).length, 1);
  unwrap(await b.services.follows.unfollow(bob.id, again.account.id));
  await cluster.drain();
  assert.equal((await a.db.kysely.selectFrom("follows").selectAll().where("followee_id", "=", alice.id).execute()).length, 0);
});

test("a block sends Block, removes the follows both ways, and Undo(Block) takes it back", async () => {
  const a = cluster.nodes.a.weft;
  const b = cluster.nodes.b.weft;
  const aliceOnB = unwrap(await followRemoteHandle(b, bob.id, "@alice@a.weft.test")).account;
  await cluster.drain();
  const bobOnA = await a.db.kysely.selectFrom("accounts").select("id").where("uri", "=", `https://b.weft.test/ap/users/${bob.id}`).executeTakeFirstOrThrow();
  unwrap(await a.services.follows.follow(alice.id, bobOnA.id));
  await cluster.drain();
  assert.equal((await b.db.kysely.selectFrom("follows").selectAll().where("followee_id", "=", bob.id).execute()).length, 1, "alice follows bob on b");
  unwrap(await a.services.blocks.block(alice.id, bobOnA.id));
  await cluster.drain();
  assert.equal((await b.db.kysely.selectFrom("follows").selectAll().where("follower_id", "=", bob.id).execute()).length, 0);
  assert.equal((await b.db.kysely.selectFrom("follows").selectAll().where("followee_id", "=", bob.id).execute()).length, 0, "Undo(Follow) reached b");
  const blocks = await b.db.kysely.selectFrom("blocks").selectAll().where("account_id", "=", aliceOnB.id).where("target_id", "=", bob.id).execute();
  assert.equal(blocks.length, 1);
  unwrap(await a.services.blocks.unblock(alice.id, bobOnA.id));
  await cluster.drain();
  assert.equal((await b.db.kysely.selectFrom("blocks").selectAll().where("account_id", "=", aliceOnB.id).execute()).length, 0);
});

test("making an account private turns sharing off: WebFinger and actor 404", async () => {
  const a = cluster.nodes.a.weft;
  const erin = await member("a", "erin");
  assert.equal((await ap("a", `/ap/users/${erin.id}`)).status, 200);
  unwrap(await a.services.accounts.updateProfile(erin.id, { isPrivate: true }));
  assert.equal((await ap("a", `/ap/users/${erin.id}`)).status, 404);
  assert.equal((await fetch("https://a.weft.test/.well-known/webfinger?resource=acct:erin@a.weft.test")).status, 404);
  await cluster.drain();
});

test("WEFT_FEDERATION=off: no WebFinger, actor, NodeInfo or inbox", async () => {
  const w = await buildWeft({ federation: false, origin: "https://off.weft.test", host: "off.weft.test" });
  try {
    const u = unwrap(await w.services.accounts.register({ username: "olga", password: "correct horse" }));
    assert.equal((await w.services.accounts.setFediverseSharing(u.id, true)).ok, false);
    const req = (p: string, init: RequestInit = {}) => w.fetch(new Request(`https://off.weft.test${p}`, { headers: { accept: "application/activity+json" }, ...init }));
    assert.equal((await req("/.well-known/webfinger?resource=acct:olga@off.weft.test")).status, 404);
    assert.equal((await req(`/ap/users/${u.id}`)).status, 404);
    assert.equal((await req("/.well-known/nodeinfo")).status, 404);
    assert.equal((await req("/ap/inbox", { method: "POST", body: "{}" })).status, 404);
  } finally {
    await w.cleanup();
  }
});
