// plain-actor-document.ts reads an actor's document without JSON-LD for the inbox's cold
// keys. Wherever it reads one, the account fields and the keys must be exactly those
// Fedify's parse and the mapper make of the same document; where JSON-LD could make them
// differ, it must read nothing.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createPublicKey } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { CryptographicKey, isActor, Object as ASObject } from "@fedify/vocab";
import { exportSpki } from "@fedify/fedify";
import { preloadedContextsOnly } from "../../src/federation/key-owners.ts";
import { plainActorDocument } from "../../src/federation/plain-actor-document.ts";
import { asActorToAccountFields, plainActorToAccountFields } from "../../src/federation/mappers/as-to-domain.ts";
import { REMOTE_FIXTURES, remoteFixtures } from "./helpers/remote-fixtures.ts";

const AS = "https://www.w3.org/ns/activitystreams";
const SEC = "https://w3id.org/security/v1";
const ID = "https://social.example/users/kim";
const PEM = readFileSync(path.join(REMOTE_FIXTURES, "mastodon", "actor-person.json"), "utf8").match(/-----BEGIN PUBLIC KEY-----[^"]*-----END PUBLIC KEY-----\\n/)![0].replaceAll("\\n", "\n");

type Doc = Record<string, unknown>;

const MASTODON_CONTEXT = [AS, SEC, {
  manuallyApprovesFollowers: "as:manuallyApprovesFollowers", toot: "http://joinmastodon.org/ns#",
  featured: { "@id": "toot:featured", "@type": "@id" }, featuredTags: { "@id": "toot:featuredTags", "@type": "@id" },
  alsoKnownAs: { "@id": "as:alsoKnownAs", "@type": "@id" }, movedTo: { "@id": "as:movedTo", "@type": "@id" },
  schema: "http://schema.org#", PropertyValue: "schema:PropertyValue", value: "schema:value",
  discoverable: "toot:discoverable", suspended: "toot:suspended", memorial: "toot:memorial", indexable: "toot:indexable",
  Emoji: "toot:Emoji", focalPoint: { "@container": "@list", "@id": "toot:focalPoint" },
}];

/** A Person as Mastodon serves one, with `top` merged in. */
function person(top: Doc = {}): Doc {
  return {
    "@context": MASTODON_CONTEXT,
    id: ID,
    type: "Person",
    following: `${ID}/following`,
    followers: `${ID}/followers`,
    inbox: `${ID}/inbox`,
    outbox: `${ID}/outbox`,
    featured: `${ID}/collections/featured`,
    featuredTags: `${ID}/collections/tags`,
    preferredUsername: "kim",
    name: "Kim <b>K</b> :blob:",
    summary: '<p>Weaver. <a href="https://social.example/tags/looms">#looms</a><script>x()</script></p>',
    url: "https://social.example/@kim",
    manuallyApprovesFollowers: false,
    discoverable: true,
    indexable: true,
    published: "2023-01-02T00:00:00Z",
    memorial: false,
    alsoKnownAs: ["https://old.example/users/kim"],
    publicKey: { id: `${ID}#main-key`, owner: ID, publicKeyPem: PEM },
    tag: [{ type: "Emoji", name: ":blob:", icon: { type: "Image", url: "https://social.example/blob.png" } }],
    attachment: [
      { type: "PropertyValue", name: "Site", value: '<a href="https://kim.example" rel="me">kim.example</a>' },
      { type: "PropertyValue", name: "<i>Pronouns</i>", value: "she/her" },
    ],
    endpoints: { sharedInbox: "https://social.example/inbox" },
    icon: { type: "Image", mediaType: "image/png", url: "https://files.social.example/avatar.png" },
    image: { type: "Image", mediaType: "image/jpeg", url: "https://files.social.example/header.jpg" },
    ...top,
  };
}

/** Documents read plainly whose reading is easy to get wrong: each must still agree with Fedify. */
const AGREEING: [string, Doc][] = [
  ["Mastodon's shape", person()],
  ["a Service, no name, summary or icon", person({ type: "Service", name: null, summary: undefined, icon: undefined, image: undefined })],
  ["a Group without preferredUsername (the path's last segment)", person({ type: "Group", preferredUsername: undefined })],
  ["preferredUsername with spaces around it", person({ preferredUsername: "  kim " })],
  ["an empty preferredUsername", person({ preferredUsername: "" })],
  ["no url (the id stands in)", person({ url: undefined })],
  ["featured undefined by the context (JSON-LD drops it)", person({ "@context": [AS, SEC], attachment: [] })],
  ["alsoKnownAs from ActivityStreams' own context", person({ "@context": [AS, SEC], attachment: undefined })],
  ["a single alsoKnownAs", person({ alsoKnownAs: "https://old.example/users/kim" })],
  ["a field without a name is skipped", person({ attachment: [{ type: "PropertyValue", name: "", value: "x" }, { type: "PropertyValue", name: "A", value: "b" }] })],
  ["twelve fields (ten are kept)", person({ attachment: Array.from({ length: 12 }, (_, i) => ({ type: "PropertyValue", name: `f${i}`, value: `v${i}` })) })],
  ["a long name and field", person({ name: "n".repeat(300), attachment: [{ type: "PropertyValue", name: "x".repeat(400), value: "y".repeat(3000) }] })],
  ["a publish time with an offset", person({ published: "2023-01-02T03:04:05.678+09:00" })],
  ["two keys, both its own", person({ publicKey: [{ id: `${ID}#main-key`, owner: ID, publicKeyPem: PEM }, { id: `${ID}#other`, type: "Key", owner: ID, publicKeyPem: PEM }] })],
  ["an own Multikey as assertionMethod", person({ "@context": [AS, SEC, "https://w3id.org/security/multikey/v1", MASTODON_CONTEXT[2]], assertionMethod: [{ id: `${ID}#ed`, type: "Multikey", controller: ID, publicKeyMultibase: "z6Mk" }] })],
  ["Pleroma's endpoints", person({ endpoints: { sharedInbox: "https://social.example/inbox", oauthTokenEndpoint: "https://social.example/oauth/token", uploadMedia: "https://social.example/api/ap/upload_media" } })],
  ["an unknown key nothing defines", person({ somethingElse: { type: "Whatever" } })],
  ["a movedTo (not read here)", person({ movedTo: "https://new.example/users/kim" })],
  ["a default @language (every string tagged)", person({ "@context": [...MASTODON_CONTEXT, { "@language": "en" }] })],
  ["Pleroma's shape: LitePub's context and @language und", person({
    "@context": [AS, "https://social.example/schemas/litepub-0.1.jsonld", { "@language": "und" }], featured: undefined,
    capabilities: { acceptsChatMessages: true }, discoverable: false, invisible: false,
    endpoints: { sharedInbox: "https://social.example/inbox", oauthRegistrationEndpoint: "https://social.example/api/v1/apps", uploadMedia: "https://social.example/api/ap/upload_media" },
  })],
  ["featured under LitePub's context, which does not define it (JSON-LD drops it)", person({ "@context": [AS, "https://social.example/schemas/litepub-0.1.jsonld"] })],
];

/** Documents where JSON-LD, or a value, could make Fedify read something else: never read here. */
const REFUSED: [string, Doc][] = [
  ["a term mapped onto as:name", person({ nick: "evil" }, ), ],
  ["a key owned by another actor", person({ publicKey: { id: "https://victim.example/users/v#main-key", owner: "https://victim.example/users/v", publicKeyPem: PEM } })],
  ["a second key owned by another actor", person({ publicKey: [{ id: `${ID}#main-key`, owner: ID, publicKeyPem: PEM }, { id: "https://victim.example/u#k", owner: "https://victim.example/u", publicKeyPem: PEM }] })],
  ["a key by reference", person({ publicKey: `${ID}#main-key` })],
  ["an assertionMethod of another actor", person({ assertionMethod: [{ id: "https://victim.example/u#ed", type: "Multikey", controller: "https://victim.example/u", publicKeyMultibase: "z6Mk" }] })],
  ["an assertionMethod by reference", person({ assertionMethod: [`${ID}#ed`] })],
  ["no security context (JSON-LD drops publicKey)", person({ "@context": [AS] })],
  ["publicKey renamed", person({ "@context": [...MASTODON_CONTEXT, { key: "https://w3id.org/security#publicKey" }], key: { id: `${ID}#k2`, owner: "https://victim.example/u", publicKeyPem: PEM } })],
  ["featured under another name", person({ "@context": [...MASTODON_CONTEXT.slice(0, 2), { ...(MASTODON_CONTEXT[2] as Doc), featured: undefined, pinned: { "@id": "http://joinmastodon.org/ns#featured", "@type": "@id" } }] })],
  ["featured without @id typing", person({ "@context": [AS, SEC, { featured: "http://joinmastodon.org/ns#featured" }] })],
  ["PropertyValue in schema.org's other namespace", person({ "@context": [AS, SEC, { PropertyValue: "http://schema.org/PropertyValue", value: "http://schema.org/value" }] })],
  ["an attachment that is not a PropertyValue", person({ attachment: [{ type: "Link", href: "https://kim.example" }] })],
  ["a field value that is not a string", person({ attachment: [{ type: "PropertyValue", name: "a", value: { "@value": "x" } }] })],
  ["a name map", person({ nameMap: { en: "Kim" } })],
  ["url as a Link", person({ url: { type: "Link", href: "https://social.example/@kim" } })],
  ["url not in its parsed form", person({ url: "https://Social.example/@kim" })],
  ["two urls", person({ url: ["https://social.example/@kim", "https://kim.example"] })],
  ["an icon list", person({ icon: [{ type: "Image", url: "https://files.social.example/a.png" }] })],
  ["an icon that is not an Image", person({ icon: { type: "Document", url: "https://files.social.example/a.png" } })],
  ["an icon by URL", person({ icon: "https://files.social.example/a.png" })],
  ["an embedded inbox", person({ inbox: { id: `${ID}/inbox`, type: "OrderedCollection" } })],
  ["endpoints by reference", person({ endpoints: "https://social.example/endpoints" })],
  ["a Note", person({ type: "Note" })],
  ["two types", person({ type: ["Person", "Service"] })],
  ["an id not in its parsed form", person({ id: "https://Social.example/users/kim" })],
  ["a relative id", person({ id: "/users/kim" })],
  ["a compact-IRI key", person({ "as:name": "evil" })],
  ["Misskey's birthday (a compact-IRI key)", person({ "vcard:bday": "2000-01-01" })],
  ["a bad publish time", person({ published: "2023-02-30T00:00:00Z" })],
  // Fedify drops every string tagged with a language Intl.Locale refuses (review of ADR 0016).
  ["an empty default @language", person({ "@context": [...MASTODON_CONTEXT, { "@language": "" }] })],
  ["a default @language Intl.Locale refuses", person({ "@context": [...MASTODON_CONTEXT, { "@language": "en_US" }] })],
  ["a context URL after the inline object (JSON-LD applies it last)", person({ "@context": [...MASTODON_CONTEXT, "https://w3id.org/security/multikey/v1"] })],
  ["nine unknown side contexts (the checked lists are bounded)", person({ "@context": [AS, SEC, ...Array.from({ length: 9 }, (_, i) => `https://social.example/ctx/${i}`), MASTODON_CONTEXT[2]] })],
  ["an unknown side context with a very long URL", person({ "@context": [AS, SEC, `https://social.example/${"x".repeat(300)}`, MASTODON_CONTEXT[2]] })],
  ["a key of another type", person({ publicKey: { id: `${ID}#main-key`, type: "Multikey", owner: ID, publicKeyPem: PEM } })],
];
// Its `nick` must be mapped onto as:name for the first refusal to mean anything.
REFUSED[0][1]["@context"] = [...MASTODON_CONTEXT, { nick: "as:name" }];

const loader = preloadedContextsOnly();

async function pemOf(key: CryptographicKey): Promise<string> {
  return createPublicKey(await exportSpki(key.publicKey!)).export({ type: "spki", format: "pem" }).toString();
}

async function fedifyReading(doc: Doc): Promise<{ fields: unknown; keys: { id: string; owner: string; pem: string }[] } | null> {
  const object = await ASObject.fromJsonLd(doc, { documentLoader: loader, contextLoader: loader }).catch(() => null);
  if (!object || !isActor(object)) return null;
  const keys = [];
  for await (const k of object.getPublicKeys({ documentLoader: loader, contextLoader: loader, suppressError: true })) {
    keys.push({ id: k.id!.href, owner: k.ownerId!.href, pem: await pemOf(k) });
  }
  return { fields: await asActorToAccountFields(object), keys };
}

/** Drops the keys set to undefined above (JSON has no undefined). */
const json = (doc: Doc): Doc => JSON.parse(JSON.stringify(doc));

test("wherever an actor document is read plainly, its account fields and keys are exactly what Fedify's parse and the mapper make", async () => {
  const readFixtures: string[] = [];
  for (const [why, raw] of [...remoteFixtures(), ...AGREEING]) {
    const doc = json(raw);
    const plain = plainActorDocument(doc);
    if (!plain) continue;
    if (!AGREEING.some(([w]) => w === why)) readFixtures.push(why);
    const fedify = await fedifyReading(doc);
    assert.ok(fedify, `${why}: Fedify reads an actor too`);
    assert.deepEqual(plainActorToAccountFields(plain), fedify.fields, why);
    const keys = plain.publicKeys.map((k) => ({ ...k, pem: createPublicKey(k.pem).export({ type: "spki", format: "pem" }).toString() }));
    assert.deepEqual(keys, fedify.keys, `${why}: the keys`);
  }
  for (const [why, doc] of AGREEING) assert.ok(plainActorDocument(json(doc)), `${why} is read plainly`);
  // Mastodon's Person at least; the README's federation notes name the others.
  assert.ok(readFixtures.includes("mastodon/actor-person.json"), `real actors are read plainly: ${readFixtures.join(", ")}`);
  console.log(`read plainly: ${readFixtures.join(", ")}`);
});

test("where JSON-LD or a value could make Fedify read something else, nothing is read", async () => {
  for (const [why, doc] of REFUSED) assert.equal(plainActorDocument(json(doc)), null, why);
  // The base document of the refused cases is itself read: each refusal is the change's doing.
  assert.ok(plainActorDocument(json(person())));
});
