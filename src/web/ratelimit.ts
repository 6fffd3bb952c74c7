// Fixed-window counters in the rate_limits table, so every Weft process sees the same
// counts (a per-process Map would let an attacker spread guesses across workers).
import { sql } from "kysely";
import type { WeftContext } from "../app.ts";

export interface Limit {
  max: number;
  windowMs: number;
}

export const LOGIN_LIMIT: Limit = { max: 5, windowMs: 5 * 60_000 };
/** New accounts per client address: enough for a family or an office behind one NAT. */
export const SIGNUP_LIMIT: Limit = { max: 10, windowMs: 3600_000 };

/** Milliseconds until the window resets when `key` is over its limit, else 0. */
export async function limitedFor(ctx: WeftContext, key: string, limit: Limit): Promise<number> {
  const row = await ctx.db.kysely.selectFrom("rate_limits").select(["count", "reset_at"]).where("key", "=", key).executeTakeFirst();
  if (!row) return 0;
  const resetAt = Number(row.reset_at);
  const now = Date.now();
  if (resetAt <= now || Number(row.count) < limit.max) return 0;
  return resetAt - now;
}

/** Counts one event against `key`; starts a new window when the old one ran out. */
export async function hit(ctx: WeftContext, key: string, limit: Limit): Promise<void> {
  const now = Date.now();
  await ctx.db.kysely
    .insertInto("rate_limits")
    .values({ key, count: 1, reset_at: now + limit.windowMs })
    .onConflict((oc) =>
      oc.column("key").doUpdateSet({
        count: sql`CASE WHEN rate_limits.reset_at <= ${now} THEN 1 ELSE rate_limits.count + 1 END`,
        reset_at: sql`CASE WHEN rate_limits.reset_at <= ${now} THEN excluded.reset_at ELSE rate_limits.reset_at END`,
      }),
    )
    .execute();
}

export async function clear(ctx: WeftContext, key: string): Promise<void> {
  await ctx.db.kysely.deleteFrom("rate_limits").where("key", "=", key).execute();
}
