// The inbox's shortcut for the common case: a draft-cavage signature (what Mastodon,
// Misskey, GoToSocial and Pleroma send) by a key Weft fetched and checked before. Such an
// activity is verified here and put on the inbox queue in the form Fedify queues it, so
// the queued job runs exactly as if Fedify had taken it in.
//
// Why: for each activity, Fedify's inbox parsed the body as JSON-LD twice, parsed the
// cached key from JSON-LD and imported it through pkijs, and verified on the crypto thread
// pool; under a flood that was most of the time before the 202, and the sender waited
// (ADR 0012). Here the key is imported once per process, the signature checked with one
// synchronous crypto.verify (about 20 µs for RSA-2048; its callback form measured no
// cheaper for the main thread), and nothing is parsed as JSON-LD.
//
// A key Fedify has not cached is read by cold-key.ts, where its actor's document is plain
// (and that document handed to `direct`, which may store the account from it).
//
// Anything else goes to Fedify unchanged: a key cold-key.ts does not read, RFC 9421, Linked
// Data signatures and integrity proofs, `created`/`expires` parameters, several digests,
// a signature that fails here (Fedify then fetches the key again, as after a rotation),
// a key whose owner is not the activity's actor, a document whose JSON-LD could make
// Fedify read another actor (plain-actor.ts), signed header names not in lower case. A
// shortcut never answers 401 itself, so what is refused, and how, stays Fedify's (and
// guard.ts's) decision. The queued message names the actor verified here, and the job
// drops the activity if Fedify's parse reads another (verified-actor.ts).
import { createHash, createPublicKey, timingSafeEqual, verify, type KeyObject } from "node:crypto";
import type { KvKey, KvStore } from "@fedify/fedify";
import { idOf } from "./guard.ts";
import { PUBLIC_KEY_PREFIX, type ColdKey, type ColdKeyReader } from "./cold-key.ts";
import { onKvWrite } from "./kv.ts";
import type { PlainActorDocument } from "./plain-actor-document.ts";
import { plainActor } from "./plain-actor.ts";
import { VERIFIED_ACTOR_FIELD } from "./verified-actor.ts";

/** Fedify's default signature time window for draft-cavage `Date`. */
const TIME_WINDOW_MS = 3600_000;
/** Imported keys kept per process; the oldest goes first. */
const MAX_KEYS = 10_000;
/**
 * How long a key read from the kv store is used before it is read again. Writes by this
 * process's kv store drop a key at once (onKvWrite), and a signature that fails with it
 * has it read again, so the window only matters for a key that another Weft process (a
 * second `weft serve`) replaced or dropped: the old key still verifies here for at most
 * this long. Under a flood, reading it for every activity cost 34-38 µs of SQLite time
 * each, beside the JSON parse of the stored key (bench inbox, issue 7).
 */
const KEY_FRESH_MS = 5_000;

export interface InboxMessage {
  type: "inbox";
  id: string;
  baseUrl: string;
  activity: Record<string, unknown>;
  identifier: string | null;
  attempt: 0;
  started: string;
  traceContext: Record<string, string>;
  /** Weft's own field (Fedify ignores it): the actor whose key signed (verified-actor.ts). */
  [VERIFIED_ACTOR_FIELD]: string;
}

export interface InboxPost {
  /** The request target's path, e.g. /ap/inbox. */
  path: string;
  headers: Headers;
  body: Uint8Array;
  /** The body parsed as a JSON object. */
  doc: Record<string, unknown>;
  /** The local account of a personal inbox; null for the shared inbox. */
  recipient: string | null;
}

/**
 * Handles a verified activity at once; false (or a throw) queues it instead. `fetched` is
 * the actor's document when its key was just read by cold-key.ts (the account may be
 * stored from it).
 */
export type DirectHandler = (activity: Record<string, unknown>, actor: string, fetched?: PlainActorDocument) => Promise<boolean>;

interface ImportedKey {
  pem: string;
  owner: string;
  key: KeyObject;
  /** When the kv store last gave this key (Date.now()); -Infinity once it must be read again. */
  readAt: number;
}

/** A verified activity as queued, and the actor's document when cold-key.ts just read it (see DirectHandler). */
interface Verified {
  message: InboxMessage;
  fetched?: PlainActorDocument;
}

/** A key, and cold-key.ts's read when the key was fetched for this very request. */
interface KeyRead {
  key: ImportedKey;
  cold?: ColdKey;
}

/** The Signature header's parameters, read as Fedify reads them. */
export function signatureParams(header: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of header.split(",")) {
    const m = /^\s*([A-Za-z]+)=(?:"([^"]*)"|(\d+))\s*$/.exec(pair);
    if (m) out[m[1]] = m[2] ?? m[3];
  }
  return out;
}

const SEC = "https://w3id.org/security#";

/** The first `@value` or `@id` of an expanded JSON-LD property. */
function expanded(node: Record<string, unknown>, property: string, key: "@value" | "@id"): unknown {
  const first = (node[property] as unknown[] | undefined)?.[0];
  return first && typeof first === "object" ? (first as Record<string, unknown>)[key] : undefined;
}

/**
 * Id, owner and PEM of a key as Fedify's key cache stores it: expanded JSON-LD (Fedify
 * 2.3) or, should a later Fedify store it compacted, the compact form. Anything else
 * (a Multikey, a negative entry) is null.
 */
export function cachedKeyFields(value: unknown): { id: string; owner: string; pem: string } | null {
  if (!value || typeof value !== "object" || Array.isArray(value)) return null;
  const v = value as Record<string, unknown>;
  const id = v["@id"] ?? v.id;
  const owner = expanded(v, `${SEC}owner`, "@id") ?? idOf(v.owner);
  const pem = expanded(v, `${SEC}publicKeyPem`, "@value") ?? v.publicKeyPem;
  return typeof id === "string" && typeof owner === "string" && typeof pem === "string" ? { id, owner, pem } : null;
}


export class KnownKeyInbox {
  readonly #kv: KvStore;
  readonly #origin: string;
  readonly #host: string;
  readonly #enqueue: (message: InboxMessage) => Promise<void>;
  readonly #keys = new Map<string, ImportedKey>();
  readonly #coldKey: ColdKeyReader | null;

  constructor(kv: KvStore, origin: string, enqueue: (message: InboxMessage) => Promise<void>, coldKey: ColdKeyReader | null = null) {
    this.#kv = kv;
    this.#origin = origin;
    this.#host = new URL(origin).host;
    this.#enqueue = enqueue;
    this.#coldKey = coldKey;
    onKvWrite(this.#forgetWritten);
  }

  /** Held here, since onKvWrite holds it weakly: an inbox no longer used is not kept alive. */
  readonly #forgetWritten = (key: KvKey): void => {
    if (key.length === 3 && key[0] === PUBLIC_KEY_PREFIX[0] && key[1] === PUBLIC_KEY_PREFIX[1]) this.#keys.delete(key[2]);
  };

  /**
   * Takes the activity when it verified here, and returns true: `direct` may store it at
   * once (inbox/direct-create.ts); otherwise, or if that fails, it is queued. False leaves
   * it to Fedify, also when anything here throws (a malformed header, say). A failure to
   * queue is not a reason to try Fedify: it throws.
   */
  async accept(post: InboxPost, direct?: DirectHandler, now = Date.now()): Promise<boolean> {
    let verified: Verified | null;
    try {
      verified = await this.#verified(post, now);
    } catch {
      return false;
    }
    if (!verified) return false;
    const { message, fetched } = verified;
    if (direct && (await direct(message.activity, message[VERIFIED_ACTOR_FIELD], fetched).catch(() => false))) return true;
    await this.#enqueue(message);
    return true;
  }

  async #verified(post: InboxPost, now: number): Promise<Verified | null> {
    const { headers, doc } = post;
    const header = headers.get("signature");
    if (!header || headers.has("signature-input") || "signature" in doc || "proof" in doc) return null;
    const params = signatureParams(header);
    if (!params.keyId || !params.headers || !params.signature || "created" in params || "expires" in params) return null;
    const signed = params.headers.split(/\s+/g);
    // Lower-case header names only, as senders write them: Fedify builds the signing
    // string from the names as written and reads `host` (only spelled so) from the
    // canonical request, so `Host` would have let the sender's own Host header be signed.
    if (!signed.every((name) => name === "(request-target)" || /^[a-z0-9-]+$/.test(name))) return null;
    if (!signed.includes("(request-target)") || !signed.includes("date") || !signed.includes("digest")) return null;
    const date = Date.parse(headers.get("date") ?? "");
    if (!(Math.abs(now - date) <= TIME_WINDOW_MS)) return null;
    if (!this.#digestMatches(headers.get("digest"), post.body)) return null;
    const actor = plainActor(doc);
    if (typeof doc.id !== "string" || !actor) return null;

    const read = await this.#key(params.keyId, post.recipient);
    const key = read?.key;
    if (!key || key.owner !== actor) return null;
    const lines: string[] = [];
    for (const name of signed) {
      if (name === "(request-target)") lines.push(`(request-target): post ${post.path}`);
      else if (name === "host") lines.push(`host: ${this.#host}`);
      else {
        const value = headers.get(name);
        if (value === null) return null;
        lines.push(`${name}: ${value}`);
      }
    }
    if (!verify("sha256", Buffer.from(lines.join("\n")), key.key, Buffer.from(params.signature, "base64"))) {
      // Perhaps signed by a key that replaced this one: read the kv store again next time.
      key.readAt = -Infinity;
      return null;
    }
    const message: InboxMessage = {
      type: "inbox",
      id: crypto.randomUUID(),
      baseUrl: this.#origin,
      activity: doc,
      identifier: post.recipient,
      attempt: 0,
      started: new Date(now).toISOString(),
      traceContext: {},
      [VERIFIED_ACTOR_FIELD]: actor,
    };
    // Only with a verified signature, and never kept: a later activity finds the account
    // stored (or, if storing failed, has it fetched anew). Requests of one sender arriving
    // together share the read: the first verified takes the document (one account write).
    const fetched = read.cold?.actor;
    if (read.cold) read.cold.actor = undefined;
    return { message, fetched };
  }

  /** One SHA-256 digest that matches the body; anything else is Fedify's to judge. */
  #digestMatches(digest: string | null, body: Uint8Array): boolean {
    const m = digest && /^\s*sha-256=([A-Za-z0-9+/]+={0,2})\s*$/i.exec(digest);
    if (!m) return false;
    const expected = Buffer.from(m[1], "base64");
    const actual = createHash("sha256").update(body).digest();
    return expected.length === actual.length && timingSafeEqual(expected, actual);
  }

  /**
   * The RSA key Fedify cached for `keyId` (fetched through Weft's loaders, so its owner
   * lists it: key-owners.ts), imported once while the cached PEM stays the same. Read from
   * the kv store again after KEY_FRESH_MS, and at once after this process replaced or
   * dropped it.
   */
  async #key(keyId: string, recipient: string | null): Promise<KeyRead | null> {
    const now = Date.now();
    let href: string;
    try {
      href = new URL(keyId).href;
    } catch {
      return null;
    }
    const known = this.#keys.get(href);
    if (known && now - known.readAt < KEY_FRESH_MS) return { key: known };
    const value = await this.#kv.get([...PUBLIC_KEY_PREFIX, href]);
    // Nothing cached (a null is Fedify's record of a key it could not get: its to judge).
    if (value === undefined && this.#coldKey) {
      const cold = await this.#coldKey(href, recipient);
      return cold && { key: this.#remember(href, cold), cold };
    }
    const cached = cachedKeyFields(value);
    if (!cached || cached.id !== href) {
      this.#keys.delete(href);
      return null;
    }
    const { pem, owner } = cached;
    if (known && known.pem === pem && known.owner === owner) {
      known.readAt = now;
      return { key: known };
    }
    let key: KeyObject;
    try {
      key = createPublicKey(pem);
    } catch {
      return null;
    }
    if (key.asymmetricKeyType !== "rsa") return null;
    return { key: this.#remember(href, { pem, owner, key }) };
  }

  #remember(href: string, read: Omit<ImportedKey, "readAt">): ImportedKey {
    const imported = { pem: read.pem, owner: read.owner, key: read.key, readAt: Date.now() };
    this.#keys.delete(href);
    this.#keys.set(href, imported);
    if (this.#keys.size > MAX_KEYS) this.#keys.delete(this.#keys.keys().next().value!);
    return imported;
  }
}
