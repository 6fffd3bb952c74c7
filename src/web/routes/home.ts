// Home: the Following feed with an inline composer when logged in; a welcome with the
// local public posts when not. Posting is in compose.ts.
import { html } from "hono/html";
import type { Hono } from "hono";
import type { WeftContext } from "../../app.ts";
import { DEFAULT_LIMIT, followingFeed, publicFeed } from "../../db/views/timelines.ts";
import { isId } from "../../domain/ids.ts";
import { composer } from "../components/composer.ts";
import { loadAttachments } from "../components/media.ts";
import { pager, postList } from "../components/post.ts";
import type { WebContext, WebEnv } from "../env.ts";
import { page } from "../layout.ts";
import { feedTabs } from "../components/remote.ts";

export function cursor(c: WebContext): string | null {
  const v = c.req.query("max_id");
  return isId(v) ? v : null;
}

export function homeRoutes(web: Hono<WebEnv>, ctx: WeftContext): void {
  web.get("/", async (c) => {
    const viewer = c.get("viewer");
    const maxId = cursor(c);
    if (!viewer) {
      const posts = await publicFeed(ctx.db.kysely, null, { maxId, limit: DEFAULT_LIMIT }, { local: true });
      await loadAttachments(ctx, c, posts);
      return c.html(
        page(
          c,
          { title: ctx.config.siteName, nav: "home" },
          html`<h1>Welcome to ${ctx.config.siteName}</h1>
<p>A calm place to post short updates and talk with people you follow.</p>
<p class="row"><a class="button" href="/signup">Sign up</a><a class="button secondary" href="/login">Log in</a></p>
<h2>Recent public posts</h2>
${postList(c, posts, "Nothing posted yet.")}${pager(c, posts, DEFAULT_LIMIT)}`,
        ),
      );
    }
    const posts = await followingFeed(ctx.db.kysely, viewer.id, { maxId, limit: DEFAULT_LIMIT });
    await loadAttachments(ctx, c, posts);
    return c.html(
      page(
        c,
        { title: "Home", nav: "home" },
        html`<h1>Following</h1>${feedTabs("following")}
${maxId ? "" : composer(c, { id: "compose", label: "New post", returnTo: "/" })}
${postList(c, posts, "Your feed is empty. Post something, or find people to follow with Search.")}
${pager(c, posts, DEFAULT_LIMIT)}`,
      ),
    );
  });
}
