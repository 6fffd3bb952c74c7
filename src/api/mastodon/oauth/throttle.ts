// Failed password attempts on the authorize page, counted in the shared `rate_limits`
// table (so every process sees them): 5 failures per 5 minutes per address and username.
import type { Context } from "hono";
import { getConnInfo } from "@hono/node-server/conninfo";
import { sql } from "kysely";
import type { WeftContext } from "../../../app.ts";

const MAX_FAILURES = 5;
const WINDOW_MS = 5 * 60 * 1000;

export function clientAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? "unknown";
  } catch {
    return "unknown";
  }
}

const key = (c: Context, username: string) => `oauth-login:${clientAddress(c)}:${username}`;

export async function loginThrottled(ctx: WeftContext, c: Context, username: string): Promise<boolean> {
  const row = await ctx.db.kysely.selectFrom("rate_limits").selectAll().where("key", "=", key(c, username)).executeTakeFirst();
  return !!row && Number(row.reset_at) > Date.now() && Number(row.count) >= MAX_FAILURES;
}

export async function recordLoginFailure(ctx: WeftContext, c: Context, username: string): Promise<void> {
  const now = Date.now();
  await ctx.db.kysely
    .insertInto("rate_limits")
    .values({ key: key(c, username), count: 1, reset_at: now + WINDOW_MS })
    .onConflict((oc) =>
      oc.column("key").doUpdateSet({
        count: sql`CASE WHEN rate_limits.reset_at < ${now} THEN 1 ELSE rate_limits.count + 1 END`,
        reset_at: sql`CASE WHEN rate_limits.reset_at < ${now} THEN ${now + WINDOW_MS} ELSE rate_limits.reset_at END`,
      }),
    )
    .execute();
}
