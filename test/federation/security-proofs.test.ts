// Activities that a third server forwards, authenticated only by what their author signed
// inside them (SECURITY-CASES B14, B17): Linked Data Signatures (RsaSignature2017, as
// Mastodon forwards replies) and FEP-8b32 integrity proofs (eddsa-jcs-2022). Fedify
// verifies both; these tests prove Weft's wiring keeps them meaningful: the relay's own
// HTTP signature never speaks for the author, a reshaped or re-attributed activity is
// refused with no side effect, and a proof with a wrong key or a past `expires` (compacted
// or in expanded form) is not trusted.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Create } from "@fedify/vocab";
import { signJsonLd, signObject } from "@fedify/fedify";
import { startFederatedCluster, type Cluster } from "./helpers/cluster.ts";
import { createFakeRemote, type FakeRemote } from "./helpers/fake-remote.ts";
import { unwrap } from "../../src/domain/result.ts";
import type { Weft } from "../../src/app.ts";

const PUBLIC = "https://www.w3.org/ns/activitystreams#Public";
const CTX = ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"];
const INBOX = "https://a.weft.test/ap/inbox";
let cluster: Cluster;
let weft: Weft;
let evil: FakeRemote; // the author's server
let relay: FakeRemote; // the third server that forwards
let n = 0;

before(async () => {
  evil = await createFakeRemote("evil");
  relay = await createFakeRemote("relay");
  cluster = await startFederatedCluster(["a"], { remotes: { evil: (r) => evil.handler(r), relay: (r) => relay.handler(r) } });
  weft = cluster.nodes.a.weft;
  unwrap(await weft.services.accounts.setFediverseSharing(unwrap(await weft.services.accounts.register({ username: "alice", password: "correct horse" })).id, true));
});
after(async () => {
  await cluster?.close();
});

/** A public Create(Note) by `actor` on evil (the Note attributed to `author`, by default the actor). */
function create(actor: string, author = actor) {
  const i = ++n;
  const note = { id: `${evil.origin}/notes/${i}`, type: "Note", attributedTo: author, content: `<p>forwarded ${i}</p>`, to: [PUBLIC] };
  return { "@context": CTX, id: `${evil.origin}/activities/${i}`, type: "Create", actor, object: note, to: [PUBLIC] };
}
const mallory = () => evil.actorUri("mallory");
const stored = (uri: string) => weft.db.kysely.selectFrom("posts").select("id").where("uri", "=", uri).executeTakeFirst();

/** Posts `body` as relay's rex (HTTP-signed by rex, not by the author) and drains. */
async function forward(body: unknown): Promise<number> {
  const res = await relay.post(INBOX, "rex", body);
  await cluster.drain();
  return res.status;
}

test("B14 control: without an LD signature, a relay's HTTP signature does not speak for the author", async () => {
  const a = create(mallory());
  assert.equal(await forward(a), 401);
  assert.equal(await stored(a.object.id), undefined);
});

test("B14: an activity forwarded by a third server with its author's valid LD signature -> accepted", async () => {
  const a = create(mallory());
  const signed = await signJsonLd(a, evil.keys.privateKey, new URL(`${mallory()}#main-key`), {});
  assert.equal(await forward(signed), 202);
  assert.ok(await stored(a.object.id), "the forwarded Note is stored");
});

test("B14: the same LD-signed activity reshaped (content changed after signing) -> rejected, nothing stored", async () => {
  const a = create(mallory());
  const signed = (await signJsonLd(a, evil.keys.privateKey, new URL(`${mallory()}#main-key`), {})) as unknown as typeof a;
  const reshaped = { ...signed, object: { ...signed.object, content: "<p>words the author never wrote</p>" } };
  assert.equal(await forward(reshaped), 401);
  assert.equal(await stored(a.object.id), undefined);
});

test("B14: LD-signed by mallory with a victim as the actor -> rejected, nothing stored", async () => {
  const victim = evil.actorUri("victim");
  const a = create(victim);
  const signed = await signJsonLd(a, evil.keys.privateKey, new URL(`${mallory()}#main-key`), {});
  assert.equal(await forward(signed), 401);
  assert.equal(await stored(a.object.id), undefined);
  assert.equal(await weft.db.kysely.selectFrom("accounts").select("id").where("uri", "=", victim).executeTakeFirst(), undefined, "no account stored for the victim");
});

/** The activity as JSON with an FEP-8b32 proof signed by `key` under the key id `keyId`. */
async function withProof(a: ReturnType<typeof create>, key: CryptoKey, keyId: string): Promise<Record<string, unknown>> {
  const object = await Create.fromJsonLd(a);
  const signed = await signObject(object, key, new URL(keyId));
  // Fedify signs the audience with the full Public URI, as it sends it (normalizeOutgoingActivityJsonLd).
  const text = JSON.stringify(await signed.toJsonLd({ format: "compact" })).replaceAll('"as:Public"', JSON.stringify(PUBLIC));
  return JSON.parse(text) as Record<string, unknown>;
}

test("B17 control: an activity forwarded with its author's valid integrity proof -> accepted", async () => {
  const a = create(mallory());
  assert.equal(await forward(await withProof(a, evil.proofKeys.privateKey, `${mallory()}#ed25519-key`)), 202);
  assert.ok(await stored(a.object.id));
});

test("B17: a proof made with the wrong key (another key under the author's key id, or the relay's own key) -> not trusted", async () => {
  const a = create(mallory());
  assert.equal(await forward(await withProof(a, relay.proofKeys.privateKey, `${mallory()}#ed25519-key`)), 401);
  const b = create(mallory());
  assert.equal(await forward(await withProof(b, relay.proofKeys.privateKey, `${relay.actorUri("rex")}#ed25519-key`)), 401);
  assert.equal(await stored(a.object.id), undefined);
  assert.equal(await stored(b.object.id), undefined);
});

test("B17: a valid proof whose `expires` has passed -> not trusted, nothing stored", async () => {
  const a = create(mallory());
  const json = await withProof(a, evil.proofKeys.privateKey, `${mallory()}#ed25519-key`);
  const proof = json.proof as Record<string, unknown>;
  assert.equal(await forward({ ...json, proof: { ...proof, expires: "2024-01-01T00:00:00Z" } }), 401);
  assert.equal(await stored(a.object.id), undefined);
  // Control: the same proof with an `expires` still ahead is taken.
  const b = create(mallory());
  const ok = await withProof(b, evil.proofKeys.privateKey, `${mallory()}#ed25519-key`);
  assert.equal(await forward({ ...ok, proof: { ...(ok.proof as object), expires: new Date(Date.now() + 3_600_000).toISOString() } }), 202);
  assert.ok(await stored(b.object.id));
});

/** The proof under its full IRI with expanded property names (as a JSON-LD processor may pass it on). */
function expandedProof(json: Record<string, unknown>, expires: string): Record<string, unknown> {
  const { proof, ...rest } = json as { proof: Record<string, unknown> };
  const { "@context": _ctx, expires: _old, ...p } = proof;
  const SEC = "https://w3id.org/security#";
  return {
    ...rest,
    [`${SEC}proof`]: {
      "@graph": {
        "@type": `${SEC}DataIntegrityProof`,
        [`${SEC}cryptosuite`]: p.cryptosuite,
        [`${SEC}verificationMethod`]: { "@id": p.verificationMethod },
        [`${SEC}proofPurpose`]: { "@id": `${SEC}assertionMethod` },
        [`${SEC}proofValue`]: { "@value": p.proofValue, "@type": `${SEC}multibase` },
        "http://purl.org/dc/terms/created": { "@value": p.created, "@type": "http://www.w3.org/2001/XMLSchema#dateTime" },
        [`${SEC}expiration`]: { "@value": expires, "@type": "http://www.w3.org/2001/XMLSchema#dateTime" },
      },
    },
  };
}

test("B17: a stale proof in expanded form (sec:proof, sec:expiration) -> not trusted, nothing stored", async () => {
  // Fedify takes a proof in this form: the control (expiration ahead) is accepted.
  const b = create(mallory());
  const ok = await withProof(b, evil.proofKeys.privateKey, `${mallory()}#ed25519-key`);
  assert.equal(await forward(expandedProof(ok, new Date(Date.now() + 3_600_000).toISOString())), 202);
  assert.ok(await stored(b.object.id));
  const c = create(mallory());
  const stale = await withProof(c, evil.proofKeys.privateKey, `${mallory()}#ed25519-key`);
  assert.equal(await forward(expandedProof(stale, "2024-01-01T00:00:00Z")), 401);
  assert.equal(await stored(c.object.id), undefined);
});
