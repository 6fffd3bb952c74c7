// Inbound security cases (SECURITY-CASES.md), each sent as a real signed (or unsigned,
// or tampered) HTTPS request from a hand-written remote server to a real Weft.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startFederatedCluster, type Cluster } from "./helpers/cluster.ts";
import { createFakeRemote, type FakeRemote } from "./helpers/fake-remote.ts";
import { unwrap } from "../../src/domain/result.ts";
import type { Account } from "../../src/domain/account.ts";
import type { Post } from "../../src/domain/post.ts";
import type { Weft } from "../../src/app.ts";
import { followRemoteHandle } from "../../src/federation/lookup.ts";

const PUBLIC = "https://www.w3.org/ns/activitystreams#Public";
const CTX = "https://www.w3.org/ns/activitystreams";

let cluster: Cluster;
let weft: Weft;
let evil: FakeRemote;
let victim: FakeRemote;
let alice: Account;
let dave: Account; // local, not sharing
let post: Post;
let n = 0;

const inbox = () => "https://a.weft.test/ap/inbox";
const postUri = () => `https://a.weft.test/ap/posts/${post.id}`;

function note(remote: FakeRemote, author: string, extra: Record<string, unknown> = {}) {
  const id = `${remote.origin}/notes/${++n}`;
  return { id, type: "Note", attributedTo: remote.actorUri(author), content: `<p>note ${n}</p>`, to: [PUBLIC], published: new Date().toISOString(), ...extra };
}

function create(remote: FakeRemote, actor: string, object: Record<string, unknown>, id?: string) {
  return { "@context": CTX, id: id ?? `${remote.origin}/activities/${++n}`, type: "Create", actor: remote.actorUri(actor), object, to: [PUBLIC] };
}

async function stored(uri: string) {
  return weft.db.kysely.selectFrom("posts").selectAll().where("uri", "=", uri).executeTakeFirst();
}

async function countRows(table: "posts" | "jobs" | "likes" | "follows") {
  const r = await weft.db.kysely.selectFrom(table).select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
  return Number(r.n);
}

before(async () => {
  evil = await createFakeRemote("evil");
  victim = await createFakeRemote("victim");
  cluster = await startFederatedCluster(["a"], { remotes: { evil: (r) => evil.handler(r), victim: (r) => victim.handler(r) } });
  weft = cluster.nodes.a.weft;
  alice = unwrap(await weft.services.accounts.register({ username: "alice", password: "correct horse" }));
  alice = unwrap(await weft.services.accounts.setFediverseSharing(alice.id, true));
  dave = unwrap(await weft.services.accounts.register({ username: "dave", password: "correct horse" }));
  post = unwrap(await weft.services.posts.create(alice.id, { text: "target post" }));
  await cluster.drain();
});
after(() => cluster?.close());

test("A1: unsigned inbox POST -> 401, nothing queued or stored", async () => {
  const [posts, jobs] = [await countRows("posts"), await countRows("jobs")];
  const obj = note(evil, "mallory");
  const res = await evil.post(inbox(), "mallory", create(evil, "mallory", obj), { unsigned: true });
  assert.equal(res.status, 401);
  assert.equal(await countRows("jobs"), jobs);
  await cluster.drain();
  assert.equal(await countRows("posts"), posts);
  assert.equal(await stored(obj.id), undefined);
});

test("A2: body altered after signing -> 401", async () => {
  const obj = note(evil, "mallory");
  const res = await evil.post(inbox(), "mallory", create(evil, "mallory", obj), { tamper: (b) => b.replace("note", "pwned") });
  assert.equal(res.status, 401);
  await cluster.drain();
  assert.equal(await stored(obj.id), undefined);
});

test("a properly signed Create is stored (the control for the cases around it)", async () => {
  const obj = note(evil, "mallory", { inReplyTo: postUri() });
  const res = await evil.post(inbox(), "mallory", create(evil, "mallory", obj));
  assert.equal(res.status, 202);
  await cluster.drain();
  assert.ok(await stored(obj.id));
});

test("C18: Create whose object id is on another host than the actor -> not stored under that id", async () => {
  const obj = { ...note(evil, "mallory"), id: `${victim.origin}/notes/forged-${++n}` };
  assert.equal((await evil.post(inbox(), "mallory", create(evil, "mallory", obj))).status, 202);
  await cluster.drain();
  assert.equal(await stored(obj.id), undefined);
});

test("C19: Create(actor=evil) of a Note attributed to the victim -> rejected", async () => {
  const obj = { ...note(evil, "mallory"), attributedTo: victim.actorUri("vic") };
  assert.equal((await evil.post(inbox(), "mallory", create(evil, "mallory", obj))).status, 202);
  await cluster.drain();
  assert.equal(await stored(obj.id), undefined);
});

test("C22: Delete by a non-owner -> no effect", async () => {
  const obj = note(victim, "vic");
  await victim.post(inbox(), "vic", create(victim, "vic", obj));
  await cluster.drain();
  assert.ok(await stored(obj.id));
  const del = { "@context": CTX, id: `${evil.origin}/activities/${++n}`, type: "Delete", actor: evil.actorUri("mallory"), object: obj.id };
  assert.equal((await evil.post(inbox(), "mallory", del)).status, 202);
  await cluster.drain();
  assert.ok(await stored(obj.id), "the victim's note is still there");
  // The owner's own Delete works, and a replayed Create afterwards is refused (tombstone).
  const own = { "@context": CTX, id: `${victim.origin}/activities/${++n}`, type: "Delete", actor: victim.actorUri("vic"), object: { id: obj.id, type: "Tombstone" } };
  await victim.post(inbox(), "vic", own);
  await cluster.drain();
  assert.equal(await stored(obj.id), undefined);
  await victim.post(inbox(), "vic", create(victim, "vic", obj));
  await cluster.drain();
  assert.equal(await stored(obj.id), undefined);
});

test("C24: Undo of a Like the signer does not own -> no effect", async () => {
  const likeId = `${victim.origin}/likes/${++n}`;
  await victim.post(inbox(), "vic", { "@context": CTX, id: likeId, type: "Like", actor: victim.actorUri("vic"), object: postUri() });
  await cluster.drain();
  const likes = async () => Number((await weft.db.kysely.selectFrom("posts").select("likes_count").where("id", "=", post.id).executeTakeFirstOrThrow()).likes_count);
  assert.equal(await likes(), 1);
  const undo = { "@context": CTX, id: `${evil.origin}/activities/${++n}`, type: "Undo", actor: evil.actorUri("mallory"), object: { id: likeId, type: "Like", actor: victim.actorUri("vic"), object: postUri() } };
  await evil.post(inbox(), "mallory", undo);
  await cluster.drain();
  assert.equal(await likes(), 1);
  const ownUndo = { ...undo, id: `${victim.origin}/activities/${++n}`, actor: victim.actorUri("vic") };
  await victim.post(inbox(), "vic", ownUndo);
  await cluster.drain();
  assert.equal(await likes(), 0);
});

test("C26: activity whose id is on our own domain -> rejected", async () => {
  const obj = note(evil, "mallory");
  await evil.post(inbox(), "mallory", create(evil, "mallory", obj, `https://a.weft.test/ap/posts/${post.id}#create`));
  await cluster.drain();
  assert.equal(await stored(obj.id), undefined);
});

test("B16: JSON nested 10,000 levels deep -> bounded answer, server still fine", async () => {
  // Built as text: JSON.stringify itself would overflow on the object.
  const deep = '{"content":'.repeat(10_000) + '"x"' + "}".repeat(10_000);
  const obj = note(evil, "mallory", { source: "DEEP" });
  const body = JSON.stringify(create(evil, "mallory", obj)).replace('"DEEP"', deep);
  const res = await evil.post(inbox(), "mallory", body);
  assert.ok(res.status < 500, `status ${res.status}`);
  await cluster.drain();
  const ok = await fetch("https://a.weft.test/.well-known/webfinger?resource=acct:alice@a.weft.test");
  assert.equal(ok.status, 200);
});

test("F43: an inbox body over 1 MB -> 413, nothing stored", async () => {
  const obj = note(evil, "mallory", { content: `<p>${"x".repeat(1_100_000)}</p>` });
  const res = await evil.post(inbox(), "mallory", create(evil, "mallory", obj));
  assert.equal(res.status, 413);
  await cluster.drain();
  assert.equal(await stored(obj.id), undefined);
});

test("G50: script, on*, style, iframe and javascript: are stripped before storing", async () => {
  const html =
    '<p onclick="steal()" style="color:red">hi <script>alert(1)</script><a href="javascript:alert(2)">x</a>' +
    '<a href="https://ok.example/" class="mention evil-class">ok</a><iframe src="https://x.example"></iframe><img src=x onerror=alert(3)></p>';
  const obj = note(evil, "mallory", { content: html, summary: "<b>cw</b><script>alert(4)</script>" });
  await evil.post(inbox(), "mallory", create(evil, "mallory", obj));
  await cluster.drain();
  const row = (await stored(obj.id))!;
  assert.ok(row);
  for (const bad of ["<script", "onclick", "style=", "<iframe", "javascript:", "onerror", "<img", "evil-class"]) {
    assert.ok(!row.html.includes(bad), `${bad} in ${row.html}`);
  }
  assert.match(row.html, /<a href="https:\/\/ok\.example\/" class="mention"/);
  assert.equal(row.summary, "cw");
});

test("inbox for a non-shared account is refused; a Follow of it does nothing", async () => {
  const res = await evil.post(`https://a.weft.test/ap/users/${dave.id}/inbox`, "mallory", {
    "@context": CTX, id: `${evil.origin}/activities/${++n}`, type: "Follow", actor: evil.actorUri("mallory"), object: `https://a.weft.test/ap/users/${dave.id}`,
  });
  assert.equal(res.status, 404);
  await evil.post(inbox(), "mallory", { "@context": CTX, id: `${evil.origin}/activities/${++n}`, type: "Follow", actor: evil.actorUri("mallory"), object: `https://a.weft.test/ap/users/${dave.id}` });
  await cluster.drain();
  const follows = await weft.db.kysely.selectFrom("follows").selectAll().where("followee_id", "=", dave.id).execute();
  assert.equal(follows.length, 0);
  assert.equal((await fetch(`https://a.weft.test/ap/users/${dave.id}`, { headers: { accept: "application/activity+json" } })).status, 404);
  assert.equal((await fetch("https://a.weft.test/.well-known/webfinger?resource=acct:dave@a.weft.test")).status, 404);
});

test("unknown activity type -> 202 and ignored", async () => {
  const before = await countRows("posts");
  const res = await evil.post(inbox(), "mallory", { "@context": CTX, id: `${evil.origin}/activities/${++n}`, type: "Move", actor: evil.actorUri("mallory"), object: evil.actorUri("mallory"), target: victim.actorUri("vic") });
  assert.equal(res.status, 202);
  const weird = await evil.post(inbox(), "mallory", { "@context": CTX, id: `${evil.origin}/activities/${++n}`, type: "Dance", actor: evil.actorUri("mallory") });
  assert.ok(weird.status < 500, `status ${weird.status}`);
  await cluster.drain();
  assert.equal(await countRows("posts"), before);
});

test("C27: our Follow stays pending until the followed account itself accepts it", async () => {
  const r = unwrap(await followRemoteHandle(weft, alice.id, "@vic@victim.weft.test"));
  assert.equal(r.state, "pending");
  await cluster.drain();
  const follow = await weft.db.kysely.selectFrom("follows").selectAll().where("follower_id", "=", alice.id).where("followee_id", "=", r.account.id).executeTakeFirstOrThrow();
  const sent = victim.received.find((x) => x.body?.type === "Follow");
  assert.ok(sent, "the Follow reached the victim's server");
  const followId = sent.body.id as string;
  const accept = (remote: FakeRemote, actor: string) => ({ "@context": CTX, id: `${remote.origin}/activities/${++n}`, type: "Accept", actor: remote.actorUri(actor), object: followId });
  await evil.post(inbox(), "mallory", accept(evil, "mallory"));
  await cluster.drain();
  const state = async () => (await weft.db.kysely.selectFrom("follows").select("state").where("id", "=", follow.id).executeTakeFirstOrThrow()).state;
  assert.equal(await state(), "pending");
  await victim.post(inbox(), "vic", accept(victim, "vic"));
  await cluster.drain();
  assert.equal(await state(), "accepted");
});
