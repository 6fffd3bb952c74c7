// Inbound activities from a hand-written remote server, one kind at a time: emoji
// reactions (Misskey's Like with content, Pleroma's EmojiReact), Announce, Update of a
// note and of an actor (owner only), Block, Flag, and an actor deleting itself.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startFederatedCluster, type Cluster } from "./helpers/cluster.ts";
import { createFakeRemote, type FakeRemote } from "./helpers/fake-remote.ts";
import { unwrap } from "../../src/domain/result.ts";
import type { Account } from "../../src/domain/account.ts";
import type { Post } from "../../src/domain/post.ts";
import type { Weft } from "../../src/app.ts";
import { followRemoteHandle } from "../../src/federation/lookup.ts";

const CTX = "https://www.w3.org/ns/activitystreams";
const LITEPUB = ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1", { litepub: "http://litepub.social/ns#", EmojiReact: "litepub:EmojiReact" }];
const PUBLIC = "https://www.w3.org/ns/activitystreams#Public";

let cluster: Cluster;
let weft: Weft;
let mk: FakeRemote;
let other: FakeRemote;
let sec: FakeRemote;
let alice: Account;
let post: Post;
let n = 0;

const inbox = "https://a.weft.test/ap/inbox";
const postUri = () => `https://a.weft.test/ap/posts/${post.id}`;
const id = (r: FakeRemote) => `${r.origin}/activities/${++n}`;
const counts = async () => weft.db.kysely.selectFrom("posts").select(["likes_count", "reposts_count", "replies_count"]).where("id", "=", post.id).executeTakeFirstOrThrow();

before(async () => {
  mk = await createFakeRemote("mk");
  other = await createFakeRemote("other");
  sec = await createFakeRemote("sec");
  sec.requireSignedGets = true;
  cluster = await startFederatedCluster(["a"], { remotes: { mk: (r) => mk.handler(r), other: (r) => other.handler(r), sec: (r) => sec.handler(r) } });
  weft = cluster.nodes.a.weft;
  alice = unwrap(await weft.services.accounts.register({ username: "alice", password: "correct horse" }));
  alice = unwrap(await weft.services.accounts.setFediverseSharing(alice.id, true));
  post = unwrap(await weft.services.posts.create(alice.id, { text: "react to me" }));
});
after(() => cluster?.close());

test("Misskey's emoji Like and Pleroma's EmojiReact count as likes with their emoji", async () => {
  await mk.post(inbox, "kim", { "@context": CTX, id: id(mk), type: "Like", actor: mk.actorUri("kim"), object: postUri(), content: "🎉", _misskey_reaction: "🎉" });
  await other.post(inbox, "lain", { "@context": LITEPUB, id: id(other), type: "EmojiReact", actor: other.actorUri("lain"), object: postUri(), content: "👌" });
  await cluster.drain();
  assert.equal(Number((await counts()).likes_count), 2);
  const emoji = (await weft.db.kysely.selectFrom("likes").select("emoji").where("post_id", "=", post.id).execute()).map((l) => l.emoji).sort();
  assert.deepEqual(emoji, ["👌", "🎉"].sort());
  const notes = await weft.db.kysely.selectFrom("notifications").select("type").where("account_id", "=", alice.id).where("type", "=", "like").execute();
  assert.equal(notes.length, 2);
});

test("Announce and Undo(Announce) of a local post", async () => {
  const announceId = id(mk);
  await mk.post(inbox, "kim", { "@context": CTX, id: announceId, type: "Announce", actor: mk.actorUri("kim"), object: postUri(), to: [PUBLIC] });
  await cluster.drain();
  assert.equal(Number((await counts()).reposts_count), 1);
  // Someone else cannot undo it.
  await other.post(inbox, "lain", { "@context": CTX, id: id(other), type: "Undo", actor: other.actorUri("lain"), object: announceId });
  await cluster.drain();
  assert.equal(Number((await counts()).reposts_count), 1);
  await mk.post(inbox, "kim", { "@context": CTX, id: id(mk), type: "Undo", actor: mk.actorUri("kim"), object: { id: announceId, type: "Announce", actor: mk.actorUri("kim"), object: postUri() } });
  await cluster.drain();
  assert.equal(Number((await counts()).reposts_count), 0);
});

test("Update of a note by its owner edits it; by anyone else, nothing (C21)", async () => {
  const note = { id: `${mk.origin}/notes/${++n}`, type: "Note", attributedTo: mk.actorUri("kim"), content: "<p>first</p>", to: [PUBLIC], inReplyTo: postUri() };
  await mk.post(inbox, "kim", { "@context": CTX, id: id(mk), type: "Create", actor: mk.actorUri("kim"), object: note });
  await cluster.drain();
  const html = async () => (await weft.db.kysely.selectFrom("posts").select("html").where("uri", "=", note.id).executeTakeFirstOrThrow()).html;
  assert.equal(await html(), "<p>first</p>");
  await other.post(inbox, "lain", { "@context": CTX, id: id(other), type: "Update", actor: other.actorUri("lain"), object: { ...note, content: "<p>hijacked</p>" } });
  await cluster.drain();
  assert.equal(await html(), "<p>first</p>");
  await mk.post(inbox, "kim", { "@context": CTX, id: id(mk), type: "Update", actor: mk.actorUri("kim"), object: { ...note, content: "<p>second <script>x</script></p>", updated: new Date().toISOString() } });
  await cluster.drain();
  assert.equal(await html(), "<p>second </p>");
});

test("Update(Person) only about the signer itself", async () => {
  const kimUri = mk.actorUri("kim");
  const before = await weft.db.kysely.selectFrom("accounts").select("display_name").where("uri", "=", kimUri).executeTakeFirstOrThrow();
  await other.post(inbox, "lain", {
    "@context": CTX, id: id(other), type: "Update", actor: other.actorUri("lain"),
    object: { id: kimUri, type: "Person", preferredUsername: "kim", name: "Hacked", inbox: `${kimUri}/inbox` },
  });
  await cluster.drain();
  const after = await weft.db.kysely.selectFrom("accounts").select("display_name").where("uri", "=", kimUri).executeTakeFirstOrThrow();
  assert.equal(after.display_name, before.display_name);
});

test("Block is stored; Flag becomes a report", async () => {
  await other.post(inbox, "lain", { "@context": CTX, id: id(other), type: "Block", actor: other.actorUri("lain"), object: `https://a.weft.test/ap/users/${alice.id}` });
  const flagId = id(mk);
  await mk.post(inbox, "kim", { "@context": CTX, id: flagId, type: "Flag", actor: mk.actorUri("kim"), object: [`https://a.weft.test/ap/users/${alice.id}`, postUri()], content: "spam?" });
  await cluster.drain();
  const lain = await weft.db.kysely.selectFrom("accounts").select("id").where("uri", "=", other.actorUri("lain")).executeTakeFirstOrThrow();
  assert.equal((await weft.db.kysely.selectFrom("blocks").selectAll().where("account_id", "=", lain.id).where("target_id", "=", alice.id).execute()).length, 1);
  const report = await weft.db.kysely.selectFrom("reports").selectAll().where("uri", "=", flagId).executeTakeFirstOrThrow();
  assert.equal(report.target_account_id, alice.id);
  assert.deepEqual(JSON.parse(report.post_ids_json), [post.id]);
  assert.equal(report.comment, "spam?");
});

test("a followed account's Announce of another server's post: fetched from its origin, stored as a repost", async () => {
  const r = unwrap(await followRemoteHandle(weft, alice.id, "@kim@mk.weft.test"));
  await cluster.drain();
  const follow = mk.received.find((x) => x.body?.type === "Follow" && x.body.actor === `https://a.weft.test/ap/users/${alice.id}`)!;
  await mk.post(inbox, "kim", { "@context": CTX, id: id(mk), type: "Accept", actor: mk.actorUri("kim"), object: follow.body.id });
  await cluster.drain();
  const original = { "@context": CTX, id: `${other.origin}/notes/boosted`, type: "Note", attributedTo: other.actorUri("lain"), content: "<p>the real text</p>", to: [PUBLIC] };
  other.serve("/notes/boosted", original);
  // The Announce embeds a forged copy; only what the origin serves counts.
  const announceId = id(mk);
  await mk.post(inbox, "kim", { "@context": CTX, id: announceId, type: "Announce", actor: mk.actorUri("kim"), object: { ...original, content: "<p>forged</p>" }, to: [PUBLIC] });
  await cluster.drain();
  const stored = await weft.db.kysely.selectFrom("posts").selectAll().where("uri", "=", original.id).executeTakeFirstOrThrow();
  assert.equal(stored.html, "<p>the real text</p>");
  const repost = await weft.db.kysely.selectFrom("posts").selectAll().where("uri", "=", announceId).executeTakeFirstOrThrow();
  assert.equal(repost.repost_of_id, stored.id);
  assert.equal(repost.account_id, r.account.id);
  // An Announce by an account nobody here follows is not stored.
  other.serve("/notes/unsolicited", { ...original, id: `${other.origin}/notes/unsolicited` });
  await other.post(inbox, "lain", { "@context": CTX, id: id(other), type: "Announce", actor: other.actorUri("lain"), object: `${other.origin}/notes/unsolicited`, to: [PUBLIC] });
  await cluster.drain();
  assert.equal(await weft.db.kysely.selectFrom("posts").select("id").where("uri", "=", `${other.origin}/notes/unsolicited`).executeTakeFirst(), undefined);
});

test("a server in secure mode: Weft's fetches are signed by its instance actor", async () => {
  const note = { id: `${sec.origin}/notes/${++n}`, type: "Note", attributedTo: sec.actorUri("sam"), content: "<p>from a secure server</p>", to: [PUBLIC] };
  assert.equal((await sec.post(inbox, "sam", { "@context": CTX, id: id(sec), type: "Create", actor: sec.actorUri("sam"), object: note })).status, 202);
  await cluster.drain();
  assert.ok(await weft.db.kysely.selectFrom("posts").select("id").where("uri", "=", note.id).executeTakeFirst(), "stored: the key fetch was signed");
  const found = unwrap(await followRemoteHandle(weft, alice.id, "@sam@sec.weft.test"));
  assert.equal(found.account.uri, sec.actorUri("sam"));
  assert.equal(sec.gets.unsigned, 0);
  assert.ok(sec.gets.signed >= 1);
  // The signing key belongs to the instance actor, an Application that Weft serves.
  const app = await (await fetch("https://a.weft.test/ap/users/instance", { headers: { accept: "application/activity+json" } })).json();
  assert.equal(app.type, "Application");
  assert.match(app.publicKey.publicKeyPem, /BEGIN PUBLIC KEY/);
  await cluster.drain();
});

test("a reply whose parent is unknown here: the parent is fetched from its origin", async () => {
  const root = { "@context": CTX, id: `${other.origin}/notes/root-1`, type: "Note", attributedTo: other.actorUri("lain"), content: "<p>root</p>", to: [PUBLIC] };
  const middle = { ...root, id: `${other.origin}/notes/middle-1`, content: "<p>middle</p>", inReplyTo: root.id };
  other.serve("/notes/root-1", root);
  other.serve("/notes/middle-1", middle);
  const leaf = { id: `${other.origin}/notes/leaf-1`, type: "Note", attributedTo: other.actorUri("lain"), content: "<p>leaf</p>", to: [PUBLIC], inReplyTo: middle.id };
  await other.post(inbox, "lain", { "@context": CTX, id: id(other), type: "Create", actor: other.actorUri("lain"), object: leaf });
  await cluster.drain();
  const row = (uri: string) => weft.db.kysely.selectFrom("posts").selectAll().where("uri", "=", uri).executeTakeFirstOrThrow();
  const [r, m, l] = [await row(root.id), await row(middle.id), await row(leaf.id)];
  assert.equal(l.in_reply_to_id, m.id);
  assert.equal(m.in_reply_to_id, r.id);
  assert.equal(Number(r.replies_count), 1);
});

test("Delete of an actor by itself removes the account and its posts", async () => {
  const kimUri = mk.actorUri("kim");
  assert.ok(await weft.db.kysely.selectFrom("accounts").select("id").where("uri", "=", kimUri).executeTakeFirst());
  await mk.post(inbox, "kim", { "@context": CTX, id: id(mk), type: "Delete", actor: kimUri, object: kimUri });
  await cluster.drain();
  assert.equal(await weft.db.kysely.selectFrom("accounts").select("id").where("uri", "=", kimUri).executeTakeFirst(), undefined);
  assert.equal((await weft.db.kysely.selectFrom("posts").select("id").where("uri", "like", `${mk.origin}/%`).execute()).length, 0);
  // Its like and its reply went with it.
  assert.equal(Number((await counts()).likes_count), 1);
  assert.equal(Number((await counts()).replies_count), 0);
});
