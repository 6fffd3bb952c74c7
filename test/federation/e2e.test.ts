// End to end across three Weft servers over HTTPS with real signatures: discovery,
// follow/accept, delivery of posts and their edits and deletions, interactions coming
// back, and turning sharing off and on again.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startFederatedCluster, type Cluster } from "./helpers/cluster.ts";
import { unwrap } from "../../src/domain/result.ts";
import type { Account } from "../../src/domain/account.ts";
import { followRemoteHandle } from "../../src/federation/lookup.ts";
import { sharingTally } from "../../src/db/views/sharing-tally.ts";
import { thread } from "../../src/db/views/timelines.ts";
import { listNotifications } from "../../src/db/views/notifications.ts";

let cluster: Cluster;
let alice: Account; // on a
let bob: Account; // on b
let carol: Account; // on c

async function member(node: string, username: string): Promise<Account> {
  const w = cluster.nodes[node].weft;
  const acct = unwrap(await w.services.accounts.register({ username, password: "correct horse" }));
  return unwrap(await w.services.accounts.setFediverseSharing(acct.id, true));
}

function get(node: string, path: string, accept = "application/activity+json"): Promise<Response> {
  return fetch(`${cluster.nodes[node].origin}${path}`, { headers: { accept } });
}

async function remotePost(node: string, uri: string) {
  return cluster.nodes[node].weft.db.kysely.selectFrom("posts").selectAll().where("uri", "=", uri).executeTakeFirst();
}

before(async () => {
  cluster = await startFederatedCluster(["a", "b", "c"]);
  alice = await member("a", "alice");
  bob = await member("b", "bob");
  carol = await member("c", "carol");
});
after(() => cluster?.close());

test("WebFinger, actor, NodeInfo and host-meta over https", async () => {
  const wf = await get("a", "/.well-known/webfinger?resource=acct:alice@a.weft.test", "application/jrd+json");
  assert.equal(wf.status, 200);
  assert.equal(wf.headers.get("access-control-allow-origin"), "*");
  const jrd = await wf.json();
  const self = jrd.links.find((l: { rel: string }) => l.rel === "self");
  assert.equal(self.href, `https://a.weft.test/ap/users/${alice.id}`);
  // By actor URL and by profile URL too (Mastodon's search sends the latter).
  for (const resource of [self.href, "https://a.weft.test/@alice"]) {
    const r = await get("a", `/.well-known/webfinger?resource=${encodeURIComponent(resource)}`, "application/jrd+json");
    assert.equal(r.status, 200, resource);
    assert.ok((await r.json()).links.some((l: { rel: string; href: string }) => l.rel === "self" && l.href === self.href));
  }
  const actor = await (await get("a", `/ap/users/${alice.id}`)).json();
  assert.equal(actor.type, "Person");
  assert.equal(actor.preferredUsername, "alice");
  assert.equal(actor.url, "https://a.weft.test/@alice");
  assert.equal(actor.endpoints.sharedInbox, "https://a.weft.test/ap/inbox");
  assert.ok(actor.publicKey.publicKeyPem.includes("BEGIN PUBLIC KEY"));
  assert.ok(actor.assertionMethod.some((k: { type: string }) => k.type === "Multikey"));
  // Content negotiation on the profile URL gives the same actor.
  const viaProfile = await (await get("a", "/@alice")).json();
  assert.equal(viaProfile.id, actor.id);
  const links = await (await get("a", "/.well-known/nodeinfo", "application/json")).json();
  const ni = await (await fetch(links.links[0].href)).json();
  assert.equal(ni.software.name, "weft");
  assert.equal(ni.usage.users.total, 1);
  assert.equal(ni.openRegistrations, true);
  const hm = await get("a", "/.well-known/host-meta", "*/*");
  assert.match(await hm.text(), /lrdd/);
});

test("follow through WebFinger stays pending until Accept, then posts are delivered", async () => {
  // Only an account that shares can follow elsewhere (nothing would be sent otherwise).
  const dan = unwrap(await cluster.nodes.b.weft.services.accounts.register({ username: "dan", password: "correct horse" }));
  assert.equal((await followRemoteHandle(cluster.nodes.b.weft, dan.id, "@alice@a.weft.test")).ok, false);
  const r = unwrap(await followRemoteHandle(cluster.nodes.b.weft, bob.id, "@alice@a.weft.test"));
  assert.equal(r.state, "pending");
  assert.equal(r.account.uri, `https://a.weft.test/ap/users/${alice.id}`);
  unwrap(await followRemoteHandle(cluster.nodes.c.weft, carol.id, "@alice@a.weft.test"));
  await cluster.drain();
  const f = await cluster.nodes.b.weft.db.kysely.selectFrom("follows").selectAll().where("follower_id", "=", bob.id).executeTakeFirstOrThrow();
  assert.equal(f.state, "accepted");
  const onA = await cluster.nodes.a.weft.db.kysely.selectFrom("follows").selectAll().where("followee_id", "=", alice.id).execute();
  assert.equal(onA.length, 2);

  const post = unwrap(await cluster.nodes.a.weft.services.posts.create(alice.id, { text: "Hello fediverse #weft" }));
  await cluster.drain();
  const uri = `https://a.weft.test/ap/posts/${post.id}`;
  const onB = await remotePost("b", uri);
  assert.ok(onB, "post arrived on b");
  assert.match(onB.html, /Hello fediverse/);
  assert.equal(onB.visibility, "public");
  assert.ok(await remotePost("c", uri), "post arrived on c");
});

test("edit, interactions from b, delete, and the Note by content negotiation", async () => {
  const a = cluster.nodes.a.weft;
  const b = cluster.nodes.b.weft;
  const post = unwrap(await a.services.posts.create(alice.id, { text: "Second post" }));
  await cluster.drain();
  const uri = `https://a.weft.test/ap/posts/${post.id}`;
  // The HTML URL answers with the Note when asked for ActivityPub.
  const note = await (await get("a", `/@alice/posts/${post.id}`)).json();
  assert.equal(note.id, uri);
  assert.equal(note.url, `https://a.weft.test/@alice/posts/${post.id}`);
  // Under another account's name the URL is not the Note (the web UI redirects it).
  unwrap(await a.services.accounts.register({ username: "zed", password: "correct horse" }));
  const wrong = await fetch(`https://a.weft.test/@zed/posts/${post.id}`, { headers: { accept: "application/activity+json" }, redirect: "manual" });
  assert.doesNotMatch(wrong.headers.get("content-type") ?? "", /activity\+json|ld\+json/);

  unwrap(await a.services.posts.edit(alice.id, post.id, { text: "Second post, edited" }));
  await cluster.drain();
  const onB = (await remotePost("b", uri))!;
  assert.match(onB.html, /edited/);

  unwrap(await b.services.posts.like(bob.id, onB.id));
  const reply = unwrap(await b.services.posts.create(bob.id, { text: "@alice@a.weft.test nice one", inReplyToId: onB.id }));
  unwrap(await b.services.posts.repost(bob.id, onB.id));
  unwrap(await b.services.posts.create(bob.id, { text: "Quoting this", quoteOfId: onB.id }));
  await cluster.drain();

  const t = (await thread(a.db.kysely, post.id, alice.id))!;
  assert.equal(t.post.post.likesCount, 1);
  assert.equal(t.post.post.repliesCount, 1);
  assert.equal(t.post.post.repostsCount, 1);
  assert.equal(t.post.post.quotesCount, 1);
  assert.equal(t.descendants.length, 1);
  assert.equal(t.descendants[0].post.uri, `https://b.weft.test/ap/posts/${reply.id}`);
  assert.match(t.descendants[0].post.html, /nice one/);
  const types = (await listNotifications(a.db.kysely, alice.id)).filter((n) => n.from.domain === "b.weft.test" && n.type !== "follow").map((n) => n.type).sort();
  assert.deepEqual(types, ["like", "quote", "reply", "repost"]);

  // Undo of the like comes through too.
  unwrap(await b.services.posts.unlike(bob.id, onB.id));
  await cluster.drain();
  assert.equal((await thread(a.db.kysely, post.id, alice.id))!.post.post.likesCount, 0);

  unwrap(await a.services.posts.delete(alice.id, post.id));
  await cluster.drain();
  assert.equal(await remotePost("b", uri), undefined);
  assert.equal(await remotePost("c", uri), undefined);
});

test("turning sharing off deletes everywhere, removes follows, 404s; on again starts fresh", async () => {
  const a = cluster.nodes.a.weft;
  const kept = await a.db.kysely.selectFrom("posts").select("id").where("account_id", "=", alice.id).where("federated_at", "is not", null).execute();
  assert.equal(kept.length, 1);
  const uri = `https://a.weft.test/ap/posts/${kept[0].id}`;
  assert.ok(await remotePost("b", uri));
  // alice follows bob too: that follow is undone with the rest.
  unwrap(await followRemoteHandle(a, alice.id, "@bob@b.weft.test"));
  await cluster.drain();
  const bobFollowers = () => cluster.nodes.b.weft.db.kysely.selectFrom("follows").selectAll().where("followee_id", "=", bob.id).execute();
  assert.equal((await bobFollowers()).length, 1);

  unwrap(await a.services.accounts.setFediverseSharing(alice.id, false));
  const wf = await get("a", "/.well-known/webfinger?resource=acct:alice@a.weft.test", "application/jrd+json");
  assert.equal(wf.status, 404);
  assert.equal((await get("a", `/ap/users/${alice.id}`)).status, 404);
  assert.equal((await get("a", `/ap/posts/${kept[0].id}`)).status, 404);
  await cluster.drain();

  assert.equal(await remotePost("b", uri), undefined);
  assert.equal(await remotePost("c", uri), undefined);
  const bFollows = await cluster.nodes.b.weft.db.kysely.selectFrom("follows").selectAll().where("follower_id", "=", bob.id).execute();
  assert.equal(bFollows.length, 0);
  const aFollows = await a.db.kysely.selectFrom("follows").selectAll().where((eb) => eb.or([eb("followee_id", "=", alice.id), eb("follower_id", "=", alice.id)])).execute();
  assert.equal(aFollows.length, 0);
  assert.equal((await bobFollowers()).length, 0, "Undo(Follow) reached b");
  assert.deepEqual(
    (await sharingTally(a.db.kysely, alice.id)).map((t) => ({ ...t })),
    [
      { server: "b.weft.test", posts: 1, confirmed: 3, pending: 0, failed: 0 },
      { server: "c.weft.test", posts: 1, confirmed: 2, pending: 0, failed: 0 },
    ],
  );

  unwrap(await a.services.accounts.setFediverseSharing(alice.id, true));
  await cluster.drain();
  assert.deepEqual(await sharingTally(a.db.kysely, alice.id), []);
  assert.equal((await get("a", "/.well-known/webfinger?resource=acct:alice@a.weft.test", "application/jrd+json")).status, 200);
  // Posts written while off are not pushed retroactively; nobody follows any more.
  unwrap(await a.services.posts.create(alice.id, { text: "back again" }));
  await cluster.drain();
  const onB = await cluster.nodes.b.weft.db.kysely.selectFrom("posts").select("id").where("text", "like", "%back again%").execute();
  assert.equal(onB.length, 0);
});
