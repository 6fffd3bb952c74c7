// Which HTTP signature Weft's deliveries carry, end to end: draft-cavage first, as Mastodon,
// Misskey, GoToSocial and Pleroma sign; a server that refuses it with 401 gets the RFC 9421
// knock, and later deliveries to that server start with what it took.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startFederatedCluster, type Cluster } from "./helpers/cluster.ts";
import { createFakeRemote, type FakeRemote } from "./helpers/fake-remote.ts";
import { unwrap } from "../../src/domain/result.ts";
import type { Account } from "../../src/domain/account.ts";


let cluster: Cluster;
let cavage: FakeRemote;
let nine: FakeRemote;
let alice: Account;

before(async () => {
  cavage = await createFakeRemote("cavage");
  nine = await createFakeRemote("nine");
  nine.refuseDraftCavage = true;
  cluster = await startFederatedCluster(["a"], { remotes: { cavage: (r: Request) => cavage.handler(r), nine: (r: Request) => nine.handler(r) } });
  const a = cluster.nodes.a.weft;
  alice = unwrap(await a.services.accounts.setFediverseSharing(unwrap(await a.services.accounts.register({ username: "alice", password: "correct horse" })).id, true));
  for (const f of [cavage, nine]) assert.equal((await f.follow("https://a.weft.test/ap/inbox", `https://a.weft.test/ap/users/${alice.id}`)).status, 202);
  await cluster.drain();
});
after(() => cluster?.close());

test("deliveries are signed with draft-cavage; a server refusing it gets RFC 9421, remembered", async () => {
  const a = cluster.nodes.a.weft;
  for (const text of ["first", "second"]) unwrap(await a.services.posts.create(alice.id, { text }));
  await cluster.drain();
  const types = (f: FakeRemote) => f.received.map((r) => r.body?.type);
  assert.deepEqual(types(cavage), ["Accept", "Create", "Create"], "the Accept and both posts reached the first server");
  assert.deepEqual(types(nine), ["Accept", "Create", "Create"], "and the server that takes only RFC 9421");
  assert.deepEqual(cavage.received.map((r) => r.signature), ["draft-cavage", "draft-cavage", "draft-cavage"]);
  assert.deepEqual(nine.received.map((r) => r.signature), ["rfc9421", "rfc9421", "rfc9421"]);
  // The first delivery was refused twice with draft-cavage: Weft's own first attempt, then
  // Fedify's first knock, which then took RFC 9421 and remembered it (first-attempt.ts).
  assert.equal(nine.refused, 2, "only the first delivery knocked with draft-cavage; later ones began with RFC 9421");
});
