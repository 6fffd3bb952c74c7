// Mounts the server-rendered web UI on the app: the session and CSRF middleware, the
// stylesheet, and the routes. Paths owned by the API, OAuth and federation are left alone.
import { Hono, type Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { WeftContext } from "../app.ts";
import { unreadCount } from "../db/views/notifications.ts";
import { csrfMiddleware } from "./auth/csrf.ts";
import { currentSession } from "./auth/session.ts";
import type { WebEnv } from "./env.ts";
import { errorPage } from "./layout.ts";
import { FORM_LIMIT, uploadBodyLimits } from "./uploads.ts";
import { megabytes } from "../media/limits.ts";
import { mountStatic } from "./static.ts";
import { activityRoutes } from "./routes/activity.ts";
import { authRoutes } from "./routes/auth.ts";
import { fediverseRoutes } from "./routes/fediverse.ts";
import { homeRoutes } from "./routes/home.ts";
import { composeRoutes } from "./routes/compose.ts";
import { postActionRoutes } from "./routes/post-actions.ts";
import { postRoutes } from "./routes/posts.ts";
import { profileRoutes } from "./routes/profile.ts";
import { remoteRoutes } from "./routes/remote.ts";
import { serverBlockRoutes } from "./routes/server-blocks.ts";
import { searchRoutes } from "./routes/search.ts";
import { settingsRoutes } from "./routes/settings.ts";

/** Prefixes that belong to other parts of Weft: no web session, no CSRF check, no HTML 404. */
const NOT_WEB = /^\/(api|oauth|\.well-known|nodeinfo|ap|inbox|health|static|media)(\/|$)/;

const CSP = "default-src 'self'; img-src 'self' https: data: blob:; media-src 'self' blob:; script-src 'self'; style-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

export function mountWeb(app: Hono, ctx: WeftContext): void {
  const web = new Hono<WebEnv>();
  mountStatic(web);

  web.use("*", async (c, next) => {
    if (NOT_WEB.test(c.req.path)) return next();
    c.set("siteName", ctx.config.siteName);
    c.set("urls", ctx);
    const s = await currentSession(ctx, c);
    c.set("viewer", s?.account ?? null);
    c.set("sessionId", s?.sessionId ?? null);
    c.set("unread", s ? await unreadCount(ctx.db.kysely, s.account.id) : 0);
    // Defence in depth: pages need no inline script or style, and no other origin's.
    c.header("content-security-policy", CSP);
    c.header("x-frame-options", "DENY");
    c.header("referrer-policy", "same-origin");
    c.header("x-content-type-options", "nosniff");
    await next();
  });
  // Forms are small (a post is 500 characters): refuse big bodies before parsing them.
  // The upload forms get their own limit, the media limits plus room for the text fields.
  const tooLarge = (message: string) => (c: Context<WebEnv>) => c.html(errorPage(c, 413, message), 413);
  const limit = bodyLimit({ maxSize: FORM_LIMIT, onError: tooLarge("That form is too large to send.") });
  const { maxImagesPerPost, maxImageBytes, maxVideoBytes } = ctx.services.media.limits;
  const uploadTooLarge = tooLarge(`Those files are too large: a post takes up to ${maxImagesPerPost} images of ${megabytes(maxImageBytes)} each, or one video of ${megabytes(maxVideoBytes)}.`);
  const uploadLimits = new Map(Object.entries(uploadBodyLimits(ctx.services.media.limits)).map(([path, maxSize]) => [path, bodyLimit({ maxSize, onError: uploadTooLarge })]));
  web.use("*", (c, next) => {
    if (c.req.method !== "POST" || NOT_WEB.test(c.req.path)) return next();
    const multipart = (c.req.header("content-type") ?? "").toLowerCase().startsWith("multipart/form-data");
    return ((multipart && uploadLimits.get(c.req.path)) || limit)(c, next);
  });
  const csrf = csrfMiddleware(ctx);
  web.use("*", (c, next) => (NOT_WEB.test(c.req.path) ? next() : csrf(c, next)));

  authRoutes(web, ctx);
  homeRoutes(web, ctx);
  settingsRoutes(web, ctx);
  fediverseRoutes(web, ctx);
  activityRoutes(web, ctx);
  searchRoutes(web, ctx);
  composeRoutes(web, ctx);
  postRoutes(web, ctx);
  postActionRoutes(web, ctx);
  remoteRoutes(web, ctx);
  serverBlockRoutes(web, ctx);
  profileRoutes(web, ctx);

  web.get("*", (c) => {
    if (NOT_WEB.test(c.req.path)) return c.notFound();
    return c.html(errorPage(c, 404, "There is nothing at this address."), 404);
  });

  app.route("/", web);
}
