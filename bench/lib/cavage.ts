// draft-cavage HTTP signatures (rsa-sha256 over (request-target), host, date, digest), the
// scheme Mastodon sends and every fediverse server verifies. Written out with node:crypto's
// synchronous sign/verify so the bench can pre-sign thousands of requests quickly and the
// bare ceilings (bare-inbox.ts, bare-fanout.ts) verify and sign with nothing but Node.
import { createHash, createPublicKey, sign, verify, type KeyObject } from "node:crypto";

export const SIGNED_HEADERS = "(request-target) host date digest";

export function digestOf(body: string | Buffer): string {
  return `SHA-256=${createHash("sha256").update(body).digest("base64")}`;
}

function signingString(method: string, path: string, host: string, date: string, digest: string): string {
  return `(request-target): ${method.toLowerCase()} ${path}\nhost: ${host}\ndate: ${date}\ndigest: ${digest}`;
}

/** The headers of a signed POST of `body` to `url`. */
export function signPost(url: URL, body: string, keyId: string, privateKey: KeyObject, date = new Date()): Record<string, string> {
  const digest = digestOf(body);
  const dateStr = date.toUTCString();
  const path = url.pathname + url.search;
  const signature = sign("sha256", Buffer.from(signingString("post", path, url.host, dateStr, digest)), privateKey).toString("base64");
  return {
    host: url.host,
    date: dateStr,
    digest,
    "content-type": "application/activity+json",
    signature: `keyId="${keyId}",algorithm="rsa-sha256",headers="${SIGNED_HEADERS}",signature="${signature}"`,
  };
}

/** The headers of a signed GET of `url` (draft-cavage over (request-target), host and date, as Fedify signs its fetches). */
export function signGet(url: URL, keyId: string, privateKey: KeyObject, date = new Date()): Record<string, string> {
  const dateStr = date.toUTCString();
  const text = `(request-target): get ${url.pathname + url.search}\nhost: ${url.host}\ndate: ${dateStr}`;
  const signature = sign("sha256", Buffer.from(text), privateKey).toString("base64");
  return { host: url.host, date: dateStr, accept: "application/activity+json", signature: `keyId="${keyId}",algorithm="rsa-sha256",headers="(request-target) host date",signature="${signature}"` };
}

export interface SignatureParams {
  keyId: string;
  headers: string;
  signature: string;
}

export function parseSignature(header: string): SignatureParams | null {
  const out: Record<string, string> = {};
  for (const m of header.matchAll(/(\w+)="([^"]*)"/g)) out[m[1]] = m[2];
  return out.keyId && out.signature && out.headers ? { keyId: out.keyId, headers: out.headers, signature: out.signature } : null;
}

/**
 * Checks a POST's digest and signature against an already-known public key. Returns why it
 * fails, or null when it verifies.
 */
export function verifyPost(
  method: string,
  path: string,
  headers: Record<string, string | string[] | undefined>,
  body: Buffer,
  keyFor: (keyId: string) => KeyObject | undefined,
): string | null {
  const h = (name: string) => String(headers[name] ?? "");
  if (h("digest") !== digestOf(body)) return "digest mismatch";
  const sig = parseSignature(h("signature"));
  if (!sig) return "no signature";
  if (sig.headers !== SIGNED_HEADERS) return "unexpected signed headers";
  const key = keyFor(sig.keyId);
  if (!key) return "unknown key";
  const text = signingString(method, path, h("host"), h("date"), h("digest"));
  return verify("sha256", Buffer.from(text), key, Buffer.from(sig.signature, "base64")) ? null : "bad signature";
}

export function publicKeyFromPem(pem: string): KeyObject {
  return createPublicKey(pem);
}
