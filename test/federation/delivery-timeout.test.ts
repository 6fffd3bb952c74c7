// A server that takes the connection and never answers must not hold a delivery: Fedify
// sets no timeout on its POSTs, so without Weft's per-request limit (src/net/outbound.ts)
// the attempt waited undici's 5 minutes with its worker slot taken. With the limit it
// fails after WEFT_FETCH_TIMEOUT_MS, is retried, and arrives once the server answers.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startFederatedCluster, type Cluster } from "./helpers/cluster.ts";
import { createFakeRemote, type FakeRemote } from "./helpers/fake-remote.ts";
import { unwrap } from "../../src/domain/result.ts";
import type { Account } from "../../src/domain/account.ts";

const CTX = "https://www.w3.org/ns/activitystreams";
let cluster: Cluster;
let rem: FakeRemote;
let alice: Account;
/** While true, the remote's inbox reads each POST and never answers it. */
let silent = false;
let heldPosts = 0;

async function waitFor(cond: () => Promise<boolean> | boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 25));
  }
}

before(async () => {
  rem = await createFakeRemote("mute");
  const handler = (req: Request) => {
    if (silent && req.method === "POST") {
      heldPosts++;
      return new Promise<Response>(() => {});
    }
    return rem.handler(req);
  };
  cluster = await startFederatedCluster(["a"], { config: { fetchTimeoutMs: 400 }, remotes: { mute: handler } });
  const weft = cluster.nodes.a.weft;
  alice = unwrap(await weft.services.accounts.register({ username: "alice", password: "correct horse" }));
  alice = unwrap(await weft.services.accounts.setFediverseSharing(alice.id, true));
  const follow = { "@context": CTX, id: `${rem.origin}/follows/1`, type: "Follow", actor: rem.actorUri("ron"), object: `https://a.weft.test/ap/users/${alice.id}` };
  assert.equal((await rem.post("https://a.weft.test/ap/inbox", "ron", follow)).status, 202);
  await cluster.drain();
  assert.ok(rem.received.some((r) => r.body?.type === "Accept"));
});
after(() => cluster?.close());

test("a delivery to a server that never answers fails after the fetch timeout and is retried", async () => {
  const weft = cluster.nodes.a.weft;
  silent = true;
  const post = unwrap(await weft.services.posts.create(alice.id, { text: "to a server that hangs" }));
  const noteId = `https://a.weft.test/ap/posts/${post.id}`;
  await waitFor(() => heldPosts > 0);
  // The attempt gives up and is retried: the server sees the same POST again.
  await waitFor(() => heldPosts >= 2, 10_000);
  assert.ok(!rem.received.some((r) => r.body?.object?.id === noteId));
  silent = false;
  await waitFor(() => rem.received.some((r) => r.body?.type === "Create" && r.body.object?.id === noteId), 20_000);
  assert.equal(rem.received.filter((r) => r.body?.type === "Create" && r.body.object?.id === noteId).length, 1);
});
