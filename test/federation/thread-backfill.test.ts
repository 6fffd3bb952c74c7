// Opening a remote thread fills it in: missing ancestors are fetched from their origin,
// and the replies collections (paged, Mastodon's shape) are walked. The remote here is in
// secure mode (GoToSocial, Threads): every GET must be signed.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startFederatedCluster, type Cluster } from "./helpers/cluster.ts";
import { createFakeRemote, type FakeRemote } from "./helpers/fake-remote.ts";
import { thread } from "../../src/db/views/timelines.ts";
import { Client } from "../web/client.ts";

let cluster: Cluster;
let m: FakeRemote;
let ana: Client;
let anaId: string;

const AS = "https://www.w3.org/ns/activitystreams";
const PUBLIC = "https://www.w3.org/ns/activitystreams#Public";

function note(id: string, author: string, text: string, inReplyTo: string | null, replies: string[] = [], nextPage: string[] = []) {
  const uri = `${m.origin}/notes/${id}`;
  const page2 = nextPage.length ? `${uri}/replies-2` : undefined;
  if (page2) m.serve(`/notes/${id}/replies-2`, { "@context": AS, id: page2, type: "CollectionPage", partOf: `${uri}/replies`, items: nextPage.map((r) => `${m.origin}/notes/${r}`) });
  m.serve(`/notes/${id}`, {
    "@context": AS,
    id: uri,
    type: "Note",
    attributedTo: m.actorUri(author),
    content: `<p>${text}</p>`,
    inReplyTo: inReplyTo ? `${m.origin}/notes/${inReplyTo}` : null,
    published: new Date(Date.now() - 3600_000 + Number(id.replace(/\D/g, "")) * 1000).toISOString(),
    to: [PUBLIC],
    cc: [`${m.actorUri(author)}/followers`],
    replies: {
      id: `${uri}/replies`,
      type: "Collection",
      first: { type: "CollectionPage", partOf: `${uri}/replies`, items: replies.map((r) => `${m.origin}/notes/${r}`), ...(page2 ? { next: page2 } : {}) },
    },
  });
}

before(async () => {
  m = await createFakeRemote("m");
  m.requireSignedGets = true;
  cluster = await startFederatedCluster(["a"], { remotes: { m: (r) => m.handler(r) } });
  // A chain n1 <- n2 <- ... <- n6, and side replies s1 (to n1, on a second page) and s2 (to s1).
  note("1", "mia", "note one", null, ["2"], ["s1"]);
  note("2", "max", "note two", "1", ["3"]);
  note("3", "mia", "note three", "2", ["4"]);
  note("4", "max", "note four", "3", ["5"]);
  note("5", "mia", "note five", "4", ["6"]);
  note("6", "max", "note six", "5");
  note("s1", "max", "side reply", "1", ["s2"]);
  note("s2", "mia", "side reply reply", "s1");
  ana = new Client(cluster.nodes.a.origin);
  await ana.signup("ana");
  anaId = (await cluster.nodes.a.weft.db.kysely.selectFrom("accounts").select("id").where("username_lower", "=", "ana").executeTakeFirstOrThrow()).id;
  await cluster.nodes.a.weft.services.accounts.setFediverseSharing(anaId, true);
});
after(() => cluster?.close());

const stored = (id: string) => cluster.nodes.a.weft.db.kysely.selectFrom("posts").selectAll().where("uri", "=", `${m.origin}/notes/${id}`).executeTakeFirst();

test("a looked-up reply deep in a thread: ancestors fetched, replies collections walked, signed GETs", async () => {
  const r = await ana.get(`/lookup?q=${encodeURIComponent(`${m.origin}/notes/6`)}`);
  assert.equal(r.status, 303, r.text.slice(0, 300));
  const six = (await stored("6"))!;
  assert.ok(six);
  // Opening the post fills in the rest of the conversation.
  const pageText = (await ana.get(r.location!)).text;
  for (const t of ["note one", "note two", "note three", "note four", "note five", "note six"]) assert.match(pageText, new RegExp(t));
  const one = (await stored("1"))!;
  assert.ok(one, "the root was fetched");
  const t = (await thread(cluster.nodes.a.weft.db.kysely, one.id, anaId))!;
  const texts = t.descendants.map((d) => d.post.text);
  for (const x of ["note two", "note six", "side reply", "side reply reply"]) assert.ok(texts.some((y) => y.includes(x)), `${x} in ${texts}`);
  // Linked into one tree: n3 (stored before n2, waiting) now hangs under n2.
  const two = (await stored("2"))!;
  assert.equal((await stored("3"))!.in_reply_to_id, two.id);
  assert.equal((await stored("s1"))!.in_reply_to_id, one.id);
  assert.equal(m.gets.unsigned, 0, "every document GET was signed");
  // Opened again soon after: not walked again.
  const before = m.gets.signed;
  await ana.get(r.location!);
  assert.equal(m.gets.signed, before);
});

test("FEP-7888: a thread's context collection brings replies the replies collections miss", async () => {
  const ctxUri = `${m.origin}/contexts/t2`;
  const mk = (id: string, author: string, text: string, inReplyTo: string | null) =>
    m.serve(`/notes/${id}`, {
      "@context": AS,
      id: `${m.origin}/notes/${id}`,
      type: "Note",
      attributedTo: m.actorUri(author),
      content: `<p>${text}</p>`,
      inReplyTo: inReplyTo ? `${m.origin}/notes/${inReplyTo}` : null,
      published: new Date().toISOString(),
      to: [PUBLIC],
      context: ctxUri,
      replies: { id: `${m.origin}/notes/${id}/replies`, type: "Collection", first: { type: "CollectionPage", items: [] } },
    });
  mk("c1", "mia", "context root", null);
  mk("c2", "max", "context reply", "c1");
  mk("c3", "mia", "context reply reply", "c2");
  m.serve("/contexts/t2", { "@context": AS, id: ctxUri, type: "OrderedCollection", totalItems: 3, orderedItems: ["c1", "c2", "c3"].map((c) => `${m.origin}/notes/${c}`) });
  const r = await ana.get(`/lookup?q=${encodeURIComponent(`${m.origin}/notes/c1`)}`);
  assert.equal(r.status, 303);
  const pageText = (await ana.get(r.location!)).text;
  assert.match(pageText, /context reply reply/);
  const root = (await stored("c1"))!;
  const t = (await thread(cluster.nodes.a.weft.db.kysely, root.id, anaId))!;
  assert.deepEqual(t.descendants.map((d) => d.post.text).sort(), ["context reply", "context reply reply"]);
});
