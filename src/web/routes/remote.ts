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
import { formData, type WebEnv } from "../env.ts";
import { isId } from "../../domain/ids.ts";
import { findAccountById } from "../../db/repositories/accounts.ts";
import { findPostById } from "../../db/repositories/posts.ts";
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

  web.post("/posts/:id/vote", async (c) => {
    const viewer = c.get("viewer");
    if (!viewer) return loginRedirect(c);
    const id = c.req.param("id");
    const post = isId(id) ? await findPostById(ctx.db.kysely, id) : null;
    if (!post || !(await ctx.services.posts.canView(post, viewer.id))) return failPage(c, "not_found", "That poll does not exist or is not visible to you.");
    const f = await formData(c);
    const choices = Object.entries(f).filter(([k]) => k === "choice" || /^choice_\d+$/.test(k)).map(([, v]) => v);
    const r = await ctx.services.reach.vote(viewer.id, post, choices);
    if (!r.ok) return failPage(c, r.error, r.message);
    const author = (await findAccountById(ctx.db.kysely, post.accountId))!;
    return c.redirect(`${postPath(author, post.id)}?voted=1`, 303);
  });

  web.get("/lookup", async (c) => {
    const viewer = c.get("viewer");
    if (!viewer) return loginRedirect(c);
    const r = await ctx.services.reach.lookup(viewer.id, c.req.query("q") ?? "");
    if (!r.ok) return failPage(c, r.error, r.message);
    return c.redirect("post" in r.value ? postPath(r.value.author, r.value.post.id) : profilePath(r.value.account), 303);
  });
}
