// Search (accounts by name or handle, posts by text, hashtags) and a hashtag's page.
import { html } from "hono/html";
import type { Hono } from "hono";
import type { WeftContext } from "../../app.ts";
import { handleOf } from "../../domain/account.ts";
import { normalizeTag } from "../../domain/text.ts";
import { DEFAULT_LIMIT, hashtagFeed, searchAccounts, searchPosts, searchTags } from "../../db/views/timelines.ts";
import { profilePath } from "../components/paths.ts";
import { avatar, loadAttachments } from "../components/media.ts";
import { pager, postList } from "../components/post.ts";
import type { WebEnv } from "../env.ts";
import { page } from "../layout.ts";
import { remoteLookupSection } from "../components/remote.ts";
import { cursor } from "./home.ts";

export function searchRoutes(web: Hono<WebEnv>, ctx: WeftContext): void {
  web.get("/search", async (c) => {
    const q = (c.req.query("q") ?? "").trim().slice(0, 200);
    const viewer = c.get("viewer");
    const form = html`<form method="get" action="/search" role="search" class="search-form">
<div><label for="q">Search people, posts and hashtags</label><input type="search" id="q" name="q" value="${q}"></div>
<button type="submit">Search</button></form>`;
    if (!q) return c.html(page(c, { title: "Search", nav: "search" }, html`<h1>Search</h1>${form}`));
    const [accounts, tags, posts] = await Promise.all([
      q.startsWith("#") ? Promise.resolve([]) : searchAccounts(ctx.db.kysely, q, 20),
      searchTags(ctx.db.kysely, q, 10),
      q.startsWith("@") ? Promise.resolve([]) : searchPosts(ctx.db.kysely, q.replace(/^#/, ""), viewer?.id ?? null, { maxId: cursor(c), limit: DEFAULT_LIMIT }),
    ]);
    await loadAttachments(ctx, c, posts);
    const fedi = await remoteLookupSection(ctx, c, q);
    return c.html(
      page(
        c,
        { title: `Search: ${q}`, nav: "search" },
        html`<h1>Search</h1>${form}${fedi}
<section aria-labelledby="h-people"><h2 id="h-people">People</h2>
${accounts.length ? html`<ul class="people">${accounts.map((a) => html`<li><span class="person">${avatar(c, a)}<a href="${profilePath(a)}">${a.displayName || a.username}</a> <span class="muted">${handleOf(a)}</span></span></li>`)}</ul>` : html`<p class="muted">No people found.</p>`}</section>
<section aria-labelledby="h-tags"><h2 id="h-tags">Hashtags</h2>
${tags.length ? html`<ul class="people">${tags.map((t) => html`<li><a href="/tags/${encodeURIComponent(t.tag)}">#${t.tag}</a> <span class="muted">${t.count} post${t.count === 1 ? "" : "s"}</span></li>`)}</ul>` : html`<p class="muted">No hashtags found.</p>`}</section>
<section aria-labelledby="h-posts"><h2 id="h-posts">Posts</h2>
${postList(c, posts, "No posts found.")}${pager(c, posts, DEFAULT_LIMIT)}</section>`,
      ),
    );
  });

  web.get("/tags/:tag", async (c) => {
    let tag: string;
    try {
      tag = normalizeTag(decodeURIComponent(c.req.param("tag")).replace(/^#/, ""));
    } catch {
      tag = "";
    }
    const viewer = c.get("viewer");
    const posts = tag ? await hashtagFeed(ctx.db.kysely, tag, viewer?.id ?? null, { maxId: cursor(c), limit: DEFAULT_LIMIT }) : [];
    await loadAttachments(ctx, c, posts);
    return c.html(
      page(c, { title: `#${tag}` }, html`<h1>#${tag}</h1>${postList(c, posts, "No public posts with this hashtag yet.")}${pager(c, posts, DEFAULT_LIMIT)}`),
    );
  });
}
