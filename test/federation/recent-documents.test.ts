// Signed fetches made twice within seconds (an unknown actor's key, then the actor as the
// sender) load the document once (key-owners.ts RecentDocuments).
import { test, after } from "node:test";
import assert from "node:assert/strict";
import type { RemoteDocument } from "@fedify/vocab-runtime";
import { RecentDocuments } from "../../src/federation/key-owners.ts";
import { startFederatedCluster, type Cluster } from "./helpers/cluster.ts";
import { createFakeRemote } from "./helpers/fake-remote.ts";
import { unwrap } from "../../src/domain/result.ts";

function countingLoader(fail = false) {
  const calls: string[] = [];
  const load = async (url: string): Promise<RemoteDocument> => {
    calls.push(url);
    if (fail) throw new Error("unreachable");
    return { contextUrl: null, documentUrl: url, document: { id: url, n: calls.length } };
  };
  return { calls, load };
}

test("an actor loaded for its key is handed to the next load of the actor by the same signer, and only that", async () => {
  const recent = new RecentDocuments();
  const a = countingLoader();
  const b = countingLoader();
  const asInstance = recent.around("https://weft.example/ap/users/instance#main-key", a.load);
  const asAlice = recent.around("https://weft.example/ap/users/1#main-key", b.load);
  const first = await asInstance("https://remote.example/users/kim#main-key");
  const second = await asInstance("https://remote.example/users/kim");
  assert.equal(a.calls.length, 1, "the key's fragment and the actor are one document");
  assert.deepEqual(second.document, first.document);
  await asAlice("https://remote.example/users/kim");
  assert.equal(b.calls.length, 1, "kept per signer");
  // A key fetched again (Fedify refetches after a failed verification) goes to the network.
  await asInstance("https://remote.example/users/kim#main-key");
  assert.equal(a.calls.length, 2);
  // An actor never loaded for its key is always fetched (a Move's target is read fresh).
  await asInstance("https://remote.example/users/lain");
  await asInstance("https://remote.example/users/lain");
  assert.equal(a.calls.length, 4);
});

test("at most MAX documents are kept, oldest dropped first", async () => {
  const recent = new RecentDocuments();
  const a = countingLoader();
  const load = recent.around("k", a.load);
  for (let i = 0; i <= RecentDocuments.MAX; i++) await load(`https://remote.example/users/u${i}#main-key`);
  const before = a.calls.length;
  await load("https://remote.example/users/u0");
  await load(`https://remote.example/users/u${RecentDocuments.MAX}`);
  assert.equal(a.calls.length, before + 1, "u0 was dropped, the newest kept");
});

test("a large document is not kept", async () => {
  const recent = new RecentDocuments();
  const calls: string[] = [];
  const big = "x".repeat(RecentDocuments.MAX_CHARS);
  const load = recent.around("k", async (url) => (calls.push(url), { contextUrl: null, documentUrl: url, document: { id: url, summary: big } }));
  await load("https://remote.example/users/big#main-key");
  await new Promise((r) => setImmediate(r));
  await load("https://remote.example/users/big");
  assert.equal(calls.length, 2);
});

test("a failed load is not remembered", async () => {
  const recent = new RecentDocuments();
  const failing = countingLoader(true);
  const load = recent.around("k", failing.load);
  await assert.rejects(load("https://remote.example/users/x#main-key"));
  await assert.rejects(load("https://remote.example/users/x"));
  assert.equal(failing.calls.length, 2);
});

let cluster: Cluster | undefined;
after(() => cluster?.close());

test("an unknown actor's first activity fetches its document once", async () => {
  const mk = await createFakeRemote("mk");
  cluster = await startFederatedCluster(["a"], { remotes: { mk: (r) => mk.handler(r) } });
  const weft = cluster.nodes.a.weft;
  const alice = unwrap(await weft.services.accounts.register({ username: "alice", password: "correct horse" }));
  unwrap(await weft.services.accounts.setFediverseSharing(alice.id, true));
  const AS = "https://www.w3.org/ns/activitystreams";
  const kim = mk.actorUri("kim");
  const note = { id: `${mk.origin}/notes/1`, type: "Note", attributedTo: kim, content: "<p>hello</p>", to: [`${AS}#Public`] };
  const res = await mk.post("https://a.weft.test/ap/inbox", "kim", { "@context": AS, id: `${mk.origin}/activities/1`, type: "Create", actor: kim, to: [`${AS}#Public`], object: note });
  assert.equal(res.status, 202);
  await cluster.drain();
  assert.ok(await weft.db.kysely.selectFrom("posts").select("id").where("uri", "=", note.id).executeTakeFirst(), "the post is stored");
  assert.equal(mk.gets.signed + mk.gets.unsigned, 1, "one GET of kim's document: for the key and as the sender");
});
