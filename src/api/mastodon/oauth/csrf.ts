// The authorize form's own CSRF defence (signed double submit): the form carries
// nonce.expiry.hmac, signed with the site secret, and a cookie carries the nonce. A forged
// cross-site POST has neither a valid signature nor the cookie. Kept here, not shared with
// the web UI's session CSRF, so the OAuth flow works before and without a web session.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

export const CSRF_COOKIE = "weft_oauth_csrf";
const TTL_MS = 60 * 60 * 1000;

function sign(secret: Buffer, nonce: string, exp: number): string {
  return createHmac("sha256", secret).update(`oauth-authorize:${nonce}:${exp}`).digest("base64url");
}

export function newCsrf(secret: Buffer, nonce = randomBytes(16).toString("base64url"), now = Date.now()): { nonce: string; token: string } {
  const exp = now + TTL_MS;
  return { nonce, token: `${nonce}.${exp}.${sign(secret, nonce, exp)}` };
}

export function checkCsrf(secret: Buffer, token: string | undefined, cookieNonce: string | undefined, now = Date.now()): boolean {
  if (!token || !cookieNonce) return false;
  const [nonce, expRaw, mac] = token.split(".");
  const exp = Number(expRaw);
  if (!nonce || !mac || !Number.isFinite(exp) || exp < now || nonce !== cookieNonce) return false;
  const want = Buffer.from(sign(secret, nonce, exp));
  const got = Buffer.from(mac);
  return want.length === got.length && timingSafeEqual(want, got);
}
