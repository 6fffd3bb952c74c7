// A post's pages (thread, edit history, edit form) and its actions (like, repost,
// delete). The canonical URL is /@username/posts/:id.
import { html } from "hono/html";
import type { Hono } from "hono";
import type { WeftContext } from "../../app.ts";
import type { Account } from "../../domain/account.ts";
import { isShared } from "../../domain/fediverse.ts";
import { isId } from "../../domain/ids.ts";
import { findAccountById } from "../../db/repositories/accounts.ts";
import { findPostById } from "../../db/repositories/posts.ts";
import { thread } from "../../db/views/timelines.ts";
import type { Post } from "../../domain/post.ts";
import { composer } from "../components/composer.ts";
import { longTime, postPath, profilePath } from "../components/paths.ts";
import { postCard } from "../components/post.ts";
import { formData, type WebContext, type WebEnv } from "../env.ts";
import { back, failPage, loginRedirect, statusFor } from "../http.ts";
import { csrfInput, messageBox, page } from "../layout.ts";
import { findByHandle } from "./profile-lookup.ts";
import { raw } from "hono/html";

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
    const t = await thread(ctx.db.kysely, found.post.id, viewer?.id ?? null);
    if (!t) return failPage(c, "not_found", "That post does not exist or was deleted.");
    const parents = new Map(t.descendants.map((d) => [d.post.id, d.post.inReplyToId]));
    let replyBox: ReturnType<typeof html> | string = "";
    if (viewer) {
      const why = await ctx.services.posts.replyProblem(found.post, viewer.id);
      replyBox = why
        ? html`<p class="muted" id="reply">${why}</p>`
        : html`<section aria-labelledby="reply-h"><h2 id="reply-h">Reply</h2>${composer(c, { id: "reply", label: `Reply to @${found.author.username}`, inReplyToId: found.post.id, returnTo: c.req.path, submitLabel: "Reply" })}</section>`;
    } else {
      replyBox = html`<p id="reply"><a href="/login?return_to=${encodeURIComponent(c.req.path)}">Log in</a> to reply.</p>`;
    }
    const head = isShared(found.author, ctx.config)
      ? html`<link rel="alternate" type="application/activity+json" href="${ctx.config.origin}${c.req.path}">`
      : undefined;
    const summary = found.post.text.slice(0, 60);
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
<p class="context">${i === 0 ? "Current version" : i === versions.length - 1 ? "Original" : "Earlier version"} · <time datetime="${v.createdAt}">${longTime(v.createdAt)}</time></p>
${v.summary ? html`<p><strong>${v.summary}</strong></p>` : ""}
<div class="post-body">${raw(v.html)}</div>
</article></li>`,
)}
</ol>`,
      ),
    );
  });

  const editForm = (c: WebContext, post: Post, author: Account, text: string, error?: string | null) =>
    page(
      c,
      { title: "Edit post" },
      html`<h1>Edit post</h1>
<form method="post" action="/posts/${post.id}/edit" class="composer">
${messageBox(error)}
${csrfInput(c)}
<label for="edit-text">Post text</label>
<textarea id="edit-text" name="text" rows="5" data-max="500">${text}</textarea>
<p class="hint">Earlier versions stay visible in the edit history.</p>
<div class="row"><button type="submit">Save</button><a href="${postPath(author, post.id)}">Cancel</a><span class="counter" aria-live="polite" data-counter-for="edit-text"></span></div>
</form>`,
    );

  web.get("/posts/:id/edit", async (c) => {
    const viewer = c.get("viewer");
    if (!viewer) return loginRedirect(c);
    const id = c.req.param("id");
    const post = isId(id) ? await findPostById(ctx.db.kysely, id) : null;
    if (!post || post.accountId !== viewer.id || post.repostOfId || !post.local) return failPage(c, "not_found", "That post does not exist or is not yours to edit.");
    return c.html(editForm(c, post, viewer, post.text));
  });

  web.post("/posts/:id/edit", async (c) => {
    const viewer = c.get("viewer");
    if (!viewer) return loginRedirect(c);
    const id = c.req.param("id");
    const f = await formData(c);
    const r = await ctx.services.posts.edit(viewer.id, isId(id) ? id : "0", { text: f.text ?? "" });
    if (!r.ok) {
      const post = isId(id) ? await findPostById(ctx.db.kysely, id) : null;
      if (!post || post.accountId !== viewer.id) return failPage(c, r.error, r.message);
      return c.html(editForm(c, post, viewer, f.text ?? "", r.message), statusFor(r.error));
    }
    return c.redirect(postPath(viewer, r.value.id), 303);
  });

  // like, unlike, repost, unrepost: same shape, the service decides.
  for (const action of ["like", "unlike", "repost", "unrepost"] as const) {
    web.post(`/posts/:id/${action}`, async (c) => {
      const viewer = c.get("viewer");
      if (!viewer) return loginRedirect(c);
      const id = c.req.param("id");
      if (!isId(id)) return failPage(c, "not_found", "That post does not exist or was deleted.");
      const r = await ctx.services.posts[action](viewer.id, id);
      if (!r.ok) return failPage(c, r.error, r.message);
      return back(ctx, c);
    });
  }

  web.post("/posts/:id/delete", async (c) => {
    const viewer = c.get("viewer");
    if (!viewer) return loginRedirect(c);
    const id = c.req.param("id");
    if (!isId(id)) return failPage(c, "not_found", "That post does not exist or was deleted.");
    const r = await ctx.services.posts.delete(viewer.id, id);
    if (!r.ok) return failPage(c, r.error, r.message);
    // Going back to the deleted post's own page would be a 404: go to the profile.
    const f = await formData(c);
    const author = await findAccountById(ctx.db.kysely, r.value.accountId);
    const gone = author ? postPath(author, id) : "";
    if (!f.return_to || (gone && f.return_to.startsWith(gone))) return c.redirect(author ? profilePath(author) : "/", 303);
    return back(ctx, c);
  });
}
