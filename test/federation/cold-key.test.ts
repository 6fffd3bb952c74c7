// A sender's first activity (cold-key.ts): its key is read from the actor's plain document
// without JSON-LD, cached as Fedify caches it, and the account and a plain Note stored
// before the answer. What is not plain, not on the key's own origin or not verified is
// left to Fedify, which decides as before.
import { test, before, after, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { exportSpki, signRequest, type KvStore } from "@fedify/fedify";
import { CryptographicKey } from "@fedify/vocab";
import type { DocumentLoader, RemoteDocument } from "@fedify/vocab-runtime";
import { startFederatedCluster, type Cluster } from "./helpers/cluster.ts";
import { createFakeRemote, type FakeRemote } from "./helpers/fake-remote.ts";
import { countQueuedInbox, type InboxQueueCount } from "./helpers/inbox-queue-count.ts";
import type { Weft } from "../../src/app.ts";
import { coldKeyReader, PUBLIC_KEY_PREFIX } from "../../src/federation/cold-key.ts";
import { preloadedContextsOnly } from "../../src/federation/key-owners.ts";
import { KnownKeyInbox } from "../../src/federation/known-key-inbox.ts";
import { WeftKvStore } from "../../src/federation/kv.ts";

const ORIGIN = "https://a.weft.test";
const INBOX = `${ORIGIN}/ap/inbox`;
const AS = "https://www.w3.org/ns/activitystreams";
const PUBLIC = `${AS}#Public`;

let cluster: Cluster;
let weft: Weft;
let mk: FakeRemote;
let kv: KvStore;
let n = 0;
/** Inbox activities put on the queue since the test began. */
let inboxQueue: InboxQueueCount;

function create(actor: string): { doc: Record<string, unknown>; uri: string } {
  const i = ++n;
  const uri = `${mk.origin}/notes/cold-${i}`;
  const doc = {
    "@context": AS,
    id: `${mk.origin}/activities/cold-${i}`,
    type: "Create",
    actor,
    to: [PUBLIC],
    object: { id: uri, type: "Note", attributedTo: actor, published: "2026-12-07T10:00:00Z", to: [PUBLIC], cc: [`${actor}/followers`], content: `<p>cold ${i}</p>` },
  };
  return { doc, uri };
}

/** POSTs `doc` signed (draft-cavage) as `keyId` with `key` (mk's key unless given). */
async function post(doc: unknown, keyId: string, key: CryptoKey = mk.keys.privateKey): Promise<Response> {
  const req = new Request(INBOX, { method: "POST", headers: { "content-type": "application/activity+json" }, body: JSON.stringify(doc) });
  return fetch(await signRequest(req, key, new URL(keyId)));
}

const postRow = (uri: string) => weft.db.kysely.selectFrom("posts").selectAll().where("uri", "=", uri).executeTakeFirst();
const accountRow = (uri: string) => weft.db.kysely.selectFrom("accounts").selectAll().where("uri", "=", uri).executeTakeFirst();

before(async () => {
  mk = await createFakeRemote("mk");
  cluster = await startFederatedCluster(["a"], { remotes: { mk: (r) => mk.handler(r) } });
  weft = cluster.nodes.a.weft;
  kv = new WeftKvStore(weft.db);
  inboxQueue = countQueuedInbox();
});
beforeEach(() => inboxQueue?.reset());
after(() => cluster?.close());

test("a new sender's first Create: one fetch, the key cached as Fedify caches it, the account and the post stored before the answer", async () => {
  const actor = mk.actorUri("newbie");
  const keyId = `${actor}#main-key`;
  const gets = mk.gets.signed + mk.gets.unsigned;
  const { doc, uri } = create(actor);
  assert.equal((await post(doc, keyId)).status, 202);
  assert.equal(inboxQueue.count, 0, "nothing queued");
  assert.equal(mk.gets.signed + mk.gets.unsigned - gets, 1, "the actor fetched once");
  assert.equal(mk.gets.signed > 0, true, "signed, as Fedify signs it (secure mode)");
  const account = await accountRow(actor);
  assert.equal(account?.username, "newbie");
  assert.equal(account?.inbox_url, `${actor}/inbox`);
  assert.equal(account?.shared_inbox_url, `${mk.origin}/inbox`);
  assert.ok(account?.fetched_at);
  assert.equal((await postRow(uri))?.account_id, account.id);
  // Fedify's key cache reads the entry back as the key it would have cached itself.
  const cached = await kv.get([...PUBLIC_KEY_PREFIX, keyId]);
  const loader = preloadedContextsOnly();
  const key = await CryptographicKey.fromJsonLd(cached, { documentLoader: loader, contextLoader: loader });
  assert.equal(key.id?.href, keyId);
  assert.equal(key.ownerId?.href, actor);
  assert.ok(key.publicKey);
  // The next activity takes the known key.
  const next = create(actor);
  assert.equal((await post(next.doc, keyId)).status, 202);
  assert.ok(await postRow(next.uri));
  assert.equal(mk.gets.signed + mk.gets.unsigned - gets, 1, "not fetched again");
});

test("a new sender's first activities arriving together share one fetch, and each is stored", async () => {
  const actor = mk.actorUri("burst");
  const gets = mk.gets.signed + mk.gets.unsigned;
  const creates = [create(actor), create(actor), create(actor)];
  const answers = await Promise.all(creates.map((c) => post(c.doc, `${actor}#main-key`)));
  assert.deepEqual(answers.map((r) => r.status), [202, 202, 202]);
  assert.equal(mk.gets.signed + mk.gets.unsigned - gets, 1, "one fetch for the three");
  await cluster.drain();
  for (const c of creates) assert.ok(await postRow(c.uri));
  assert.equal((await accountRow(actor))?.username, "burst");
});

/** A Person with `mk`'s key at /people/<name>, with a compact-IRI key (Misskey's birthday): not read plainly. */
async function oddPerson(name: string, keyId = `${mk.origin}/people/${name}#main-key`): Promise<string> {
  const actor = `${mk.origin}/people/${name}`;
  const publicKeyPem = await exportSpki(mk.keys.publicKey);
  const person = { "@context": [AS, "https://w3id.org/security/v1", { vcard: "http://www.w3.org/2006/vcard/ns#" }], id: actor, type: "Person", preferredUsername: name, inbox: `${actor}/inbox`, "vcard:bday": "2000-01-01", publicKey: { id: keyId, owner: actor, publicKeyPem } };
  mk.serve(`/people/${name}`, person);
  return actor;
}

test("an actor document outside the plain reading is judged by Fedify from the one fetch, and Fedify's path verifies and stores as before", async () => {
  const actor = await oddPerson("odd");
  const gets = mk.gets.signed + mk.gets.unsigned;
  const { doc, uri } = create(actor);
  assert.equal((await post(doc, `${actor}#main-key`)).status, 202);
  assert.equal(inboxQueue.count, 1, "queued by Fedify's path");
  assert.equal(mk.gets.signed + mk.gets.unsigned - gets, 1, "the document fetched once, not again by Fedify's path");
  await cluster.drain();
  assert.ok(await postRow(uri));
  assert.equal((await accountRow(actor))?.username, "odd");
});

test("an actor document outside the plain reading that does not list the signing key: 401 from the one fetch", async () => {
  const actor = await oddPerson("oddkey", `${mk.origin}/people/oddkey#other-key`);
  const gets = mk.gets.signed + mk.gets.unsigned;
  const { doc, uri } = create(actor);
  assert.equal((await post(doc, `${actor}#main-key`)).status, 401);
  assert.equal(mk.gets.signed + mk.gets.unsigned - gets, 1, "fetched once");
  assert.equal(await kv.get([...PUBLIC_KEY_PREFIX, `${actor}#main-key`]), null, "recorded as Fedify records a key it could not get");
  assert.equal(inboxQueue.count, 0);
  await cluster.drain();
  assert.equal(await postRow(uri), undefined);
});

test("a signature the fetched key does not verify: Fedify refuses it, and no account is stored", async () => {
  const actor = mk.actorUri("forged");
  const other = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "der" });
  const otherKey = await crypto.subtle.importKey("pkcs8", other, { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, true, ["sign"]);
  const { doc, uri } = create(actor);
  assert.equal((await post(doc, `${actor}#main-key`, otherKey)).status, 401);
  assert.equal(inboxQueue.count, 0);
  assert.equal(await postRow(uri), undefined);
  assert.equal(await accountRow(actor), undefined);
});

test("GoToSocial's key URL: the key is read there, the account is fetched at the actor's id, never stored from the minimal document", async () => {
  const actor = mk.actorUri("gts");
  const keyId = `${actor}/main-key`;
  const full = mk.actorDoc("gts");
  // What GoToSocial serves at the key's URL: the actor's id, type, name and key, nothing else.
  mk.serve("/users/gts/main-key", { "@context": full["@context"], id: actor, type: "Person", preferredUsername: "gts", publicKey: { ...(full.publicKey as object), id: keyId } });
  const { doc, uri } = create(actor);
  assert.equal((await post(doc, keyId)).status, 202);
  assert.equal(inboxQueue.count, 1, "queued: Fedify's path fetches the sender");
  await cluster.drain();
  assert.ok(await postRow(uri));
  const account = await accountRow(actor);
  assert.equal(account?.inbox_url, `${actor}/inbox`, "stored from the actor's own document");
  assert.equal(account?.shared_inbox_url, `${mk.origin}/inbox`);
});

test("a key that cannot be fetched is fetched once, not again by Fedify's path", async () => {
  const keyId = `${mk.origin}/nobody#main-key`;
  const gets = mk.gets.signed + mk.gets.unsigned;
  assert.equal((await post(create(`${mk.origin}/nobody`).doc, keyId)).status, 401);
  assert.equal(mk.gets.signed + mk.gets.unsigned - gets, 1);
});

/** A cold key reader over documents given here, counting loads. */
function reader(docs: Record<string, RemoteDocument | Error>): { read: ReturnType<typeof coldKeyReader>; loads: string[]; kv: Map<string, unknown> } {
  const loads: string[] = [];
  const stored = new Map<string, unknown>();
  const store = { get: async () => undefined, set: async (k: readonly string[], v: unknown) => void stored.set(k.join(" "), v) } as unknown as KvStore;
  const loader: DocumentLoader = async (url) => {
    loads.push(url);
    await new Promise((r) => setTimeout(r, 5));
    const doc = docs[url];
    if (!doc || doc instanceof Error) throw doc ?? new Error(`no ${url}`);
    return doc;
  };
  return { read: coldKeyReader(store, async () => loader), loads, kv: stored };
}

test("cold-key.ts reads only a key on its own origin, listed by its own actor, RSA, and fetches it once for many", async () => {
  const pem = generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey.export({ type: "spki", format: "pem" }).toString();
  const ec = generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey.export({ type: "spki", format: "pem" }).toString();
  // createPublicKey takes a private key too; Fedify's import does not.
  const privatePem = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  const actor = (id: string, keyPem = pem, keyId = `${id}#main-key`) => ({ "@context": [AS, "https://w3id.org/security/v1"], id, type: "Person", inbox: `${id}/inbox`, publicKey: { id: keyId, owner: id, publicKeyPem: keyPem } });
  const doc = (document: unknown, documentUrl: string): RemoteDocument => ({ contextUrl: null, documentUrl, document });
  const ok = "https://x.example/users/ok";
  const { read, loads, kv: stored } = reader({
    [`${ok}#main-key`]: doc(actor(ok), ok),
    "https://x.example/users/moved#main-key": doc(actor("https://evil.example/users/moved"), "https://evil.example/users/moved"),
    "https://x.example/users/claims#main-key": doc(actor("https://evil.example/users/claims"), "https://x.example/users/claims"),
    // Redirected to another server, which claims an id on the first.
    "https://x.example/users/redirected#main-key": doc(actor("https://x.example/users/redirected"), "https://evil.example/users/redirected"),
    "https://x.example/users/other#main-key": doc(actor("https://x.example/users/other", pem, "https://x.example/users/other#second-key"), "https://x.example/users/other"),
    "https://x.example/users/ec#main-key": doc(actor("https://x.example/users/ec", ec), "https://x.example/users/ec"),
    "https://x.example/users/private#main-key": doc(actor("https://x.example/users/private", privatePem), "https://x.example/users/private"),
    "https://x.example/users/twoblocks#main-key": doc(actor("https://x.example/users/twoblocks", pem + privatePem), "https://x.example/users/twoblocks"),
    "https://x.example/users/gone#main-key": new Error("410 Gone"),
    "https://x.example/users/gts/main-key": doc(actor("https://x.example/users/gts", pem, "https://x.example/users/gts/main-key"), "https://x.example/users/gts/main-key"),
  });
  const many = await Promise.all([read(`${ok}#main-key`, null), read(`${ok}#main-key`, null), read(`${ok}#main-key`, null)]);
  assert.equal(loads.length, 1, "three activities, one fetch");
  assert.ok(many.every((k) => k?.owner === ok && k.actor?.id === ok));
  assert.deepEqual(stored.get(`_fedify publicKey ${ok}#main-key`), { owner: ok, publicKeyPem: pem, type: "CryptographicKey", id: `${ok}#main-key`, "@context": "https://w3id.org/security/v1" });
  for (const why of ["moved", "claims", "redirected", "other", "ec", "private", "twoblocks", "gone"]) assert.equal(await read(`https://x.example/users/${why}#main-key`, null), null, why);
  // What could not be fetched, and Fedify's own verdict on a document outside the plain
  // reading (here: no key for that id), are recorded as Fedify records them (null), each
  // from its one load: Fedify's path does not fetch them again. (The redirected document
  // never gets that far through Weft's loader: key-owners.ts, security-origin "A9b".)
  for (const why of ["moved", "claims", "other", "ec", "private", "twoblocks", "gone"]) {
    const keyId = `https://x.example/users/${why}#main-key`;
    assert.equal(stored.get(`_fedify publicKey ${keyId}`), null, why);
    assert.equal(loads.filter((u) => u === keyId).length, 1, `${why}: loaded once`);
  }
  // GoToSocial's key id, a path of its own on the actor's origin: the key is read, but the
  // minimal actor served there is no account to store.
  const gts = await read("https://x.example/users/gts/main-key", null);
  assert.equal(gts?.owner, "https://x.example/users/gts");
  assert.equal(gts?.actor, undefined);
});

test("a key Fedify recorded as unavailable (a cached null) is not fetched here", async () => {
  let reads = 0;
  const inbox = new KnownKeyInbox(kv, ORIGIN, async () => {}, async () => (reads++, null));
  const actor = mk.actorUri("unavailable");
  await kv.set([...PUBLIC_KEY_PREFIX, `${actor}#main-key`], null);
  const { doc } = create(actor);
  const req = await signRequest(new Request(INBOX, { method: "POST", headers: { "content-type": "application/activity+json" }, body: JSON.stringify(doc) }), mk.keys.privateKey, new URL(`${actor}#main-key`));
  const body = new Uint8Array(await req.arrayBuffer());
  assert.equal(await inbox.accept({ path: "/ap/inbox", headers: req.headers, body, doc, recipient: null }), false);
  assert.equal(reads, 0);
});
