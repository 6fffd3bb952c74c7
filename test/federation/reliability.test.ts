// Reliability: a restart loses no pending delivery, a failing server shows as "retrying"
// in the opt-out tally until it recovers, and a replayed activity is processed once.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startFederatedCluster, type Cluster } from "./helpers/cluster.ts";
import { createFakeRemote, type FakeRemote } from "./helpers/fake-remote.ts";
import { unwrap } from "../../src/domain/result.ts";
import type { Account } from "../../src/domain/account.ts";
import { sharingTally } from "../../src/db/views/sharing-tally.ts";
import { OPTOUT_QUEUE } from "../../src/federation/optout.ts";
import { OPTOUT_ATTEMPTS } from "../../src/domain/fediverse.ts";
import { getDocumentLoader, verifyObject } from "@fedify/fedify";
import { Create } from "@fedify/vocab";

const CTX = "https://www.w3.org/ns/activitystreams";

let cluster: Cluster;
let rem: FakeRemote;
let alice: Account;

const weft = () => cluster.nodes.a.weft;

async function waitFor(cond: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 25));
  }
}
const aliceUri = () => `https://a.weft.test/ap/users/${alice.id}`;

before(async () => {
  rem = await createFakeRemote("rem");
  cluster = await startFederatedCluster(["a"], { remotes: { rem: (r) => rem.handler(r) } });
  alice = unwrap(await weft().services.accounts.register({ username: "alice", password: "correct horse" }));
  alice = unwrap(await weft().services.accounts.setFediverseSharing(alice.id, true));
  const res = await rem.post("https://a.weft.test/ap/inbox", "ron", { "@context": CTX, id: `${rem.origin}/follows/1`, type: "Follow", actor: rem.actorUri("ron"), object: aliceUri() });
  assert.equal(res.status, 202);
  await cluster.drain();
  assert.ok(rem.received.some((r) => r.body?.type === "Accept" && r.body.object?.id === `${rem.origin}/follows/1`), "Accept embeds the whole Follow");
});
after(() => cluster?.close());

test("a restart between a post and its delivery loses nothing", async () => {
  const node = cluster.nodes.a;
  await node.weft.worker.stop(); // the process dies before its worker runs the event
  const post = unwrap(await node.weft.services.posts.create(alice.id, { text: "written just before the crash" }));
  assert.ok(!rem.received.some((r) => r.body?.object?.id === `https://a.weft.test/ap/posts/${post.id}`));
  await node.restart();
  await cluster.drain();
  const create = rem.received.find((r) => r.body?.type === "Create" && r.body.object?.id === `https://a.weft.test/ap/posts/${post.id}`);
  assert.ok(create, "delivered after the restart");
  assert.equal(create.path, "/inbox", "delivered to the shared inbox");
  assert.equal(rem.received.filter((r) => r.body?.id === create.body.id).length, 1, "delivered once");
  // It carries a FEP-8b32 proof made with the Ed25519 key the actor publishes.
  assert.equal(create.body.proof?.cryptosuite, "eddsa-jcs-2022");
  assert.equal(create.body.proof?.verificationMethod, `${aliceUri()}#multikey-2`);
  const documentLoader = getDocumentLoader({ allowPrivateAddress: true });
  // The RSA Linked Data Signature is added on top of the proof, so it is detached first
  // (as Fedify's inbox does) before the proof is checked.
  const { signature, ...proven } = create.body;
  assert.equal(signature?.type, "RsaSignature2017");
  assert.ok(await verifyObject(Create, proven, { documentLoader }), "the proof verifies against the published key");
});

test("a replayed signed activity is processed once", async () => {
  const post = unwrap(await weft().services.posts.create(alice.id, { text: "like me twice" }));
  const like = { "@context": CTX, id: `${rem.origin}/likes/1`, type: "Like", actor: rem.actorUri("ron"), object: `https://a.weft.test/ap/posts/${post.id}` };
  assert.equal((await rem.post("https://a.weft.test/ap/inbox", "ron", like)).status, 202);
  assert.equal((await rem.post("https://a.weft.test/ap/inbox", "ron", like)).status, 202);
  await cluster.drain();
  const row = await weft().db.kysely.selectFrom("posts").select("likes_count").where("id", "=", post.id).executeTakeFirstOrThrow();
  assert.equal(Number(row.likes_count), 1);
  const notes = await weft().db.kysely.selectFrom("notifications").select("id").where("post_id", "=", post.id).where("type", "=", "like").execute();
  assert.equal(notes.length, 1);
});

test("opt-out tally: a failing server shows pending until it recovers; a request out of tries shows as never acknowledged", async () => {
  const federated = await weft().db.kysely.selectFrom("posts").select("id").where("account_id", "=", alice.id).where("federated_at", "is not", null).execute();
  assert.equal(federated.length, 2);
  rem.inboxStatus = 503;
  unwrap(await weft().services.accounts.setFediverseSharing(alice.id, false));
  await cluster.drain();
  // Wait until every request was tried once and its retry is scheduled.
  await waitFor(async () => {
    const jobs = await weft().db.kysely.selectFrom("jobs").select(["attempts", "locked_until"]).where("queue", "=", OPTOUT_QUEUE).execute();
    return jobs.length === 3 && jobs.every((j) => Number(j.attempts) >= 1 && j.locked_until === null);
  });
  assert.deepEqual(await sharingTally(weft().db.kysely, alice.id), [{ server: "rem.weft.test", posts: 2, confirmed: 0, pending: 3, failed: 0 }]);

  // One deletion request reaches its last try while the server still fails: it is given
  // up, and shows so instead of "retrying" for ever.
  const requests = await weft().db.kysely.selectFrom("sharing_requests").select(["id", "kind", "object_uri"]).where("account_id", "=", alice.id).execute();
  const doomed = requests.find((r) => r.kind === "delete")!;
  const jobs = await weft().db.kysely.selectFrom("jobs").select(["id", "payload"]).where("queue", "=", OPTOUT_QUEUE).execute();
  const doomedJob = jobs.find((j) => JSON.parse(j.payload).id === doomed.id)!;
  await weft().db.kysely.updateTable("jobs").set({ attempts: OPTOUT_ATTEMPTS - 1, run_at: 0 }).where("id", "=", doomedJob.id).execute();
  await waitFor(async () => !(await weft().db.kysely.selectFrom("jobs").select("id").where("id", "=", doomedJob.id).executeTakeFirst()));
  assert.deepEqual(await sharingTally(weft().db.kysely, alice.id), [{ server: "rem.weft.test", posts: 2, confirmed: 0, pending: 2, failed: 1 }]);

  // The server comes back; the retries (made due now instead of in a few seconds) go through.
  // A retry already running when it came back may have been answered 503 and rescheduled
  // seconds ahead, past what drain waits for: made due again until none is left.
  rem.inboxStatus = 202;
  await waitFor(async () => {
    await weft().db.kysely.updateTable("jobs").set({ run_at: 0 }).where("queue", "=", OPTOUT_QUEUE).where("locked_until", "is", null).execute();
    await cluster.drain();
    return !(await weft().db.kysely.selectFrom("jobs").select("id").where("queue", "=", OPTOUT_QUEUE).executeTakeFirst());
  });
  assert.deepEqual(await sharingTally(weft().db.kysely, alice.id), [{ server: "rem.weft.test", posts: 2, confirmed: 2, pending: 0, failed: 1 }]);
  const deletes = rem.received.filter((r) => r.body?.type === "Delete").map((r) => r.body.object.id).sort();
  assert.deepEqual(deletes, requests.filter((r) => r.kind === "delete" && r !== doomed).map((r) => r.object_uri));
  assert.ok(federated.some((p) => deletes[0] === `https://a.weft.test/ap/posts/${p.id}`));
  const reject = rem.received.find((r) => r.body?.type === "Reject");
  assert.equal(reject?.body.object.id, `${rem.origin}/follows/1`);
  assert.equal(reject?.body.object.type, "Follow");
});
