// Mounts the Mastodon-compatible client API and OAuth on the app: one Hono sub-app with
// its own error handler, so every failure under /api and /oauth answers in Mastodon's
// `{"error": "..."}` shape and a client's mistake is never a 500.
import { Hono } from "hono";
import { cors } from "hono/cors";
import { HTTPException } from "hono/http-exception";
import type { WeftContext } from "../../app.ts";
import { logger } from "../../log.ts";
import { authenticate, type ApiEnv } from "./auth.ts";
import { ApiError, readParams } from "./http.ts";
import { mountApps } from "./oauth/apps.ts";
import { mountAuthorize } from "./oauth/authorize.ts";
import { mountToken } from "./oauth/token.ts";
import { rateLimit } from "./ratelimit.ts";
import { mountAccounts } from "./routes/accounts.ts";
import { mountInstance } from "./routes/instance.ts";
import { mountMedia } from "./routes/media.ts";
import { mountStatuses } from "./routes/statuses.ts";
import { mountTimelines } from "./routes/timelines.ts";
import { mountDefaultImages } from "./static.ts";

// Browser clients (Elk, Phanpy) page through Link and read the rate limit.
const corsOptions = {
  origin: "*",
  allowMethods: ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
  exposeHeaders: ["Link", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "Idempotency-Key"],
  maxAge: 86400,
};

export function mountMastodonApi(app: Hono, ctx: WeftContext): void {
  const log = logger("api");
  const api = new Hono<ApiEnv>();
  api.onError((err, c) => {
    if (err instanceof ApiError) return c.json({ error: err.message, ...err.extra }, err.status as 400);
    if (err instanceof HTTPException) return c.json({ error: err.message || "Bad request" }, err.status);
    log.error("API error on {method} {path}: {error}", { method: c.req.method, path: c.req.path, error: err instanceof Error ? err.stack : String(err) });
    return c.json({ error: "Internal server error" }, 500);
  });

  api.use("/api/*", cors(corsOptions));
  api.use("/oauth/*", cors(corsOptions));
  api.use("/.well-known/oauth-authorization-server", cors(corsOptions));
  api.use("/api/*", authenticate(ctx));
  api.use("/api/*", rateLimit(ctx));
  api.use("/oauth/*", async (c, next) => {
    c.set("params", await readParams(c));
    await next();
  });

  mountApps(api, ctx);
  mountAuthorize(api, ctx);
  mountToken(api, ctx);
  mountInstance(api, ctx);
  mountAccounts(api, ctx);
  mountStatuses(api, ctx);
  mountTimelines(api, ctx);
  mountMedia(api, ctx);
  mountDefaultImages(api, ctx);

  // Anything else under /api is Mastodon's JSON 404, never the web UI's HTML page.
  api.all("/api/*", (c) => c.json({ error: "Record not found" }, 404));
  app.route("/", api);
}
