// Sessions: a random 32-byte token in the `weft_session` cookie, stored only as its
// sha256 in the sessions table, so a leaked database does not hand out live sessions.
import { createHash, randomBytes } from "node:crypto";
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { WeftContext } from "../../app.ts";
import type { Account } from "../../domain/account.ts";
import { findAccountById } from "../../db/repositories/accounts.ts";

export const SESSION_COOKIE = "weft_session";
/** A session ends after this long without use. */
const IDLE_MS = 30 * 24 * 3600_000;
/** last_seen_at is refreshed at most this often, to keep page views from writing. */
const TOUCH_MS = 3600_000;

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export function secureCookies(ctx: WeftContext): boolean {
  return ctx.config.origin.startsWith("https:");
}

export async function startSession(ctx: WeftContext, c: Context, accountId: string): Promise<string> {
  const token = randomBytes(32).toString("base64url");
  const id = hashToken(token);
  const now = new Date().toISOString();
  await ctx.db.kysely
    .insertInto("sessions")
    .values({ id, account_id: accountId, created_at: now, last_seen_at: now, user_agent: c.req.header("user-agent")?.slice(0, 300) ?? null })
    .execute();
  setCookie(c, SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: "Lax",
    secure: secureCookies(ctx),
    path: "/",
    maxAge: IDLE_MS / 1000,
  });
  return id;
}

export async function endSession(ctx: WeftContext, c: Context, sessionId: string | null): Promise<void> {
  if (sessionId) await ctx.db.kysely.deleteFrom("sessions").where("id", "=", sessionId).execute();
  deleteCookie(c, SESSION_COOKIE, { path: "/", secure: secureCookies(ctx) });
}

/**
 * The account behind the request's session cookie, or null. Exported for other
 * server-rendered screens (the OAuth authorize page) that honour the web login.
 */
export async function currentSession(ctx: WeftContext, c: Context): Promise<{ account: Account; sessionId: string } | null> {
  const token = getCookie(c, SESSION_COOKIE);
  if (!token || token.length > 100) return null;
  const id = hashToken(token);
  const row = await ctx.db.kysely.selectFrom("sessions").selectAll().where("id", "=", id).executeTakeFirst();
  if (!row) return null;
  const lastSeen = Date.parse(String(row.last_seen_at));
  if (Date.now() - lastSeen > IDLE_MS) {
    await ctx.db.kysely.deleteFrom("sessions").where("id", "=", id).execute();
    return null;
  }
  const account = await findAccountById(ctx.db.kysely, row.account_id);
  if (!account || account.suspended || !account.approved || account.domain !== null) return null;
  if (Date.now() - lastSeen > TOUCH_MS) {
    await ctx.db.kysely.updateTable("sessions").set({ last_seen_at: new Date().toISOString() }).where("id", "=", id).execute();
  }
  return { account, sessionId: id };
}
