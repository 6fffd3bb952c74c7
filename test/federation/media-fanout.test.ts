// A post with an image delivered to more servers than Fedify sends to directly (from five
// inboxes on, it goes through its fan-out queue, which re-reads the activity): every
// server still gets the blurhash and focal point, under a proof that verifies.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import sharp from "sharp";
import { getDocumentLoader, verifyObject } from "@fedify/fedify";
import { Create } from "@fedify/vocab";
import { startFederatedCluster, type Cluster } from "./helpers/cluster.ts";
import { createFakeRemote, type FakeRemote } from "./helpers/fake-remote.ts";
import { unwrap } from "../../src/domain/result.ts";
import type { Account } from "../../src/domain/account.ts";
import { followRemoteHandle } from "../../src/federation/lookup.ts";
import { attachmentsForPosts } from "../../src/db/views/media.ts";

const NAMES = ["f1", "f2", "f3", "f4", "f5"];

let cluster: Cluster;
let fakes: FakeRemote[];
let alice: Account;

before(async () => {
  fakes = await Promise.all(NAMES.map((n) => createFakeRemote(n)));
  cluster = await startFederatedCluster(["a", "b"], { remotes: Object.fromEntries(fakes.map((f, i) => [NAMES[i], (r: Request) => f.handler(r)])) });
  const a = cluster.nodes.a.weft;
  alice = unwrap(await a.services.accounts.setFediverseSharing(unwrap(await a.services.accounts.register({ username: "alice", password: "correct horse" })).id, true));
  const b = cluster.nodes.b.weft;
  const bob = unwrap(await b.services.accounts.setFediverseSharing(unwrap(await b.services.accounts.register({ username: "bob", password: "correct horse" })).id, true));
  unwrap(await followRemoteHandle(b, bob.id, "alice@a.weft.test"));
  for (const f of fakes) assert.equal((await f.follow("https://a.weft.test/ap/inbox", `https://a.weft.test/ap/users/${alice.id}`)).status, 202);
  await cluster.drain();
});
after(() => cluster?.close());

test("six servers following: each gets blurhash and focal point, with a proof that verifies", async () => {
  const a = cluster.nodes.a.weft;
  const png = await sharp({ create: { width: 32, height: 24, channels: 3, background: "#3c6" } }).png().toBuffer();
  const media = unwrap(await a.services.media.upload(alice.id, new Uint8Array(png), { description: "a green square", focus: "-0.5,0.5" }));
  const post = unwrap(await a.services.posts.create(alice.id, { text: "for everyone", mediaIds: [media.id] }));
  await cluster.drain();
  const noteId = `https://a.weft.test/ap/posts/${post.id}`;
  const documentLoader = getDocumentLoader({ allowPrivateAddress: true });
  for (const f of fakes) {
    const create = f.received.find((r) => r.body?.type === "Create" && r.body.object?.id === noteId);
    assert.ok(create, `${f.host} got the Create`);
    const [doc] = [create.body.object.attachment].flat();
    assert.deepEqual([doc.blurhash, doc.focalPoint], [media.blurhash, [-0.5, 0.5]], `${f.host}: Mastodon's names`);
    const { signature, ...proven } = create.body;
    assert.equal(signature?.type, "RsaSignature2017");
    assert.ok(await verifyObject(Create, proven, { documentLoader }), `${f.host}: the proof covers what arrived`);
  }
  const b = cluster.nodes.b.weft;
  const onB = await b.db.kysely.selectFrom("posts").select("id").where("uri", "=", noteId).executeTakeFirstOrThrow();
  const [m] = (await attachmentsForPosts(b.db.kysely, [onB.id])).get(onB.id) ?? [];
  assert.deepEqual([m?.blurhash, m?.focus], [media.blurhash, { x: -0.5, y: 0.5 }]);
});
