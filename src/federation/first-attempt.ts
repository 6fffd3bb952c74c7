// The first attempt of a delivery, made by Weft itself. Fedify's outbox handler spent about
// 2.5 ms of CPU on every delivery of a big fan-out, against about 0.6 ms for a bare signed
// POST (bench, issue 7): it imports both private keys from JWK, reads its circuit breaker
// before and after, reads and writes the server's signature spec, builds and clones web
// Requests to sign, and sends through fetch. A first attempt to a server with nothing
// remembered against it needs none of that, so Weft sends it here: the RSA key imported
// once per process, a draft-cavage signature (what Fedify's first knock sends too,
// builder.ts), one undici request through the same outbound scope (ADR 0006: address
// checks, time limit).
//
// Everything else goes to Fedify's handler, unchanged: retries, held messages, a server
// with circuit-breaker state (failures recorded, or unreachable), one remembered as taking
// RFC 9421, and any first attempt that did not get a 2xx answer, which Fedify then sends
// again and handles as its own (a redirect followed, 404/410 dropped, Retry-After honoured,
// failures counted and retried with backoff). ADR 0010.
import { createHash } from "node:crypto";
import type { KvKey, KvStore } from "@fedify/fedify";
import { request } from "undici";
import { logger } from "../log.ts";
import { firstAttemptOf, type OutboxMessage } from "./outbox-message.ts";

/** The kv prefixes Fedify is built with (builder.ts), so the state read here is its own. */
export const CIRCUIT_PREFIX = ["_fedify", "circuit"] as const;
export const SPEC_PREFIX = ["_fedify", "httpMessageSignaturesSpec"] as const;
export const DRAFT_CAVAGE = "draft-cavage-http-signatures-12";

const log = logger("delivery");

/** A first attempt this module may send: with its inbox and keys, and no extra headers to carry. */
function isSendable(m: Partial<OutboxMessage> | null): m is OutboxMessage {
  return m !== null && typeof m.inbox === "string" && Array.isArray(m.keys) && Object.keys(m.headers ?? {}).length === 0;
}

/** Imported private keys by key id and modulus (a rotated key has another). */
const KEY_CACHE_LIMIT = 1000;
const keyCache = new Map<string, Promise<CryptoKey>>();

function rsaKey(jwk: JsonWebKey, keyId: string): Promise<CryptoKey> {
  const id = `${keyId} ${jwk.n}`;
  let key = keyCache.get(id);
  if (!key) {
    if (keyCache.size >= KEY_CACHE_LIMIT) keyCache.clear();
    key = crypto.subtle.importKey("jwk", jwk, { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, false, ["sign"]);
    key.catch(() => keyCache.delete(id));
    keyCache.set(id, key);
  }
  return key;
}

/** The headers of a draft-cavage signed POST, as Mastodon signs and verifies them. */
async function signedHeaders(inbox: URL, body: string, keyId: string, key: CryptoKey, userAgent: string): Promise<Record<string, string>> {
  const date = new Date().toUTCString();
  const digest = `SHA-256=${createHash("sha256").update(body).digest("base64")}`;
  const contentType = "application/activity+json";
  // (request-target) is the path alone, as Fedify's draft-cavage signer writes it.
  const signed = `(request-target): post ${inbox.pathname}\nhost: ${inbox.host}\ndate: ${date}\ndigest: ${digest}\ncontent-type: ${contentType}`;
  const signature = Buffer.from(await crypto.subtle.sign("RSASSA-PKCS1-v1_5", key, new TextEncoder().encode(signed))).toString("base64");
  return {
    host: inbox.host,
    date,
    digest,
    "content-type": contentType,
    "user-agent": userAgent,
    signature: `keyId="${keyId}",algorithm="rsa-sha256",headers="(request-target) host date digest content-type",signature="${signature}"`,
  };
}

/**
 * Returns a handler that sends a queued delivery itself when it may, and says whether it
 * did: false leaves the message to Fedify.
 */
export function firstAttempts(kv: KvStore, userAgent: string): (message: unknown) => Promise<boolean> {
  return async (message) => {
    const m = firstAttemptOf(message);
    if (!isSendable(m)) return false;
    // Any error here, a database one included, leaves the delivery to Fedify: the job must
    // not fail, since Fedify's own retries are the only ones its messages get.
    try {
      const rsa = m.keys.find((k) => k.privateKey?.kty === "RSA");
      if (!rsa) return false;
      const inbox = new URL(m.inbox);
      const [circuit, spec] = await Promise.all([
        kv.get([...CIRCUIT_PREFIX, inbox.host] as KvKey),
        kv.get([...SPEC_PREFIX, inbox.origin] as KvKey),
      ]);
      // (An older Weft stored a cleared circuit as null.)
      if (circuit != null || (spec !== undefined && spec !== DRAFT_CAVAGE)) return false;
      const body = JSON.stringify(m.activity);
      const headers = await signedHeaders(inbox, body, rsa.keyId, await rsaKey(rsa.privateKey, rsa.keyId), userAgent);
      const res = await request(inbox, { method: "POST", headers, body });
      // The status decides: a body cut short after a 2xx must not send the activity again.
      res.body.dump().catch(() => {});
      if (res.statusCode >= 200 && res.statusCode < 300) {
        log.debug("delivered {activityId} to {inbox}", { activityId: m.activityId, inbox: m.inbox });
        return true;
      }
      log.debug("{inbox} answered {status} to {activityId}; Fedify takes the delivery", { inbox: m.inbox, status: res.statusCode, activityId: m.activityId });
    } catch (error) {
      log.debug("first attempt at {activityId} to {inbox} failed ({error}); Fedify takes the delivery", { activityId: m.activityId, inbox: m.inbox, error: String(error) });
    }
    return false;
  };
}
