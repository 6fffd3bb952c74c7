// Home: the Following feed with an inline composer when logged in; a welcome with the
// local public posts when not. /compose writes posts, replies and quotes.
import { html } from "hono/html";
import type { Hono } from "hono";
import type { WeftContext } from "../../app.ts";
import { findAccountById } from "../../db/repositories/accounts.ts";
import { hydratePosts } from "../../db/views/post-views.ts";
import { DEFAULT_LIMIT, followingFeed, publicFeed } from "../../db/views/timelines.ts";
import { isId } from "../../domain/ids.ts";
import { postPath } from "../components/paths.ts";
import { composer } from "../components/composer.ts";
import { pager, postCard, postList } from "../components/post.ts";
import { formData, type WebContext, type WebEnv } from "../env.ts";
import { loginRedirect, statusFor } from "../http.ts";
import { page, type Html } from "../layout.ts";
import { safeReturnTo } from "../redirect.ts";

export function cursor(c: WebContext): string | null {
  const v = c.req.query("max_id");
  return isId(v) ? v : null;
}

/** The post being replied to or quoted, drawn above the composer (if the viewer may see it). */
async function contextPost(ctx: WeftContext, c: WebContext, id: string | undefined | null): Promise<Html | string> {
  if (!isId(id)) return "";
  const viewer = c.get("viewer");
  const r = await ctx.services.posts.visiblePost(id, viewer?.id ?? null);
  if (!r.ok) return "";
  const [v] = await hydratePosts(ctx.db.kysely, [r.value], viewer?.id ?? null);
  return v ? postCard(c, v, { nested: true }) : "";
}

async function composePage(
  ctx: WeftContext,
  c: WebContext,
  o: { text?: string; inReplyToId?: string | null; quoteOfId?: string | null; replyPolicy?: string; returnTo?: string; error?: string | null },
) {
  const title = o.inReplyToId ? "Reply" : o.quoteOfId ? "Quote" : "New post";
  const ctxPost = await contextPost(ctx, c, o.inReplyToId ?? o.quoteOfId);
  return page(
    c,
    { title },
    html`<h1>${title}</h1>${ctxPost}${composer(c, { ...o, label: o.inReplyToId ? "Your reply" : o.quoteOfId ? "Your comment" : "New post" })}`,
  );
}

export function homeRoutes(web: Hono<WebEnv>, ctx: WeftContext): void {
  web.get("/", async (c) => {
    const viewer = c.get("viewer");
    const maxId = cursor(c);
    if (!viewer) {
      const posts = await publicFeed(ctx.db.kysely, null, { maxId, limit: DEFAULT_LIMIT }, { local: true });
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
    return c.html(
      page(
        c,
        { title: "Home", nav: "home" },
        html`<h1>Following</h1>
${maxId ? "" : composer(c, { id: "compose", label: "New post", returnTo: "/" })}
${postList(c, posts, "Your feed is empty. Post something, or find people to follow with Search.")}
${pager(c, posts, DEFAULT_LIMIT)}`,
      ),
    );
  });

  web.get("/compose", async (c) => {
    if (!c.get("viewer")) return loginRedirect(c);
    const replyTo = c.req.query("reply_to");
    const quote = c.req.query("quote");
    return c.html(await composePage(ctx, c, { inReplyToId: isId(replyTo) ? replyTo : null, quoteOfId: isId(quote) ? quote : null }));
  });

  web.post("/compose", async (c) => {
    const viewer = c.get("viewer");
    if (!viewer) return loginRedirect(c);
    const f = await formData(c);
    const input = {
      text: f.text ?? "",
      inReplyToId: f.in_reply_to_id || null,
      quoteOfId: f.quote_of_id || null,
      replyPolicy: f.reply_policy || "anyone",
    };
    const r = await ctx.services.posts.create(viewer.id, input);
    if (!r.ok) {
      const returnTo = f.return_to ? safeReturnTo(ctx, f.return_to) : undefined;
      return c.html(await composePage(ctx, c, { ...input, returnTo, error: r.message }), statusFor(r.error));
    }
    const author = (await findAccountById(ctx.db.kysely, viewer.id))!;
    const fallback = postPath(author, r.value.id);
    const to = f.return_to ? safeReturnTo(ctx, f.return_to, fallback) : fallback;
    return c.redirect(to, 303);
  });
}
