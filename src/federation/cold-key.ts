// The key of a sender Weft has not met, read without JSON-LD. known-key-inbox.ts asks this
// when Fedify's key cache has nothing for a signature's keyId: the key's document is
// fetched through Weft's loaders (signed, ActivityPub content types only, the guarded
// dispatcher, the timeout, key-owners.ts's check), read by plain-actor-document.ts, and
// the key written to Fedify's key cache in the form Fedify writes it, so Fedify's own
// paths and every other Weft process find it there.
//
// Why: Fedify fetched such a key by parsing the actor's document as JSON-LD (once in
// key-owners.ts's check, again for the key), imported it through pkijs, then parsed the
// activity twice and the actor again in the job: 13-21 ms of CPU for a sender's first
// activity, 0.02 of the bare ceiling (bench inbox, cold keys, issue 7). A document read
// here also hands its account to the direct path (inbox/direct-create.ts).
//
// Only the plain case is taken: the document on the keyId's own origin (after
// redirects), an actor whose every key is its own, listing a key whose id is the keyId
// exactly, an RSA public key. A document that is not plain is judged by Fedify's own
// fetchKey, handed the loaded document, and returns null: Fedify's path then finds that
// verdict in its cache. A fetch that fails is recorded as Fedify records it. Either way
// Fedify's path does not fetch the document a second time.
import { createPublicKey, type KeyObject } from "node:crypto";
import { fetchKey, type KeyCache, type KvStore } from "@fedify/fedify";
import { CryptographicKey } from "@fedify/vocab";
import type { DocumentLoader, RemoteDocument } from "@fedify/vocab-runtime";
import { preloadedContextsOnly } from "./key-owners.ts";
import { plainActorDocument, type PlainActorDocument } from "./plain-actor-document.ts";
import { Temporal } from "./temporal.ts";

/** Fedify's key cache in the kv store (its default `kvPrefixes.publicKey`). */
export const PUBLIC_KEY_PREFIX = ["_fedify", "publicKey"] as const;

export interface ColdKey {
  pem: string;
  owner: string;
  key: KeyObject;
  /**
   * The owner's document, read plainly, when it was fetched at its own id: the direct path
   * may store the account from it. A key served at a URL of its own (GoToSocial's
   * `/main-key`, a minimal actor without inbox or profile) leaves the account to Fedify's
   * path, which fetches the actor at its id (SECURITY-CASES 32).
   */
  actor?: PlainActorDocument;
}

/** Reads the key `keyId` names; `recipient` picks whose signature the fetch carries (null: the instance actor's). */
export type ColdKeyReader = (keyId: string, recipient: string | null) => Promise<ColdKey | null>;

/** The value Fedify's KvKeyCache writes for a CryptographicKey (`key.toJsonLd()`), which it reads back. */
function fedifyCachedKey(id: string, owner: string, pem: string): Record<string, unknown> {
  return { owner, publicKeyPem: pem, type: "CryptographicKey", id, "@context": "https://w3id.org/security/v1" };
}

export function coldKeyReader(kv: KvStore, loaderFor: (recipient: string | null) => Promise<DocumentLoader>): ColdKeyReader {
  // A new sender's activities often come together: one fetch for all of them.
  const reading = new Map<string, Promise<ColdKey | null>>();
  return (keyId, recipient) => {
    let read = reading.get(keyId);
    if (!read) {
      read = readKey(kv, keyId, () => loaderFor(recipient))
        .catch(() => null)
        .finally(() => reading.delete(keyId));
      reading.set(keyId, read);
    }
    return read;
  };
}

/** Fedify's KvKeyCache default for a key it could not get (`unavailableKeyTtl`). */
const UNAVAILABLE_TTL = Temporal.Duration.from({ minutes: 10 });
/**
 * One public key PEM block and nothing else, as Fedify's importPem takes it
 * (createPublicKey also takes a private key, a certificate, or a block after the first).
 */
const PUBLIC_PEM = /^\s*-----BEGIN (RSA )?PUBLIC KEY-----[A-Za-z0-9+/=\s]+-----END \1PUBLIC KEY-----\s*$/;

async function readKey(kv: KvStore, keyId: string, loader: () => Promise<DocumentLoader>): Promise<ColdKey | null> {
  const origin = new URL(keyId).origin;
  // Outside the try: a local failure (the signing key's database read) is no reason to
  // record the remote key as unavailable.
  const load = await loader();
  let loaded: RemoteDocument;
  try {
    loaded = await load(keyId);
  } catch {
    // Recorded as Fedify records a key it could not fetch, so that its path, which takes
    // the request next, answers at once instead of fetching it a second time.
    await kv.set([...PUBLIC_KEY_PREFIX, keyId], null, { ttl: UNAVAILABLE_TTL });
    return null;
  }
  const plain = plainKey(keyId, origin, loaded);
  if (!plain) {
    await judgedByFedify(kv, keyId, loaded, load);
    return null;
  }
  const { actor, pem, key, fetchedAt } = plain;
  // The PEM as published (Fedify imports it the same), not exported again: that took 80 µs.
  await kv.set([...PUBLIC_KEY_PREFIX, keyId], fedifyCachedKey(keyId, actor.id, pem));
  return { pem, owner: actor.id, key, actor: fetchedAt === actor.id ? actor : undefined };
}

/** The key as read here without JSON-LD, or null where the document is outside that reading. */
function plainKey(keyId: string, origin: string, loaded: RemoteDocument): { actor: PlainActorDocument; pem: string; key: KeyObject; fetchedAt: string } | null {
  const fetchedAt = withoutFragment(loaded.documentUrl);
  if (new URL(fetchedAt).origin !== origin) return null;
  const actor = plainActorDocument(loaded.document);
  if (!actor || new URL(actor.id).origin !== origin) return null;
  const listed = actor.publicKeys.find((k) => k.id === keyId);
  if (!listed || !PUBLIC_PEM.test(listed.pem)) return null;
  const key = createPublicKey(listed.pem);
  return key.asymmetricKeyType === "rsa" ? { actor, pem: listed.pem, key, fetchedAt } : null;
}

/**
 * A document outside the plain reading (Misskey's, Pleroma's, Lemmy's actors) is judged by
 * Fedify's own fetchKey, handed the document already loaded, and its verdict cached as
 * Fedify's key cache caches it. Fedify's path, which takes the request next, then finds
 * the key (or its `null`) there instead of fetching the same document a second time.
 */
async function judgedByFedify(kv: KvStore, keyId: string, loaded: RemoteDocument, load: DocumentLoader): Promise<void> {
  const id = new URL(keyId).href;
  const contextLoader = preloadedContextsOnly();
  const handOff: DocumentLoader = (url, options) => (url === id ? Promise.resolve(loaded) : load(url, options));
  // Fedify's KvKeyCache writes the same (key.toJsonLd(), or null for UNAVAILABLE_TTL).
  const keyCache: KeyCache = {
    get: async () => undefined,
    set: async (url, key) => {
      if (key === null) await kv.set([...PUBLIC_KEY_PREFIX, url.href], null, { ttl: UNAVAILABLE_TTL });
      else await kv.set([...PUBLIC_KEY_PREFIX, url.href], await key.toJsonLd({ contextLoader }));
    },
  };
  await fetchKey(id, CryptographicKey, { documentLoader: handOff, contextLoader, keyCache });
}

function withoutFragment(url: string): string {
  const u = new URL(url);
  u.hash = "";
  return u.href;
}
