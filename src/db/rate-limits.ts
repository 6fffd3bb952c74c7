// Fixed-window counters in the `rate_limits` table, shared by every Weft process (a
// per-process Map would let an attacker spread guesses across processes). Used for login
// and sign-up limits, the client API's request limit, remote lookups and OAuth logins.
import { sql, type Kysely } from "kysely";
import type { Database } from "./schema.ts";

export interface Limit {
  max: number;
  windowMs: number;
}

export interface Window {
  count: number;
  /** Epoch milliseconds when the window ends. */
  resetAt: number;
}

/** Counts one event against `key`, starting a new window when the old one ran out. */
export async function countHit(db: Kysely<Database>, key: string, windowMs: number): Promise<Window> {
  const now = Date.now();
  const row = await db
    .insertInto("rate_limits")
    .values({ key, count: 1, reset_at: now + windowMs })
    .onConflict((oc) =>
      oc.column("key").doUpdateSet({
        count: sql`CASE WHEN rate_limits.reset_at <= ${now} THEN 1 ELSE rate_limits.count + 1 END`,
        reset_at: sql`CASE WHEN rate_limits.reset_at <= ${now} THEN excluded.reset_at ELSE rate_limits.reset_at END`,
      }),
    )
    .returning(["count", "reset_at"])
    .executeTakeFirstOrThrow();
  return { count: Number(row.count), resetAt: Number(row.reset_at) };
}

/** The current window of `key`, or null when there is none or it has ended. */
export async function currentWindow(db: Kysely<Database>, key: string): Promise<Window | null> {
  const row = await db.selectFrom("rate_limits").select(["count", "reset_at"]).where("key", "=", key).executeTakeFirst();
  if (!row || Number(row.reset_at) <= Date.now()) return null;
  return { count: Number(row.count), resetAt: Number(row.reset_at) };
}

export async function clearHits(db: Kysely<Database>, key: string): Promise<void> {
  await db.deleteFrom("rate_limits").where("key", "=", key).execute();
}
