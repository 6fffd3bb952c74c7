// An actor's document (Person, Service, ...) read from its JSON without JSON-LD, where that
// reading cannot differ from Fedify's: the inbox reads the key of an actor it has not met
// with this (cold-key.ts), and stores the account from it, instead of parsing the document
// as JSON-LD two or three times (13-21 ms of CPU per first activity; bench inbox, cold
// keys, issue 7). Anything this does not accept returns null and takes Fedify's path.
//
// How what JSON-LD could change is ruled out is plain-terms.ts's (the same rules as for a
// Note). What this adds:
// - Keys: `publicKey`, `owner` and `publicKeyPem` must be the security context's terms,
//   each key embedded and owned by the document's own id; `assertionMethod` entries
//   embedded and controlled by it too. So a document this reads lists no key of another
//   actor, which is what key-owners.ts checks every loaded document for.
// - Values Fedify would read as something else are refused: a `url`, `icon` or `inbox`
//   that is an object or a list where one string is read, a language map, a non-Image
//   icon, a non-PropertyValue attachment.
// test/federation/plain-actor-document.test.ts checks, for every remote fixture and a
// set of forged documents, that what this reads is what Fedify's parse and the mapper
// make of them.
import { plainContext } from "./plain-actor.ts";
import { AS, definedTerms, instant, keysPlain, listOf, optionalString, plainUrl, type Terms, type Vocabulary } from "./plain-terms.ts";

const SEC = "https://w3id.org/security#";
const SCHEMA = "http://schema.org#";
const ACTOR_TYPES = new Set(["Person", "Service", "Application", "Group", "Organization"]);

const ACTOR_VOCABULARY: Vocabulary = {
  names: new Set([
    "id", "type", "preferredUsername", "name", "nameMap", "summary", "summaryMap", "url", "inbox", "outbox", "followers",
    "endpoints", "sharedInbox", "icon", "image", "published", "attachment", "href", "Image", "Link", ...ACTOR_TYPES,
  ]),
  extensions: {
    alsoKnownAs: { iri: `${AS}alsoKnownAs`, type: "@id" },
    featured: { iri: "http://joinmastodon.org/ns#featured", type: "@id" },
    PropertyValue: { iri: `${SCHEMA}PropertyValue` },
    value: { iri: `${SCHEMA}value` },
    publicKey: { iri: `${SEC}publicKey`, type: "@id" },
    owner: { iri: `${SEC}owner`, type: "@id" },
    publicKeyPem: { iri: `${SEC}publicKeyPem` },
  },
  inert: ["http://ostatus.org#", "http://joinmastodon.org/ns#", "https://gotosocial.org/ns#", "http://pixelfed.org/ns#", "http://misskey-hub.net/ns#", "https://misskey-hub.net/ns#", "http://litepub.social/ns#"],
  // ActivityStreams properties of an actor the account mapper does not read.
  ignoredAsKeys: new Set(["following", "liked", "streams", "tag", "updated", "manuallyApprovesFollowers", "movedTo", "sensitive"]),
  // Pleroma's and Akkoma's `{"@language": "und"}`: the mapper reads names, summaries,
  // fields and key PEMs as their text (toString), tagged or not.
  defaultLanguage: "ignored",
};

const ACTOR_KEYS = new Set(["@context", "id", "type", "preferredUsername", "name", "summary", "url", "inbox", "outbox", "followers", "endpoints", "icon", "image", "published", "attachment", "alsoKnownAs", "featured", "publicKey", "assertionMethod"]);
const IMAGE_KEYS = new Set(["type", "url", "mediaType", "name", "width", "height"]);
const KEY_KEYS = new Set(["id", "type", "owner", "publicKeyPem"]);
const FIELD_KEYS = new Set(["type", "name", "value"]);
/** Endpoints other than the shared inbox (ActivityStreams' own; none is read). */
const ENDPOINT_KEYS = new Set(["sharedInbox", "oauthAuthorizationEndpoint", "oauthTokenEndpoint", "provideClientKey", "signClientKey", "proxyUrl", "uploadMedia"]);

export interface PlainKey {
  id: string;
  owner: string;
  pem: string;
}

export interface PlainActorDocument {
  id: string;
  /** Person, Service, Application, Group or Organization (Fedify's class name). */
  type: string;
  preferredUsername: string | null;
  name: string | null;
  /** HTML, as received. */
  summary: string | null;
  url: string | null;
  inbox: string | null;
  sharedInbox: string | null;
  followers: string | null;
  outbox: string | null;
  featured: string | null;
  iconUrl: string | null;
  imageUrl: string | null;
  alsoKnownAs: string[];
  /** Profile fields as received (name text, value HTML), in order. */
  fields: { name: string; value: string }[];
  published: string | null;
  /** The RSA (or other PEM) keys it lists, each owned by `id`. */
  publicKeys: PlainKey[];
}

function optionalUrl(v: unknown): string | null | undefined {
  return v === undefined || v === null ? null : (plainUrl(v) ?? undefined);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === "object" && !Array.isArray(v);
}

/** An embedded Image's url; null when absent; undefined when it is anything else. */
function imageUrl(v: unknown, terms: Terms): string | null | undefined {
  if (v === undefined || v === null) return null;
  if (!isObject(v) || v.type !== "Image" || !keysPlain(v, IMAGE_KEYS, terms, ACTOR_VOCABULARY)) return undefined;
  if (v.name !== undefined && v.name !== null && typeof v.name !== "string") return undefined;
  return optionalUrl(v.url);
}

function urlList(v: unknown): string[] | null {
  const out = listOf(v).map(plainUrl);
  return out.every((u): u is string => u !== null) ? out : null;
}

function publicKeys(v: unknown, id: string, terms: Terms): PlainKey[] | null {
  const list = v === undefined ? [] : Array.isArray(v) ? v : [v];
  if (list.length && (terms.get("publicKey") !== `${SEC}publicKey` || terms.get("owner") !== `${SEC}owner` || terms.get("publicKeyPem") !== `${SEC}publicKeyPem`)) return null;
  const out: PlainKey[] = [];
  for (const key of list) {
    if (!isObject(key) || !keysPlain(key, KEY_KEYS, terms, ACTOR_VOCABULARY)) return null;
    if ((key.type !== undefined && key.type !== "Key") || key.owner !== id || typeof key.publicKeyPem !== "string") return null;
    const keyId = plainUrl(key.id);
    if (!keyId) return null;
    out.push({ id: keyId, owner: id, pem: key.publicKeyPem });
  }
  return out;
}

/** Every `assertionMethod` entry embedded and controlled by the actor (none is read: a key of another is refused). */
function assertionMethodsOwned(v: unknown, id: string): boolean {
  const list = v === undefined ? [] : Array.isArray(v) ? v : [v];
  return list.every((m) => isObject(m) && m.controller === id && plainUrl(m.id) !== null && Object.keys(m).every((k) => ["id", "type", "controller", "publicKeyMultibase"].includes(k)));
}

function fieldsOf(v: unknown, terms: Terms): { name: string; value: string }[] | null {
  const list = listOf(v);
  if (list.length && (terms.get("PropertyValue") !== `${SCHEMA}PropertyValue` || terms.get("value") !== `${SCHEMA}value`)) return null;
  const out: { name: string; value: string }[] = [];
  for (const field of list) {
    if (!isObject(field) || field.type !== "PropertyValue" || !keysPlain(field, FIELD_KEYS, terms, ACTOR_VOCABULARY)) return null;
    if (typeof field.name !== "string" || typeof field.value !== "string") return null;
    // A field without a name is skipped, as the mapper skips it from Fedify's parse.
    if (field.name) out.push({ name: field.name, value: field.value });
  }
  return out;
}

function sharedInboxOf(v: unknown, terms: Terms): string | null | undefined {
  if (v === undefined || v === null) return null;
  if (!isObject(v) || !keysPlain(v, ENDPOINT_KEYS, terms, ACTOR_VOCABULARY)) return undefined;
  return optionalUrl(v.sharedInbox);
}

/**
 * The actor document as Fedify's parse and the account mapper would read it, or null
 * when it is outside what is read here. Its id must be an absolute http(s) URL in parsed
 * form; every key it lists must be its own.
 */
export function plainActorDocument(doc: unknown): PlainActorDocument | null {
  if (!isObject(doc)) return null;
  // The same loaded document is read by key-owners.ts's check and then by cold-key.ts.
  let read = readDocuments.get(doc);
  if (read === undefined) readDocuments.set(doc, (read = readActorDocument(doc)));
  return read;
}

/** Readings of loaded documents, while something holds them (documents are not changed once loaded). */
const readDocuments = new WeakMap<object, PlainActorDocument | null>();

function readActorDocument(doc: Record<string, unknown>): PlainActorDocument | null {
  const context = plainContext(doc);
  const terms = context && definedTerms(context, ACTOR_VOCABULARY);
  if (!terms || typeof doc.type !== "string" || !ACTOR_TYPES.has(doc.type) || !keysPlain(doc, ACTOR_KEYS, terms, ACTOR_VOCABULARY)) return null;
  const id = plainUrl(doc.id);
  if (!id) return null;
  const keys = publicKeys(doc.publicKey, id, terms);
  if (!keys || !assertionMethodsOwned(doc.assertionMethod, id)) return null;
  const strings = [doc.preferredUsername, doc.name, doc.summary].map(optionalString);
  const urls = [doc.url, doc.inbox, doc.outbox, doc.followers].map(optionalUrl);
  // Undefined, `featured` is dropped by JSON-LD, as Fedify's parse drops it.
  const featured = terms.get("featured") === ACTOR_VOCABULARY.extensions.featured.iri ? optionalUrl(doc.featured) : null;
  const sharedInbox = sharedInboxOf(doc.endpoints, terms);
  const icon = imageUrl(doc.icon, terms);
  const image = imageUrl(doc.image, terms);
  const alsoKnownAs = urlList(doc.alsoKnownAs);
  const fields = fieldsOf(doc.attachment, terms);
  const published = doc.published === undefined || doc.published === null ? null : instant(doc.published);
  if (strings.includes(undefined) || urls.includes(undefined) || featured === undefined || sharedInbox === undefined) return null;
  if (icon === undefined || image === undefined || !alsoKnownAs || !fields || (doc.published != null && !published)) return null;
  const [preferredUsername, name, summary] = strings as (string | null)[];
  const [url, inbox, outbox, followers] = urls as (string | null)[];
  return {
    id, type: doc.type, preferredUsername, name, summary, url, inbox, sharedInbox, followers, outbox, featured,
    iconUrl: icon, imageUrl: image, alsoKnownAs, fields, published, publicKeys: keys,
  };
}
