// End to end across three Weft servers over HTTPS with real signatures: discovery,
// follow/accept, delivery of posts and their edits and deletions, interactions coming
// back, and turning sharing off and on again.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startFederatedCluster, type Cluster } from "./helpers/cluster.ts";
import { unwrap } from "../../src/domain/result.ts";
import type { Account } from "../../src/domain/account.ts";
import { followRemoteHandle } from "../../src/federation/lookup.ts";
import { sharingTally } from "../../src/federation/tally.ts";
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
  const jrd = await wf.json();
  const self = jrd.links.find((l: { rel: string }) => l.rel === "self");
  assert.equal(self.href, `https://a.weft.test/ap/users/${alice.id}`);
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
