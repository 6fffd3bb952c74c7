// Failed password attempts on the authorize page, counted in the shared `rate_limits`
// table (so every process sees them): 5 failures per 5 minutes per address and username.
import type { Context } from "hono";
import { getConnInfo } from "@hono/node-server/conninfo";
import type { WeftContext } from "../../../app.ts";
import { countHit, currentWindow } from "../../../db/rate-limits.ts";

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
  const w = await currentWindow(ctx.db.kysely, key(c, username));
  return !!w && w.count >= MAX_FAILURES;
}

export async function recordLoginFailure(ctx: WeftContext, c: Context, username: string): Promise<void> {
  await countHit(ctx.db.kysely, key(c, username), WINDOW_MS);
}
