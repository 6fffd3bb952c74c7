// The web UI's limits, over the shared fixed-window counters of src/db/rate-limits.ts.
import type { WeftContext } from "../app.ts";
import { clearHits, countHit, currentWindow, type Limit } from "../db/rate-limits.ts";

export type { Limit };

export const LOGIN_LIMIT: Limit = { max: 5, windowMs: 5 * 60_000 };
/** New accounts per client address: enough for a family or an office behind one NAT. */
export const SIGNUP_LIMIT: Limit = { max: 10, windowMs: 3600_000 };

/** Milliseconds until the window resets when `key` is over its limit, else 0. */
export async function limitedFor(ctx: WeftContext, key: string, limit: Limit): Promise<number> {
  const w = await currentWindow(ctx.db.kysely, key);
  return w && w.count >= limit.max ? w.resetAt - Date.now() : 0;
}

/** Counts one event against `key`; starts a new window when the old one ran out. */
export async function hit(ctx: WeftContext, key: string, limit: Limit): Promise<void> {
  await countHit(ctx.db.kysely, key, limit.windowMs);
}

export async function clear(ctx: WeftContext, key: string): Promise<void> {
  await clearHits(ctx.db.kysely, key);
}
