// Origin and authorization cases (SECURITY-CASES A9 through a redirect, C20, C21, C23, C25, C28, F48), each sent
// as a real signed HTTPS POST from hand-written remote servers to a real Weft.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startFederatedCluster, type Cluster } from "./helpers/cluster.ts";
import { createFakeRemote, type FakeRemote } from "./helpers/fake-remote.ts";
import { unwrap } from "../../src/domain/result.ts";
import type { Account } from "../../src/domain/account.ts";
import type { Weft } from "../../src/app.ts";
import { followRemoteHandle } from "../../src/federation/lookup.ts";
import { exportSpki, signRequest } from "@fedify/fedify";

const PUBLIC = "https://www.w3.org/ns/activitystreams#Public";
const CTX = "https://www.w3.org/ns/activitystreams";
const INBOX = "https://a.weft.test/ap/inbox";

let cluster: Cluster;
let weft: Weft;
let evil: FakeRemote;
let victim: FakeRemote;
let down: FakeRemote;
let alice: Account;
let n = 0;
/** Paths evil's server was asked for. */
const evilPaths: string[] = [];

function note(remote: FakeRemote, author: string, extra: Record<string, unknown> = {}) {
  return { id: `${remote.origin}/notes/${++n}`, type: "Note", attributedTo: remote.actorUri(author), content: `<p>note ${n}</p>`, to: [PUBLIC], published: new Date().toISOString(), ...extra };
}
function activity(remote: FakeRemote, actor: string, type: string, object: unknown, extra: Record<string, unknown> = {}) {
  return { "@context": CTX, id: `${remote.origin}/activities/${++n}`, type, actor: remote.actorUri(actor), object, ...extra };
}
async function send(remote: FakeRemote, actor: string, act: unknown) {
  const res = await remote.post(INBOX, actor, act);
  assert.equal(res.status, 202);
  await cluster.drain();
}
async function stored(uri: string) {
  return weft.db.kysely.selectFrom("posts").selectAll().where("uri", "=", uri).executeTakeFirst();
}
async function follow(remote: FakeRemote, name: string) {
  const r = unwrap(await followRemoteHandle(weft, alice.id, `@${name}@${remote.host}`));
  await cluster.drain();
  const sent = remote.received.findLast((x) => x.body?.type === "Follow")!;
  await send(remote, name, activity(remote, name, "Accept", sent.body.id));
  const f = await weft.db.kysely.selectFrom("follows").select("state").where("follower_id", "=", alice.id).where("followee_id", "=", r.account.id).executeTakeFirstOrThrow();
  assert.equal(f.state, "accepted");
}
const mentionsOf = async (postUri: string) => {
  const post = await stored(postUri);
  if (!post) return [];
  return weft.db.kysely.selectFrom("notifications").selectAll().where("account_id", "=", alice.id).where("post_id", "=", post.id).where("type", "=", "mention").execute();
};

/** An open redirect on the victim's server (`/go?to=<any URL>`), as many web apps have. */
function openRedirect(req: Request): Response | null {
  const url = new URL(req.url);
  const to = url.searchParams.get("to");
  return url.pathname === "/go" && to ? Response.redirect(to, 302) : null;
}

before(async () => {
  evil = await createFakeRemote("evil");
  victim = await createFakeRemote("victim");
  down = await createFakeRemote("down");
  cluster = await startFederatedCluster(["a"], { remotes: { evil: (r) => (evilPaths.push(new URL(r.url).pathname), evil.handler(r)), victim: (r) => openRedirect(r) ?? victim.handler(r), down: (r) => down.handler(r) } });
  weft = cluster.nodes.a.weft;
  alice = unwrap(await weft.services.accounts.register({ username: "alice", password: "correct horse" }));
  alice = unwrap(await weft.services.accounts.setFediverseSharing(alice.id, true));
  // alice follows both, so boosts and followers-only posts of both reach her.
  await follow(victim, "vic");
  await follow(evil, "mallory");
});
after(() => cluster?.close());

test("C20: a second Create reusing an existing status URI with a wider audience -> no audience change", async () => {
  const followers = `${victim.actorUri("vic")}/followers`;
  const obj = note(victim, "vic", { to: [followers], content: "<p>for followers</p>" });
  await send(victim, "vic", activity(victim, "vic", "Create", obj, { to: [followers] }));
  assert.equal((await stored(obj.id))?.visibility, "followers");
  await send(victim, "vic", activity(victim, "vic", "Create", { ...obj, to: [PUBLIC], content: "<p>now public?</p>" }, { to: [PUBLIC] }));
  const row = (await stored(obj.id))!;
  assert.equal(row.visibility, "followers");
  assert.match(row.html, /for followers/);
  const count = await weft.db.kysely.selectFrom("posts").select("id").where("uri", "=", obj.id).execute();
  assert.equal(count.length, 1);
});

test("C21: Update(Person) of another actor, and Update of another actor's Note -> ignored", async () => {
  const obj = note(victim, "vic", { content: "<p>original</p>" });
  await send(victim, "vic", activity(victim, "vic", "Create", obj));
  const vicUri = victim.actorUri("vic");
  const nameOf = async () => (await weft.db.kysely.selectFrom("accounts").select("display_name").where("uri", "=", vicUri).executeTakeFirstOrThrow()).display_name;
  const before = await nameOf();
  const person = { id: vicUri, type: "Person", preferredUsername: "vic", name: "Pwned Vic", inbox: `${vicUri}/inbox` };
  await send(evil, "mallory", activity(evil, "mallory", "Update", person));
  assert.equal(await nameOf(), before);
  await send(evil, "mallory", activity(evil, "mallory", "Update", { ...obj, content: "<p>pwned</p>" }));
  assert.match((await stored(obj.id))!.html, /original/);
  // The owner's own Update goes through (the control).
  await send(victim, "vic", activity(victim, "vic", "Update", { ...obj, content: "<p>edited by vic</p>" }));
  assert.match((await stored(obj.id))!.html, /edited by vic/);
});

test("C23: a Delete that arrives before its Create -> the late Create is suppressed", async () => {
  const obj = note(victim, "vic");
  await send(victim, "vic", activity(victim, "vic", "Delete", { id: obj.id, type: "Tombstone" }));
  await send(victim, "vic", activity(victim, "vic", "Create", obj));
  assert.equal(await stored(obj.id), undefined);
  // A Delete by someone else does not suppress anything.
  const other = note(victim, "vic");
  await send(evil, "mallory", activity(evil, "mallory", "Delete", other.id));
  await send(victim, "vic", activity(victim, "vic", "Create", other));
  assert.ok(await stored(other.id));
});

test("C25: an Announce embedding an Update or a Delete of the victim's post -> not acted on", async () => {
  const obj = note(victim, "vic", { content: "<p>victim's words</p>" });
  await send(victim, "vic", activity(victim, "vic", "Create", obj));
  const update = activity(victim, "vic", "Update", { ...obj, content: "<p>pwned</p>" });
  await send(evil, "mallory", activity(evil, "mallory", "Announce", update, { to: [PUBLIC] }));
  const del = activity(victim, "vic", "Delete", obj.id);
  await send(evil, "mallory", activity(evil, "mallory", "Announce", del, { to: [PUBLIC] }));
  const row = await stored(obj.id);
  assert.ok(row, "the victim's post is still there");
  assert.match(row.html, /victim's words/);
  assert.equal(Number(row.reposts_count), 0);
});

test("C28: mentioned in a followers-only post of someone not followed -> no notification", async () => {
  const aliceUri = `https://a.weft.test/ap/users/${alice.id}`;
  const mention = { type: "Mention", href: aliceUri, name: "@alice@a.weft.test" };
  // evil2 is an account alice does not follow.
  const obj = note(evil, "stranger", { to: [`${evil.actorUri("stranger")}/followers`], tag: [mention], content: "<p>@alice psst</p>" });
  await send(evil, "stranger", activity(evil, "stranger", "Create", obj, { to: obj.to }));
  assert.ok(await stored(obj.id), "stored (her followers here may see it)");
  assert.equal((await mentionsOf(obj.id)).length, 0);
  // Control: the same from someone she follows notifies her.
  const ok = note(victim, "vic", { to: [`${victim.actorUri("vic")}/followers`], tag: [mention], content: "<p>@alice hi</p>" });
  await send(victim, "vic", activity(victim, "vic", "Create", ok, { to: ok.to }));
  assert.equal((await mentionsOf(ok.id)).length, 1);
});

test("F48: Delete or Update from an unknown actor about itself -> 202, nothing fetched", async () => {
  const gets = evil.gets.signed + evil.gets.unsigned;
  const ghost = evil.actorUri("ghost");
  assert.equal((await evil.post(INBOX, "ghost", activity(evil, "ghost", "Delete", ghost))).status, 202);
  assert.equal((await evil.post(INBOX, "ghost", activity(evil, "ghost", "Update", { id: ghost, type: "Person", inbox: `${ghost}/inbox` }))).status, 202);
  await cluster.drain();
  assert.equal(evil.gets.signed + evil.gets.unsigned, gets, "no actor or key fetch");
  const row = await weft.db.kysely.selectFrom("accounts").select("id").where("uri", "=", ghost).executeTakeFirst();
  assert.equal(row, undefined);
});

test("F47: the per-host failure state of a failing inbox host expires (has a TTL)", async () => {
  const aliceUri = `https://a.weft.test/ap/users/${alice.id}`;
  await send(down, "ghoul", activity(down, "ghoul", "Follow", aliceUri));
  assert.ok(down.received.some((x) => x.body?.type === "Accept"), "followed");
  down.inboxStatus = 503;
  for (let i = 0; i < 3; i++) unwrap(await weft.services.posts.create(alice.id, { text: `post ${i} while down is down` }));
  await cluster.drain();
  const rows = await weft.db.kysely.selectFrom("kv").select(["key", "expires_at"]).where("key", "like", '["_fedify","circuit"%').execute();
  const mine = rows.filter((r) => r.key.includes("down.weft.test"));
  assert.ok(mine.length > 0, `circuit state recorded: ${rows.map((r) => r.key).join(", ")}`);
  for (const r of mine) assert.ok(r.expires_at != null, `${r.key} has no expiry`);
  down.inboxStatus = 202;
});

test("F45: a remote poll with 300 options is capped when stored; one with 5,000 is refused at once", async () => {
  const question = (count: number) => {
    const oneOf = Array.from({ length: count }, (_, i) => ({ type: "Note", name: `option ${i}`, replies: { type: "Collection", totalItems: i } }));
    return { ...note(evil, "mallory"), type: "Question", content: "<p>pick one</p>", oneOf, endTime: new Date(Date.now() + 3600_000).toISOString() };
  };
  const q = question(300);
  await send(evil, "mallory", activity(evil, "mallory", "Create", q, { to: [PUBLIC] }));
  const row = await stored(q.id);
  assert.ok(row, "the poll is stored");
  const items = row.html.match(/<li>/g) ?? [];
  assert.ok(items.length > 0 && items.length <= 20, `${items.length} options kept`);
  // Parsing 5,000 options as JSON-LD took most of a minute: refused before any parsing.
  const huge = question(5000);
  const t0 = Date.now();
  const res = await evil.post(INBOX, "mallory", activity(evil, "mallory", "Create", huge, { to: [PUBLIC] }));
  assert.equal(res.status, 400);
  await cluster.drain();
  assert.ok(Date.now() - t0 < 5_000, `took ${Date.now() - t0} ms`);
  assert.equal(await stored(huge.id), undefined);
});

test("B15: an @context pointing at the sender's server is never fetched", async () => {
  const ctxPath = `/contexts/${++n}`;
  evil.serve(ctxPath, { "@context": { content: "https://www.w3.org/ns/activitystreams#summary" } });
  const obj = note(evil, "mallory");
  const act = { ...activity(evil, "mallory", "Create", obj, { to: [PUBLIC] }), "@context": [CTX, `${evil.origin}${ctxPath}`] };
  const res = await evil.post(INBOX, "mallory", act);
  await cluster.drain();
  assert.ok(!evilPaths.includes(ctxPath), "the context document was fetched");
  assert.ok(res.status === 202 || res.status === 400, `status ${res.status}`);
});

test("A9b (Mastodon CVE-2024-23832): a key reached through a redirect to another server signs nothing as an actor of the first", async () => {
  // evil serves, at a URL of its own, an actor document claiming the victim's id and a key
  // evil holds, and signs with a keyId on the victim's server that redirects there.
  const vic = victim.actorUri("vic");
  const SEC = "https://w3id.org/security/v1";
  const publicKeyPem = await exportSpki(evil.keys.publicKey);
  const keyIdFor = (path: string) => `${victim.origin}/go?to=${encodeURIComponent(`${evil.origin}${path}`)}#main-key`;
  const forgeries: Record<string, unknown> = {
    // An actor claiming the victim's id.
    "/forged/actor": { "@context": [CTX, SEC], id: vic, type: "Person", preferredUsername: "vic", inbox: `${vic}/inbox`, publicKey: { id: keyIdFor("/forged/actor"), owner: vic, publicKeyPem } },
    // The same with `@id` aliased by its context: the id JSON-LD reads is what counts.
    "/forged/aliased": { "@context": [CTX, SEC, { ident: "@id" }], ident: vic, type: "Person", preferredUsername: "vic", inbox: `${vic}/inbox`, publicKey: { id: keyIdFor("/forged/aliased"), owner: vic, publicKeyPem } },
    // A bare key without an id, which Fedify would take for the keyId that fetched it.
    "/forged/key": { "@context": SEC, type: "Key", owner: vic, publicKeyPem },
  };
  for (const [path, doc] of Object.entries(forgeries)) evil.serve(path, doc);
  for (const path of Object.keys(forgeries)) {
    for (const spec of ["draft-cavage-http-signatures-12", "rfc9421"] as const) {
      const obj = note(victim, "vic", { content: `<p>forged ${path} ${spec}</p>` });
      const act = activity(victim, "vic", "Create", obj, { to: [PUBLIC] });
      const req = new Request(INBOX, { method: "POST", headers: { "content-type": "application/activity+json" }, body: JSON.stringify(act) });
      const res = await fetch(await signRequest(req, evil.keys.privateKey, new URL(keyIdFor(path)), { spec }));
      assert.equal(res.status, 401, `${path} ${spec}`);
      await cluster.drain();
      assert.equal(await stored(obj.id), undefined, `${path} ${spec}: nothing stored as the victim`);
    }
    assert.ok(evilPaths.includes(path), `${path}: the redirect was followed (the refusal is not an accident of the harness)`);
  }
});
