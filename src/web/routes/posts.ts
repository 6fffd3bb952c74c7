// A post's pages: the thread and the edit history. The canonical URL is
// /@username/posts/:id (actions are in post-actions.ts).
import { html, raw } from "hono/html";
import type { Hono } from "hono";
import type { WeftContext } from "../../app.ts";
import type { Account } from "../../domain/account.ts";
import { isShared } from "../../domain/fediverse.ts";
import { isId } from "../../domain/ids.ts";
import { findAccountById } from "../../db/repositories/accounts.ts";
import { findPostById } from "../../db/repositories/posts.ts";
import { thread } from "../../db/views/timelines.ts";
import type { Post } from "../../domain/post.ts";
import { loadAttachments } from "../components/media.ts";
import { composer, replyVisibility } from "../components/composer.ts";
import { longTime, postPath } from "../components/paths.ts";
import { postCard } from "../components/post.ts";
import type { WebContext, WebEnv } from "../env.ts";
import { failPage } from "../http.ts";
import { page } from "../layout.ts";
import { findByHandle } from "./profile-lookup.ts";

/** Finds the post at /@handle/posts/:id; a wrong handle redirects to the right one. */
async function postAt(ctx: WeftContext, c: WebContext): Promise<{ post: Post; author: Account } | Response> {
  const id = c.req.param("id") ?? "";
  const author = await findByHandle(ctx, c.req.param("handle") ?? "");
  const post = isId(id) ? await findPostById(ctx.db.kysely, id) : null;
  const viewer = c.get("viewer");
  if (!post || post.repostOfId || !(await ctx.services.posts.canView(post, viewer?.id ?? null))) {
    return failPage(c, "not_found", "That post does not exist, was deleted, or is not visible to you.");
  }
  if (!author || author.id !== post.accountId) {
    const real = await findAccountById(ctx.db.kysely, post.accountId);
    if (!real) return failPage(c, "not_found", "That post does not exist.");
    const suffix = c.req.path.endsWith("/history") ? "/history" : "";
    return c.redirect(postPath(real, post.id) + suffix, 301);
  }
  return { post, author };
}

function depthOf(ids: Map<string, string | null>, id: string, rootId: string): number {
  let d = 0;
  let cur = ids.get(id) ?? null;
  while (cur && cur !== rootId && d < 10) {
    d++;
    cur = ids.get(cur) ?? null;
  }
  return d;
}

export function postRoutes(web: Hono<WebEnv>, ctx: WeftContext): void {
  web.get("/:handle{@[^/]+}/posts/:id", async (c) => {
    const found = await postAt(ctx, c);
    if (found instanceof Response) return found;
    const viewer = c.get("viewer");
    // A remote post's conversation is fetched from its servers (bounded; at most every few minutes).
    if (viewer && !found.post.local) await ctx.services.reach.backfillThread(viewer.id, found.post);
    const t = await thread(ctx.db.kysely, found.post.id, viewer?.id ?? null);
    if (!t) return failPage(c, "not_found", "That post does not exist or was deleted.");
    await loadAttachments(ctx, c, [...t.ancestors, t.post, ...t.descendants]);
    const parents = new Map(t.descendants.map((d) => [d.post.id, d.post.inReplyToId]));
    let replyBox: ReturnType<typeof html> | string = "";
    if (viewer) {
      const why = await ctx.services.posts.replyProblem(found.post, viewer.id);
      replyBox = why
        ? html`<p class="muted" id="reply">${why}</p>`
        : html`<section aria-labelledby="reply-h"><h2 id="reply-h">Reply</h2>${composer(c, { id: "reply", label: `Reply to @${found.author.username}`, inReplyToId: found.post.id, visibility: replyVisibility(found.post.visibility), returnTo: c.req.path, submitLabel: "Reply" })}</section>`;
    } else {
      replyBox = html`<p id="reply"><a href="/login?return_to=${encodeURIComponent(c.req.path)}">Log in</a> to reply.</p>`;
    }
    const head = isShared(found.author, ctx.config)
      ? html`<link rel="alternate" type="application/activity+json" href="${ctx.config.origin}${c.req.path}">`
      : undefined;
    // Behind a content warning the title shows the warning, never the text it hides.
    const summary = found.post.summary ? `CW: ${found.post.summary}` : found.post.text.slice(0, 60) || "media";
    return c.html(
      page(
        c,
        { title: `${found.author.displayName}: “${summary}”`, head },
        html`<h1 class="visually-hidden">Post by ${found.author.displayName || found.author.username}</h1>
<div class="thread">
${t.ancestorMissing ? html`<p class="muted">Earlier posts in this thread were deleted or are not visible to you.</p>` : ""}
${t.ancestors.map((a) => postCard(c, a))}
${postCard(c, t.post, { focus: true })}
${replyBox}
<section class="replies" aria-label="Replies">
${t.descendants.length ? html`<h2>Replies</h2>` : ""}
${t.descendants.map((d) => postCard(c, d, { depth: depthOf(parents, d.post.id, t.post.post.id) + 1 }))}
</section>
</div>`,
      ),
    );
  });

  web.get("/:handle{@[^/]+}/posts/:id/history", async (c) => {
    const found = await postAt(ctx, c);
    if (found instanceof Response) return found;
    const viewer = c.get("viewer");
    const r = await ctx.services.posts.history(found.post.id, viewer?.id ?? null);
    if (!r.ok) return failPage(c, r.error, r.message);
    const versions = [...r.value].reverse();
    return c.html(
      page(
        c,
        { title: "Edit history" },
        html`<h1>Edit history</h1>
<p><a href="${postPath(found.author, found.post.id)}">Back to the post</a></p>
<ol class="feed history" reversed>
${versions.map(
  (v, i) => html`<li><article class="post" aria-label="${i === 0 ? "Current version" : "Earlier version"}">
<p class="context">${i === 0 ? "Current version" : i === versions.length - 1 ? "Original" : "Earlier version"} &middot; <time datetime="${v.createdAt}">${longTime(v.createdAt)}</time></p>
${v.summary ? html`<p><strong>${v.summary}</strong></p>` : ""}
<div class="post-body">${raw(v.html)}</div>
</article></li>`,
)}
</ol>`,
      ),
    );
  });
}
