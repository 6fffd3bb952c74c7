// Key ownership, checked where keys are loaded. Fedify's doesActorOwnKey trusts a key's
// `owner` as soon as it equals the activity's actor; it never asks whether that actor
// lists the key. So an actor document on evil.example listing a key "owned by" a victim
// on another server let evil.example sign activities as the victim (SECURITY-CASES 8;
// Mastodon's FetchRemoteKeyService#confirmed_owner?). Every document Fedify loads goes
// through this guard: an actor listing a key owned by someone else is refused, and a bare
// key document is taken only if its owner's actor document lists it. A document a
// redirect brought from another origin must have its id there. The same wrapper puts an
// overall timeout on every fetch.
import { CryptographicKey, isActor, Multikey, Object as ASObject } from "@fedify/vocab";
import type { DocumentLoader, GetUserAgentOptions, RemoteDocument } from "@fedify/vocab-runtime";
import { kvCache, type Federation, type KvStore } from "@fedify/fedify";
import type { Dispatcher } from "undici";
import { contextDocument } from "./server-contexts.ts";
import { weftDocumentLoader } from "./loader.ts";
import { plainActorDocument } from "./plain-actor-document.ts";

const KEY_PROPS = ["publicKey", "assertionMethod", "https://w3id.org/security#publicKey", "https://w3id.org/security#assertionMethod"];

function mayHoldKeys(doc: unknown): doc is Record<string, unknown> {
  // Cheap pre-filter on the raw JSON: only actors and bare keys need parsing.
  if (!doc || typeof doc !== "object" || Array.isArray(doc)) return false;
  const d = doc as Record<string, unknown>;
  return KEY_PROPS.some((p) => p in d) || "owner" in d || "controller" in d || "publicKeyPem" in d || "publicKeyMultibase" in d || "@graph" in d;
}

async function parseKey(doc: unknown, contextLoader: DocumentLoader): Promise<CryptographicKey | Multikey | null> {
  for (const cls of [CryptographicKey, Multikey]) {
    const key = await cls.fromJsonLd(doc, { documentLoader: contextLoader, contextLoader }).catch(() => null);
    if (key) return key;
  }
  return null;
}

/** Throws when `doc` lists or is a key whose claimed owner does not list it. */
async function confirmOwners(doc: unknown, url: string, load: DocumentLoader, contextLoader: DocumentLoader): Promise<void> {
  if (!mayHoldKeys(doc)) return;
  // An actor read plainly lists only keys it owns (plain-actor-document.ts refuses any
  // other), and JSON-LD reads no more keys in it: no parse needed.
  if (plainActorDocument(doc)) return;
  const object = await ASObject.fromJsonLd(doc, { documentLoader: contextLoader, contextLoader }).catch(() => null);
  if (object && isActor(object)) {
    const keys = [...(await Array.fromAsync(object.getPublicKeys({ suppressError: true }))), ...(await Array.fromAsync(object.getAssertionMethods({ suppressError: true })))];
    for (const k of keys) {
      const owner = k instanceof CryptographicKey ? k.ownerId : k.controllerId;
      if (owner && owner.href !== object.id?.href) throw new Error(`${url} lists a key owned by ${owner.href}`);
    }
    return;
  }
  if (object && object.constructor !== ASObject) return;
  const key = await parseKey(doc, contextLoader);
  if (!key?.id) return;
  const owner = key instanceof CryptographicKey ? key.ownerId : key.controllerId;
  if (!owner || owner.href === key.id.href) return;
  const ownerDoc = await load(owner.href);
  const actor = await ASObject.fromJsonLd(ownerDoc.document, { documentLoader: contextLoader, contextLoader }).catch(() => null);
  const listed = actor && isActor(actor) ? [...actor.publicKeyIds, ...actor.assertionMethodIds].some((u) => u.href === key.id!.href) : false;
  if (!listed || actor?.id?.href !== owner.href) throw new Error(`${owner.href} does not list the key ${key.id.href}`);
}

/**
 * Throws unless a document that a redirect brought from another origin has its id on the
 * origin that served it. Fedify takes a key from whatever document its keyId's URL ends
 * at, and a key's owner only has to equal the activity's actor: through an open redirect
 * on a victim's server (`/go?to=<any URL>`), a document on evil.example claiming the
 * victim's id and listing evil's key signed as the victim (Mastodon CVE-2024-23832). The
 * id is the one JSON-LD reads (a context can alias `@id`), and a key without one is
 * refused too (Fedify takes an id-less key for whatever keyId fetched it).
 */
async function confirmServedByIdOrigin(doc: RemoteDocument, url: string, contextLoader: DocumentLoader): Promise<void> {
  const servedBy = new URL(doc.documentUrl).origin;
  if (servedBy === new URL(url).origin) return;
  // A relative id is resolved against the URL that served it, as Fedify's lookups do.
  const object = await ASObject.fromJsonLd(doc.document, { documentLoader: contextLoader, contextLoader, baseUrl: new URL(doc.documentUrl) }).catch(() => null);
  const id = object?.id ?? (await parseKey(doc.document, contextLoader))?.id;
  if (id?.origin !== servedBy) throw new Error(`${url} redirected to ${servedBy}, which cannot speak for ${id?.href ?? "a document without id"}`);
}

/**
 * Fedify's fetches have no overall timeout: a server that trickles a byte a second holds
 * an inbox request (key fetch) or a worker job for as long as it likes (SECURITY-CASES
 * 46). Every document load gets one, body included (the signal aborts the body read):
 * config.fetchTimeoutMs (WEFT_FETCH_TIMEOUT_MS).
 */
export function guardKeyOwners(loader: DocumentLoader, contextLoader: DocumentLoader, timeoutMs: number): DocumentLoader {
  const guarded: DocumentLoader = async (url, options) => {
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = options?.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    const doc: RemoteDocument = await loader(url, { ...options, signal });
    await confirmServedByIdOrigin(doc, url, contextLoader);
    await confirmOwners(doc.document, url, guarded, contextLoader);
    return doc;
  };
  return guarded;
}

/**
 * JSON-LD contexts are never fetched: an `@context` URL on the sender's server was
 * fetched (SECURITY-CASES 15), a request the sender controls and a document that can
 * redefine terms. Fedify's preloaded contexts are read as they are, a few servers' own
 * (LitePub's, Mbin's) as Weft's copies, anything else as empty (server-contexts.ts).
 */
export function preloadedContextsOnly(): DocumentLoader {
  return async (url) => ({ contextUrl: null, documentUrl: url, document: contextDocument(url).document });
}

/**
 * Replaces the document loaders of a built Federation with Weft's (loader.ts: ActivityPub
 * content types only, the guarded dispatcher), each behind the key owner guard and the
 * timeout. Fedify refuses custom loader factories together with
 * `allowPrivateAddress`/`userAgent`, so the factories are set on the instance
 * (FederationImpl reads them at call time). Plain loads keep Fedify's KV cache.
 */
export function installLoaders<T>(federation: Federation<T>, opts: { kv: KvStore; timeoutMs: number; allowPrivateAddress: boolean; dispatcher: Dispatcher | null; userAgent: GetUserAgentOptions }): void {
  const f = federation as unknown as {
    documentLoaderFactory: (o?: { userAgent?: GetUserAgentOptions | string }) => DocumentLoader;
    authenticatedDocumentLoaderFactory: (identity: { keyId: URL; privateKey: CryptoKey }, o?: { userAgent?: GetUserAgentOptions | string }) => DocumentLoader;
    contextLoaderFactory: () => DocumentLoader;
  };
  if (typeof f.documentLoaderFactory !== "function" || typeof f.authenticatedDocumentLoaderFactory !== "function") {
    throw new Error("Fedify internals changed: cannot install Weft's document loaders");
  }
  f.contextLoaderFactory = () => preloadedContextsOnly();
  const contextLoader = f.contextLoaderFactory();
  const base = { allowPrivateAddress: opts.allowPrivateAddress, dispatcher: opts.dispatcher };
  // Fedify asks for a loader with every context it makes, several per inbox job; each
  // new kvCache compiled a URLPattern. The loaders hold no per-request state, so one is
  // kept per user agent (and signing key).
  const loaders = new BoundedMap<DocumentLoader>(1000);
  f.documentLoaderFactory = (o) =>
    loaders.get(`plain ${JSON.stringify(o?.userAgent ?? null)}`, () =>
      guardKeyOwners(kvCache({ loader: weftDocumentLoader({ ...base, userAgent: o?.userAgent ?? opts.userAgent }), kv: opts.kv, prefix: ["_fedify", "remoteDocument"] }), contextLoader, opts.timeoutMs),
    );
  const recent = new RecentDocuments();
  f.authenticatedDocumentLoaderFactory = (identity, o) =>
    loaders.get(`signed ${identity.keyId.href} ${JSON.stringify(o?.userAgent ?? null)}`, () =>
      guardKeyOwners(recent.around(identity.keyId.href, weftDocumentLoader({ ...base, userAgent: o?.userAgent ?? opts.userAgent, identity })), contextLoader, opts.timeoutMs),
    );
}

/** Values made on first use and kept, the oldest dropped past `max`. */
class BoundedMap<V> {
  readonly #max: number;
  readonly #values = new Map<string, V>();
  constructor(max: number) {
    this.#max = max;
  }
  get(key: string, make: () => V): V {
    let value = this.#values.get(key);
    if (value === undefined) {
      value = make();
      this.#values.set(key, value);
      if (this.#values.size > this.#max) this.#values.delete(this.#values.keys().next().value!);
    }
    return value;
  }
}

/**
 * Actor documents loaded for a key in the last few seconds, per signing key, in memory,
 * handed to the next load of the same document without its fragment. An unknown actor's
 * first activity had its document fetched twice within milliseconds, both signed by the
 * instance actor: once for the key (`.../users/a#main-key`, inbox verification), once as
 * the sender (`.../users/a`, the queued job); each signed GET is an RSA signature, a
 * round trip and a parse.
 *
 * Only a key's load is kept, and it is only handed to a load without a fragment: a key
 * fetched again (Fedify refetches after a failed verification, as after a rotation) always
 * goes to the network, and a lookup that wants the actor fresh (a Move's target) gets a
 * copy only when that actor's key was fetched in the same few seconds. Kept per signing
 * key, never in the shared kv cache: a signed answer may be meant for Weft alone. The
 * copy's load ran under the first caller's abort signal; a load that failed is dropped.
 */
export class RecentDocuments {
  static readonly TTL_MS = 10_000;
  /**
   * Enough for a flood of unknown senders, whose jobs run behind their keys' fetches (64
   * lost a third of them in the bench's cold phase). Documents over MAX_CHARS (the loader
   * takes up to 1 MB) are not kept, so this holds 32 MiB of text at most.
   */
  static readonly MAX = 500;
  static readonly MAX_CHARS = 65_536;
  readonly #docs = new Map<string, { at: number; doc: Promise<RemoteDocument> }>();

  around(signer: string, loader: DocumentLoader): DocumentLoader {
    return (url, options) => {
      const hash = url.indexOf("#");
      const now = Date.now();
      if (hash < 0) {
        const hit = this.#docs.get(`${signer} ${url}`);
        return hit && now - hit.at < RecentDocuments.TTL_MS ? hit.doc : loader(url, options);
      }
      const key = `${signer} ${url.slice(0, hash)}`;
      const doc = loader(url, options);
      this.#docs.delete(key);
      this.#docs.set(key, { at: now, doc });
      const drop = () => this.#docs.get(key)?.doc === doc && this.#docs.delete(key);
      doc.then((d) => JSON.stringify(d.document).length > RecentDocuments.MAX_CHARS && drop(), drop);
      // Oldest first (insertion order): expired ones go at once, and never more than MAX.
      for (const [k, v] of this.#docs) {
        if (this.#docs.size <= RecentDocuments.MAX && now - v.at < RecentDocuments.TTL_MS) break;
        this.#docs.delete(k);
      }
      return doc;
    };
  }
}
