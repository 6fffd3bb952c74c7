// A remote poll (Mastodon's Question shape) looked up from the web UI shows its options
// and counts, and a vote goes to the poll's author as Create(Note{name, inReplyTo}).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startFederatedCluster, type Cluster } from "./helpers/cluster.ts";
import { createFakeRemote, type FakeRemote } from "./helpers/fake-remote.ts";
import { Client } from "../web/client.ts";

let cluster: Cluster;
let m: FakeRemote;
let ana: Client;
const PUBLIC = "https://www.w3.org/ns/activitystreams#Public";

before(async () => {
  m = await createFakeRemote("m");
  cluster = await startFederatedCluster(["a"], { remotes: { m: (r) => m.handler(r) } });
  m.serve("/notes/q1", {
    "@context": "https://www.w3.org/ns/activitystreams",
    id: `${m.origin}/notes/q1`,
    type: "Question",
    attributedTo: m.actorUri("pat"),
    content: "<p>Which colour?</p>",
    published: new Date().toISOString(),
    endTime: new Date(Date.now() + 86400_000).toISOString(),
    to: [PUBLIC],
    oneOf: [
      { type: "Note", name: "Red & orange", replies: { type: "Collection", totalItems: 3 } },
      { type: "Note", name: "Blue", replies: { type: "Collection", totalItems: 1 } },
    ],
  });
  ana = new Client(cluster.nodes.a.origin);
  await ana.signup("ana");
  const row = await cluster.nodes.a.weft.db.kysely.selectFrom("accounts").select("id").where("username_lower", "=", "ana").executeTakeFirstOrThrow();
  await cluster.nodes.a.weft.services.accounts.setFediverseSharing(row.id, true);
});
after(() => cluster?.close());

test("a remote poll: options and counts shown, a vote sent to its author", async () => {
  const r = await ana.get(`/lookup?q=${encodeURIComponent(`${m.origin}/notes/q1`)}`);
  assert.equal(r.status, 303);
  const page = await ana.get(r.location!);
  assert.match(page.text, /<li>Red &amp; orange: 3 votes<\/li><li>Blue: 1 vote<\/li>/);
  assert.match(page.text, /<input type="radio" name="choice" value="Blue">/);
  const id = /\/posts\/(\d{18})$/.exec(r.location!)![1];
  assert.equal((await ana.post(`/posts/${id}/vote`, { choice: "Green" })).status, 422);
  const voted = await ana.post(`/posts/${id}/vote`, { choice: "Red & orange" });
  assert.equal(voted.status, 303);
  await cluster.drain();
  const create = m.received.find((x) => x.body?.type === "Create" && x.body.object?.type === "Note")?.body;
  assert.ok(create, "the vote was delivered");
  assert.equal(create.object.name, "Red & orange");
  assert.equal(create.object.inReplyTo, `${m.origin}/notes/q1`);
  assert.deepEqual([create.object.to].flat(), [m.actorUri("pat")]);
  assert.equal(create.object.content, undefined, "a vote has no content");
});
