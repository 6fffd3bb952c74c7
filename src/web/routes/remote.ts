// Reaching out from the web UI: the Fediverse feed tab (posts from other servers by the
// people you follow, newest first, like Threads' fediverse feed) and /lookup, which
// opens a looked-up `@name@host` or link as a profile or post page here.
import { html } from "hono/html";
import type { Hono } from "hono";
import type { WeftContext } from "../../app.ts";
import { DEFAULT_LIMIT, fediverseFeed } from "../../db/views/timelines.ts";
import { loadAttachments } from "../components/media.ts";
import { postPath, profilePath } from "../components/paths.ts";
import { pager, postList } from "../components/post.ts";
import { feedTabs } from "../components/remote.ts";
import type { WebEnv } from "../env.ts";
import { failPage, loginRedirect } from "../http.ts";
import { page } from "../layout.ts";
import { cursor } from "./home.ts";

export function remoteRoutes(web: Hono<WebEnv>, ctx: WeftContext): void {
  web.get("/fediverse", async (c) => {
    const viewer = c.get("viewer");
    if (!viewer) return loginRedirect(c);
    const posts = await fediverseFeed(ctx.db.kysely, viewer.id, { maxId: cursor(c), limit: DEFAULT_LIMIT });
    await loadAttachments(ctx, c, posts);
    const why = await ctx.services.reach.cannotReach(viewer.id);
    const empty = why ?? "Nothing from other servers yet. Search for someone like @name@mastodon.social to follow them.";
    return c.html(
      page(c, { title: "Fediverse", nav: "home" }, html`<h1>Fediverse</h1>${feedTabs("fediverse")}${postList(c, posts, empty)}${pager(c, posts, DEFAULT_LIMIT)}`),
    );
  });

  web.get("/lookup", async (c) => {
    const viewer = c.get("viewer");
    if (!viewer) return loginRedirect(c);
    const r = await ctx.services.reach.lookup(viewer.id, c.req.query("q") ?? "");
    if (!r.ok) return failPage(c, r.error, r.message);
    return c.redirect("post" in r.value ? postPath(r.value.author, r.value.post.id) : profilePath(r.value.account), 303);
  });
}
