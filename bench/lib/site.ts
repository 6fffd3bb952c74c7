// The URLs the workloads read and how a bench client logs in. One place to change when the
// web UI moves a route.
import { randomBytes } from "node:crypto";
import type { Db } from "../../src/db/kysely.ts";
import { hashToken, SESSION_COOKIE } from "../../src/web/auth/session.ts";

export const PAGES = {
  following: () => "/",
  profile: (username: string) => `/@${username}`,
  post: (username: string, postId: string) => `/@${username}/posts/${postId}`,
} as const;

/** The Mastodon-compatible client API. */
export const API = {
  homeTimeline: () => "/api/v1/timelines/home",
} as const;

/** ActivityPub and WebFinger URLs (src/federation/uris.ts). */
export const FEDERATION = {
  webfinger: (username: string, host: string) => `/.well-known/webfinger?resource=${encodeURIComponent(`acct:${username}@${host}`)}`,
  actor: (accountId: string) => `/ap/users/${accountId}`,
  note: (postId: string) => `/ap/posts/${postId}`,
} as const;

/**
 * Logs `accountId` in the way the web UI's own login does at its end: a sessions row
 * keyed by the sha256 of a random token, the token in the session cookie. Going through
 * the login form instead would spend a scrypt hash per viewer for nothing measured.
 */
export async function sessionCookie(db: Db, accountId: string): Promise<string> {
  const token = randomBytes(32).toString("base64url");
  const now = new Date().toISOString();
  await db.kysely
    .insertInto("sessions")
    .values({ id: hashToken(token), account_id: accountId, created_at: now, last_seen_at: now, user_agent: "weft-bench" })
    .execute();
  return `${SESSION_COOKIE}=${token}`;
}
