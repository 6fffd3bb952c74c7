// Issue 5's federated path: with fediverse sharing on, an account on one Weft server
// finds, follows, likes and replies to an account on another through the client API alone
// (masto.js over https, as an app would), and the other server sees all of it.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createRestAPIClient, type mastodon } from "masto";
import { startFederatedCluster, type Cluster } from "../federation/helpers/cluster.ts";
import { unwrap } from "../../src/domain/result.ts";
import type { Account } from "../../src/domain/account.ts";
import { createToken } from "../../src/api/mastodon/tokens.ts";
import { listNotifications } from "../../src/db/views/notifications.ts";

let cluster: Cluster;
let alice: Account; // on a, used through services
let bobApi: mastodon.rest.Client; // bob on b, used only through the API

before(async () => {
  cluster = await startFederatedCluster(["a", "b"]);
  const a = cluster.nodes.a.weft;
  alice = unwrap(await a.services.accounts.register({ username: "alice", password: "correct horse" }));
  unwrap(await a.services.accounts.setFediverseSharing(alice.id, true));
  const b = cluster.nodes.b.weft;
  const bob = unwrap(await b.services.accounts.register({ username: "bob", password: "correct horse" }));
  const token = await createToken(b.db, bob.id, "read write follow");
  bobApi = createRestAPIClient({ url: cluster.nodes.b.origin, accessToken: token });
});
after(() => cluster?.close());

test("follow, like and reply across servers through the API alone", async () => {
  // Sharing off: reaching out is refused (you cannot reach out while unreachable).
  const unreachable = await bobApi.v2.search.list({ q: "@alice@a.weft.test", resolve: true, type: "accounts" });
  assert.equal(unreachable.accounts.length, 0);
  await bobApi.v1.accounts.updateCredentials({ fediverseSharing: true } as never);
  const me = await bobApi.v1.accounts.verifyCredentials();
  // masto.js camel-cases keys: `fediverse_sharing` on the wire.
  assert.equal((me.source as unknown as { fediverseSharing: boolean }).fediverseSharing, true);

  const found = await bobApi.v2.search.list({ q: "@alice@a.weft.test", resolve: true, type: "accounts" });
  assert.equal(found.accounts.length, 1);
  const remoteAlice = found.accounts[0];
  assert.equal(remoteAlice.acct, "alice@a.weft.test");

  const rel = await bobApi.v1.accounts.$select(remoteAlice.id).follow();
  assert.equal(rel.following || rel.requested, true);
  await cluster.drain();
  const [after] = await bobApi.v1.accounts.relationships.fetch({ id: [remoteAlice.id] });
  assert.equal(after.following, true, "Accept arrived");

  // Alice posts on a; it arrives in bob's home timeline on b.
  const a = cluster.nodes.a.weft;
  const post = unwrap(await a.services.posts.create(alice.id, { text: "Hello from a, fediverse!" }));
  await cluster.drain();
  const home = await bobApi.v1.timelines.home.list({ limit: 20 });
  const status = home.find((s) => s.account.acct === "alice@a.weft.test");
  assert.ok(status, "alice's post is in bob's home timeline");
  assert.match(status.content, /Hello from a, fediverse!/);
  assert.equal(status.uri, `${cluster.nodes.a.origin}/ap/posts/${post.id}`);

  await bobApi.v1.statuses.$select(status.id).favourite();
  const reply = await bobApi.v1.statuses.create({ status: "@alice@a.weft.test hi from b!", inReplyToId: status.id });
  assert.equal(reply.inReplyToId, status.id);
  await cluster.drain();

  const onA = await a.db.kysely.selectFrom("posts").selectAll().where("id", "=", post.id).executeTakeFirstOrThrow();
  assert.equal(Number(onA.likes_count), 1);
  assert.equal(Number(onA.replies_count), 1);
  const replyOnA = await a.db.kysely.selectFrom("posts").selectAll().where("in_reply_to_id", "=", post.id).executeTakeFirstOrThrow();
  assert.match(replyOnA.html, /hi from b!/);
  const types = (await listNotifications(a.db.kysely, alice.id)).map((n) => n.type).sort();
  assert.ok(types.includes("follow") && types.includes("like") && types.includes("reply"), types.join(","));

  // Undo through the API too.
  await bobApi.v1.statuses.$select(status.id).unfavourite();
  await bobApi.v1.accounts.$select(remoteAlice.id).unfollow();
  await cluster.drain();
  const again = await a.db.kysely.selectFrom("posts").select("likes_count").where("id", "=", post.id).executeTakeFirstOrThrow();
  assert.equal(Number(again.likes_count), 0);
  const followers = await a.db.kysely.selectFrom("follows").select("id").where("followee_id", "=", alice.id).execute();
  assert.equal(followers.length, 0);
});
