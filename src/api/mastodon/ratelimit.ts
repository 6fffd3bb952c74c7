// Mastodon's default API limit: 300 requests per 5 minutes (config.apiRateLimit, from
// WEFT_API_RATE_LIMIT; 0 turns it off), per token (or per address when anonymous),
// counted in the shared `rate_limits` table so every process sees the same count.
// Answers carry X-RateLimit-* headers; past the limit, 429.
import type { MiddlewareHandler } from "hono";
import type { WeftContext } from "../../app.ts";
import { countHit } from "../../db/rate-limits.ts";
import type { ApiEnv } from "./auth.ts";
import { ApiError } from "./http.ts";
import { clientAddress } from "./oauth/throttle.ts";

const WINDOW_MS = 5 * 60 * 1000;

export function rateLimit(ctx: WeftContext): MiddlewareHandler<ApiEnv> {
  const limit = ctx.config.apiRateLimit;
  return async (c, next) => {
    if (c.req.method === "OPTIONS" || !limit) return next();
    const grant = c.get("grant");
    const key = grant ? `api:token:${grant.tokenId}` : `api:ip:${clientAddress(c)}`;
    const now = Date.now();
    const { count, resetAt } = await countHit(ctx.db.kysely, key, WINDOW_MS);
    const reset = new Date(resetAt).toISOString();
    c.header("X-RateLimit-Limit", String(limit));
    c.header("X-RateLimit-Remaining", String(Math.max(0, limit - count)));
    c.header("X-RateLimit-Reset", reset);
    if (count > limit) {
      c.header("Retry-After", String(Math.max(1, Math.ceil((resetAt - now) / 1000))));
      throw new ApiError(429, "Too many requests");
    }
    await next();
  };
}
