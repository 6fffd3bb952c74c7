// The inbox's shortcut for draft-cavage signatures by keys Fedify already cached
// (known-key-inbox.ts): what it takes, what it leaves to Fedify, and that what it queues
// is run by Fedify's worker exactly like an activity Fedify took in itself.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash, generateKeyPairSync, KeyObject, sign } from "node:crypto";
import { startFederatedCluster, type Cluster } from "./helpers/cluster.ts";
import { createFakeRemote, type FakeRemote } from "./helpers/fake-remote.ts";
import { unwrap } from "../../src/domain/result.ts";
import type { Weft } from "../../src/app.ts";
import { WeftKvStore } from "../../src/federation/kv.ts";
import { cachedKeyFields, KnownKeyInbox, type InboxMessage, type InboxPost } from "../../src/federation/known-key-inbox.ts";
import { plainActor } from "../../src/federation/plain-actor.ts";
import { preloadedContextsOnly } from "../../src/federation/key-owners.ts";
import { Activity } from "@fedify/vocab";
import type { KvKey, KvStore } from "@fedify/fedify";
import { FEDIFY_INBOX_QUEUE } from "../../src/federation/queue.ts";
import { VERIFIED_ACTOR_FIELD } from "../../src/federation/verified-actor.ts";
import { enqueue } from "../../src/jobs/queue.ts";
import { remoteFixtures } from "./helpers/remote-fixtures.ts";

const ORIGIN = "https://a.weft.test";
const INBOX = `${ORIGIN}/ap/inbox`;
const AS = "https://www.w3.org/ns/activitystreams";
const PUBLIC = `${AS}#Public`;

let cluster: Cluster;
let weft: Weft;
let mk: FakeRemote;
let privateKey: KeyObject;
let n = 0;

function note(actor: string, text: string): Record<string, unknown> {
  const i = ++n;
  return {
    "@context": AS,
    id: `${mk.origin}/activities/${i}`,
    type: "Create",
    actor,
    to: [PUBLIC],
    object: { id: `${mk.origin}/notes/${i}`, type: "Note", attributedTo: actor, content: `<p>${text}</p>`, to: [PUBLIC] },
  };
}

/** A draft-cavage POST to the shared inbox, signed by `keyId` over `headers`; each part can be spoilt. */
function signed(doc: Record<string, unknown>, opts: { keyId?: string; key?: KeyObject; headers?: string; host?: string; date?: Date; body?: string; extra?: Record<string, string>; params?: string } = {}): InboxPost {
  // `host` is both what is signed and the request's Host header (a request signed for
  // another server and replayed here keeps its Host).
  const body = JSON.stringify(doc);
  const digest = `SHA-256=${createHash("sha256").update(body).digest("base64")}`;
  const date = (opts.date ?? new Date()).toUTCString();
  const list = opts.headers ?? "(request-target) host date digest";
  const values: Record<string, string> = { "(request-target)": "post /ap/inbox", host: opts.host ?? "a.weft.test", date, digest, "content-type": "application/activity+json" };
  const text = list.split(" ").map((h) => `${h}: ${values[h.toLowerCase()]}`).join("\n");
  const signature = sign("sha256", Buffer.from(text), opts.key ?? privateKey).toString("base64");
  const keyId = opts.keyId ?? `${mk.actorUri("kim")}#main-key`;
  const headers = new Headers({ host: opts.host ?? "a.weft.test", date, digest, "content-type": "application/activity+json", ...opts.extra });
  headers.set("signature", `keyId="${keyId}",algorithm="rsa-sha256",headers="${list}",signature="${signature}"${opts.params ?? ""}`);
  const sent = opts.body ?? body;
  return { path: "/ap/inbox", headers, body: new TextEncoder().encode(sent), doc: JSON.parse(sent), recipient: null };
}

/**
 * Documents signed by kim whose JSON-LD makes Fedify read lain as the actor, or could:
 * found in review, each was queued by the first version of the shortcut.
 */
function contextTricks(kim: string): [string, Record<string, unknown>][] {
  const lain = mk.actorUri("lain");
  const base = note(kim, "as lain");
  return [
    ["an inline context renaming actor and mapping another term to it", { ...base, "@context": [AS, { actor: "https://evil.example/ns#x", by: { "@id": "as:actor", "@type": "@id" } }], by: lain }],
    ["another term mapped to as:actor", { ...base, "@context": [AS, { by: "as:actor" }], by: lain }],
    ["as:actor spelt through an inline prefix", { ...base, "@context": [AS, { x: { "@id": "https://www.w3.org/ns/activitystreams#act", "@prefix": true }, by: { "@id": "x:or", "@type": "@id" } }], by: lain }],
    ["as:actor spelt through a prefix in another inline context", { ...base, "@context": [AS, { x: { "@id": "as:ac", "@prefix": true } }, { by: { "@id": "x:tor", "@type": "@id" } }], by: lain }],
    ["a term aliasing the actor term", { ...base, "@context": [AS, { by: "actor" }], by: lain }],
    ["a term defined through another, which a later context redefines", { ...base, "@context": [AS, { q: "as:actor", By: "q" }, { q: "https://harmless.example/q" }], By: { id: lain } }],
    ["the same, the later definition null", { ...base, "@context": [AS, { q: "as:actor", By: "q" }, { q: null }], By: { id: lain } }],
    ["a prefix term whose IRI is another term's", { ...base, "@context": [AS, { h2: "https://www.w3.org/ns/activitystreams#acto", h1: { "@id": "h2", "@prefix": true }, By: "h1:r" }], By: { id: lain } }],
    ["a type-scoped context", { ...base, "@context": [AS, { Create: { "@id": "as:Create", "@context": { actor: "https://evil.example/ns#x" } } }] }],
    ["a keyword alias", { ...base, "@context": [AS, { uri: "@id" }] }],
    ["a top-level compact IRI key", { ...base, "as:actor": lain }],
    ["a known context that renames actor (schema.org)", { ...base, "@context": [AS, "http://schema.org/"] }],
    ["no ActivityStreams context", { ...base, "@context": "https://w3id.org/security/v1" }],
    ["an actor given as an object", { ...base, actor: { id: kim, type: "Person" } }],
  ];
}

function shortcut(): { inbox: KnownKeyInbox; queued: InboxMessage[] } {
  const queued: InboxMessage[] = [];
  return { inbox: new KnownKeyInbox(new WeftKvStore(weft.db), ORIGIN, async (m) => void queued.push(m)), queued };
}

before(async () => {
  mk = await createFakeRemote("mk");
  cluster = await startFederatedCluster(["a"], { remotes: { mk: (r) => mk.handler(r) } });
  weft = cluster.nodes.a.weft;
  const alice = unwrap(await weft.services.accounts.register({ username: "alice", password: "correct horse" }));
  unwrap(await weft.services.accounts.setFediverseSharing(alice.id, true));
  privateKey = KeyObject.from(mk.keys.privateKey);
  // kim's first activity goes through Fedify, which fetches and caches kim's key.
  assert.equal((await mk.post(INBOX, "kim", note(mk.actorUri("kim"), "first"))).status, 202);
  await cluster.drain();
});
after(() => cluster?.close());

test("Fedify's cached key is read in the form Fedify stores it", async () => {
  const kv = new WeftKvStore(weft.db);
  const fields = cachedKeyFields(await kv.get(["_fedify", "publicKey", `${mk.actorUri("kim")}#main-key`]));
  assert.equal(fields?.owner, mk.actorUri("kim"));
  assert.match(fields?.pem ?? "", /^-----BEGIN PUBLIC KEY-----/);
  assert.equal(cachedKeyFields({ id: "https://x.example/k", owner: "https://x.example/u", publicKeyPem: "PEM" })?.pem, "PEM");
  assert.equal(cachedKeyFields(null), null);
});

test("an activity signed by a cached key is queued as Fedify queues it, and Fedify's worker stores it", async () => {
  const { inbox, queued } = shortcut();
  const doc = note(mk.actorUri("kim"), "through the shortcut");
  assert.equal(await inbox.accept(signed(doc)), true);
  assert.equal(queued.length, 1);
  const m = queued[0];
  assert.deepEqual({ type: m.type, baseUrl: m.baseUrl, identifier: m.identifier, attempt: m.attempt, activity: m.activity, verified: m[VERIFIED_ACTOR_FIELD] }, { type: "inbox", baseUrl: ORIGIN, identifier: null, attempt: 0, activity: doc, verified: mk.actorUri("kim") });
  // The message, put on Weft's inbox queue, is run by Fedify's own handler and listener.
  await enqueue(weft.db.kysely, FEDIFY_INBOX_QUEUE, m);
  weft.signal.notify();
  await cluster.drain();
  const post = await weft.db.kysely.selectFrom("posts").select("html").where("uri", "=", (doc.object as { id: string }).id).executeTakeFirst();
  assert.match(post?.html ?? "", /through the shortcut/);
});

test("a queued activity whose parsed actor is not the one the shortcut verified is dropped by the job", async () => {
  const lain = mk.actorUri("lain");
  const run = async (verified: string) => {
    const doc = note(lain, `verified for ${verified}`);
    const message = { type: "inbox", id: crypto.randomUUID(), baseUrl: ORIGIN, activity: doc, identifier: null, attempt: 0, started: new Date().toISOString(), traceContext: {}, [VERIFIED_ACTOR_FIELD]: verified };
    await enqueue(weft.db.kysely, FEDIFY_INBOX_QUEUE, message);
    weft.signal.notify();
    await cluster.drain();
    return weft.db.kysely.selectFrom("posts").select("id").where("uri", "=", (doc.object as { id: string }).id).executeTakeFirst();
  };
  assert.equal(await run(mk.actorUri("kim")), undefined, "signed by kim, read as lain: nothing stored");
  assert.ok(await run(lain), "the same activity verified for lain is stored");
});

test("a known sender's next activity, through the running server, takes the shortcut and is stored once", async (t) => {
  let shortcutTook = 0;
  const accept = KnownKeyInbox.prototype.accept;
  t.after(() => void (KnownKeyInbox.prototype.accept = accept));
  KnownKeyInbox.prototype.accept = async function (this: KnownKeyInbox, ...args: Parameters<KnownKeyInbox["accept"]>) {
    const took = await accept.apply(this, args);
    if (took) shortcutTook++;
    return took;
  };
  const before = Number((await weft.db.kysely.selectFrom("posts").select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow()).n);
  const res = await mk.post(INBOX, "kim", note(mk.actorUri("kim"), "second"));
  assert.equal(res.status, 202);
  await cluster.drain();
  const after = Number((await weft.db.kysely.selectFrom("posts").select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow()).n);
  assert.equal(after, before + 1);
  assert.equal(shortcutTook, 1, "verified by the shortcut, not by Fedify");
});

test("everything else is left to Fedify: nothing is queued and nothing is answered", async () => {
  const { inbox, queued } = shortcut();
  const kim = mk.actorUri("kim");
  const other = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
  const cases: [string, InboxPost][] = [
    ["a body changed after signing", signed(note(kim, "x"), { body: JSON.stringify(note(kim, "tampered")) })],
    ["a signature by another key", signed(note(kim, "x"), { key: other })],
    ["a key Fedify never fetched", signed(note(kim, "x"), { keyId: `${mk.actorUri("nobody")}#main-key` })],
    ["an actor that is not the key's owner", signed(note(mk.actorUri("lain"), "x"))],
    ["a Date over an hour old", signed(note(kim, "x"), { date: new Date(Date.now() - 2 * 3600_000) })],
    ["a signature leaving out the digest", signed(note(kim, "x"), { headers: "(request-target) host date" })],
    ["a signature leaving out (request-target)", signed(note(kim, "x"), { headers: "host date digest" })],
    ["a signature for another server's host (SECURITY-CASES 11)", signed(note(kim, "x"), { host: "elsewhere.example" })],
    ["an RFC 9421 signature beside it", signed(note(kim, "x"), { extra: { "signature-input": 'sig1=("@method")' } })],
    ["a Linked Data signature in the body", signed({ ...note(kim, "x"), signature: { type: "RsaSignature2017" } })],
    ["an integrity proof in the body", signed({ ...note(kim, "x"), proof: { type: "DataIntegrityProof" } })],
    ["an expires parameter", signed(note(kim, "x"), { params: ",expires=\"99999999999\"" })],
    ["a signed Host for another server, capitalised (SECURITY-CASES 11)", signed(note(kim, "x"), { headers: "(request-target) Host date digest", host: "elsewhere.example" })],
    ["a (created) pseudo-header without its parameter", signed(note(kim, "x"), { headers: "(request-target) (created) date digest" })],
    ...contextTricks(kim).map(([why, doc]) => [why, signed(doc)] as [string, InboxPost]),
  ];
  for (const [why, post] of cases) assert.equal(await inbox.accept(post), false, why);
  assert.equal(queued.length, 0);
});

test("contexts as Mastodon, Misskey, Pleroma and Lemmy send them are read", () => {
  const kim = mk.actorUri("kim");
  const mastodon = [AS, "https://w3id.org/security/v1", { ostatus: "http://ostatus.org#", atomUri: "ostatus:atomUri", sensitive: "as:sensitive", toot: "http://joinmastodon.org/ns#", focalPoint: { "@container": "@list", "@id": "toot:focalPoint" }, Hashtag: "as:Hashtag" }];
  const misskey = [AS, "https://w3id.org/security/v1", { Key: "sec:Key", manuallyApprovesFollowers: "as:manuallyApprovesFollowers", misskey: "https://misskey-hub.net/ns#", _misskey_content: "misskey:_misskey_content", quoteUrl: "as:quoteUrl" }];
  const pleroma = [AS, "https://pleroma.example/schemas/litepub-0.1.jsonld", { "@language": "und" }]; // Weft's copy (server-contexts.ts)
  const mbin = [AS, "https://w3id.org/security/v1", "https://mbin.example/contexts"];
  const unknown = [AS, "https://other.example/ns/context.jsonld"]; // read as empty
  const lemmy = [AS, "https://join-lemmy.org/context.json"];
  for (const context of [AS, mastodon, misskey, pleroma, mbin, unknown, lemmy]) assert.equal(plainActor({ ...note(kim, "x"), "@context": context }), kim);
  for (const [why, doc] of contextTricks(kim)) assert.equal(plainActor(doc), null, why);
});

test("wherever plainActor names an actor, Fedify's parse reads that actor alone: every remote fixture and every trick", async () => {
  const loader = preloadedContextsOnly();
  const fixtures = remoteFixtures().filter(([, d]) => "actor" in d);
  let plain = 0;
  for (const [why, doc] of [...fixtures, ...contextTricks(mk.actorUri("kim"))]) {
    const actor = plainActor(doc);
    if (actor === null) continue;
    plain++;
    const parsed = await Activity.fromJsonLd(doc, { documentLoader: loader, contextLoader: loader }).catch(() => null);
    if (parsed) assert.deepEqual(parsed.actorIds.map((u) => u.href), [actor], why);
  }
  assert.ok(plain >= 30, `most real activities take the shortcut (${plain} of ${fixtures.length})`);
});

test("through the running server, a document naming another actor in its JSON-LD stores nothing as that actor", async () => {
  const lain = mk.actorUri("lain");
  const [, trick] = contextTricks(mk.actorUri("kim"))[0];
  const object: Record<string, unknown> = { ...(trick.object as Record<string, unknown>), attributedTo: lain };
  const res = await mk.post(INBOX, "kim", { ...trick, object });
  assert.equal(res.status, 401, "Fedify's path refuses it: the actor it reads does not own the key");
  await cluster.drain();
  assert.equal(await weft.db.kysely.selectFrom("posts").select("id").where("uri", "=", object.id as string).executeTakeFirst(), undefined);
});

test("a personal inbox's activity keeps its recipient", async () => {
  const { inbox, queued } = shortcut();
  const post = { ...signed(note(mk.actorUri("kim"), "to alice")), recipient: "123456789012345678" };
  // (request-target) signs the shared inbox's path: the same signature on another path fails.
  assert.equal(await inbox.accept({ ...post, path: "/ap/users/123456789012345678/inbox" }), false);
  assert.equal(await inbox.accept(post), true);
  assert.equal(queued[0].identifier, "123456789012345678");
});

test("a key Fedify replaced in its cache is not used from the shortcut's memory", async () => {
  const { inbox } = shortcut();
  const kv = new WeftKvStore(weft.db);
  const key = ["_fedify", "publicKey", `${mk.actorUri("kim")}#main-key`] as const;
  const stored = await kv.get<Record<string, unknown>>(key);
  assert.equal(await inbox.accept(signed(note(mk.actorUri("kim"), "before"))), true);
  const rotated = generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey.export({ type: "spki", format: "pem" }).toString();
  await kv.set(key, { ...stored, "https://w3id.org/security#publicKeyPem": [{ "@value": rotated }] });
  try {
    assert.equal(await inbox.accept(signed(note(mk.actorUri("kim"), "after"))), false);
  } finally {
    await kv.set(key, stored);
  }
});

test("a remembered key is read from the kv store once, not for every activity", async () => {
  const { inbox } = shortcut();
  const kv = new WeftKvStore(weft.db);
  const reads: unknown[] = [];
  const counting = { get: (key: KvKey) => (reads.push(key), kv.get(key)) } as KvStore;
  const counted = new KnownKeyInbox(counting, ORIGIN, async () => {});
  for (let i = 0; i < 5; i++) assert.equal(await counted.accept(signed(note(mk.actorUri("kim"), `many ${i}`))), true);
  assert.equal(reads.length, 1);
  assert.equal(await inbox.accept(signed(note(mk.actorUri("kim"), "another inbox reads its own"))), true);
});

test("a key another process replaced is read again once a signature fails with the remembered one", async () => {
  const { inbox } = shortcut();
  const key = `${mk.actorUri("kim")}#main-key`;
  const encoded = JSON.stringify(["_fedify", "publicKey", key]);
  const row = await weft.db.kysely.selectFrom("kv").select("value").where("key", "=", encoded).executeTakeFirstOrThrow();
  assert.equal(await inbox.accept(signed(note(mk.actorUri("kim"), "remembered"))), true);
  const rotated = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const stored = JSON.parse(row.value) as Record<string, unknown>;
  const pem = rotated.publicKey.export({ type: "spki", format: "pem" }).toString();
  // Written as another process would: past this process's kv store, which would tell the inbox.
  await weft.db.kysely.updateTable("kv").set({ value: JSON.stringify({ ...stored, "https://w3id.org/security#publicKeyPem": [{ "@value": pem }] }) }).where("key", "=", encoded).execute();
  try {
    const byNewKey = () => signed(note(mk.actorUri("kim"), "rotated"), { key: rotated.privateKey });
    assert.equal(await inbox.accept(byNewKey()), false, "the remembered key fails: left to Fedify");
    assert.equal(await inbox.accept(byNewKey()), true, "the kv store was read again");
    assert.equal(await inbox.accept(signed(note(mk.actorUri("kim"), "old key"))), false, "the old key no longer verifies");
  } finally {
    await weft.db.kysely.updateTable("kv").set({ value: row.value }).where("key", "=", encoded).execute();
  }
});
