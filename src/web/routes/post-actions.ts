// A post's actions: edit (text, content warning, media descriptions), like, unlike, repost, unrepost, and delete
// (a confirmation page, then the POST). Each redirects back with a 303.
import { html } from "hono/html";
import type { Hono } from "hono";
import type { WeftContext } from "../../app.ts";
import type { Account } from "../../domain/account.ts";
import { isId } from "../../domain/ids.ts";
import type { Post } from "../../domain/post.ts";
import { findAccountById } from "../../db/repositories/accounts.ts";
import { findPostById } from "../../db/repositories/posts.ts";
import { loadAttachments } from "../components/media.ts";
import { attachmentsForPosts } from "../../db/views/media.ts";
import type { MediaAttachment } from "../../media/types.ts";
import { attachmentUrls } from "../../media/urls.ts";
import { hydratePosts } from "../../db/views/post-views.ts";
import { postPath, profilePath } from "../components/paths.ts";
import { postCard } from "../components/post.ts";
import { formData, type WebContext, type WebEnv } from "../env.ts";
import { back, failPage, loginRedirect, statusFor } from "../http.ts";
import { csrfInput, messageBox, page } from "../layout.ts";
import { safeReturnTo } from "../redirect.ts";

export function postActionRoutes(web: Hono<WebEnv>, ctx: WeftContext): void {
  const editForm = (c: WebContext, post: Post, author: Account, form: { text: string; summary: string | null; media: MediaAttachment[] }, error?: string | null) =>
    page(
      c,
      { title: "Edit post" },
      html`<h1>Edit post</h1>
<form method="post" action="/posts/${post.id}/edit" class="composer">
${messageBox(error)}
${csrfInput(c)}
<label for="edit-text">Post text</label>
<textarea id="edit-text" name="text" rows="5" data-max="500">${form.text}</textarea>
<p class="hint">Earlier versions stay visible in the edit history.</p>
<label for="edit-summary">Content warning <span class="muted">(optional)</span></label>
<input type="text" id="edit-summary" name="summary" maxlength="200" value="${form.summary ?? ""}">
${form.media.length
    ? html`<ol class="pending-media" aria-label="Attached media">${form.media.map(
        (m, i) => html`<li>${m.kind === "image" ? html`<img src="${attachmentUrls(ctx, m).previewUrl}" alt="" width="96" height="96">` : ""}
<div><label for="edit-alt-${m.id}">Description (alt text) of ${m.kind === "image" ? "image" : "video"} ${i + 1}</label>
<textarea id="edit-alt-${m.id}" name="alt_${m.id}" rows="2" maxlength="1500" data-alt>${m.description}</textarea></div></li>`,
      )}</ol>`
    : ""}
<div class="row"><button type="submit">Save</button><a href="${postPath(author, post.id)}">Cancel</a><span class="counter" aria-live="polite" data-counter-for="edit-text"></span></div>
</form>`,
    );

  const ownPost = async (viewer: Account, id: string | undefined) => {
    const post = isId(id) ? await findPostById(ctx.db.kysely, id) : null;
    if (!post || post.accountId !== viewer.id || post.repostOfId || !post.local) return null;
    return { post, media: (await attachmentsForPosts(ctx.db.kysely, [post.id])).get(post.id) ?? [] };
  };

  web.get("/posts/:id/edit", async (c) => {
    const viewer = c.get("viewer");
    if (!viewer) return loginRedirect(c);
    const own = await ownPost(viewer, c.req.param("id"));
    if (!own) return failPage(c, "not_found", "That post does not exist or is not yours to edit.");
    return c.html(editForm(c, own.post, viewer, { text: own.post.text, summary: own.post.summary, media: own.media }));
  });

  // Text and content warning go through one edit (a new history entry) only when they
  // changed, so fixing a description alone works on a post without text too.
  web.post("/posts/:id/edit", async (c) => {
    const viewer = c.get("viewer");
    if (!viewer) return loginRedirect(c);
    const own = await ownPost(viewer, c.req.param("id"));
    if (!own) return failPage(c, "not_found", "That post does not exist or is not yours to edit.");
    const f = await formData(c);
    const text = (f.text ?? "").replace(/\r\n?/g, "\n");
    const summary = f.summary === undefined ? own.post.summary : f.summary.trim() || null;
    const again = (message: string, status: ReturnType<typeof statusFor>) =>
      c.html(editForm(c, own.post, viewer, { text, summary, media: own.media.map((m) => ({ ...m, description: f[`alt_${m.id}`] ?? m.description })) }, message), status);
    if (text !== own.post.text || summary !== own.post.summary) {
      const r = await ctx.services.posts.edit(viewer.id, own.post.id, { text, summary });
      if (!r.ok) return again(r.message, statusFor(r.error));
    }
    for (const m of own.media) {
      const description = f[`alt_${m.id}`];
      if (description === undefined || description === m.description) continue;
      const r = await ctx.services.media.update(viewer.id, m.id, { description });
      if (!r.ok) return again(r.message, statusFor(r.error));
    }
    return c.redirect(postPath(viewer, own.post.id), 303);
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

  // Deleting cannot be undone: a confirmation page first (no JavaScript needed).
  web.get("/posts/:id/delete", async (c) => {
    const viewer = c.get("viewer");
    if (!viewer) return loginRedirect(c);
    const id = c.req.param("id");
    const post = isId(id) ? await findPostById(ctx.db.kysely, id) : null;
    if (!post || post.repostOfId || (post.accountId !== viewer.id && !viewer.isAdmin)) {
      return failPage(c, "not_found", "That post does not exist or is not yours to delete.");
    }
    const [v] = await hydratePosts(ctx.db.kysely, [post], viewer.id);
    await loadAttachments(ctx, c, [v]);
    const returnTo = safeReturnTo(ctx, c.req.query("return_to"), "/");
    return c.html(
      page(
        c,
        { title: "Delete post" },
        html`<h1>Delete this post?</h1>
${v ? postCard(c, v, { nested: true }) : ""}
<p>This cannot be undone. Replies to it stay, shown as replies to a deleted post.</p>
<form method="post" action="/posts/${post.id}/delete">${csrfInput(c)}<input type="hidden" name="return_to" value="${returnTo}">
<div class="row"><button type="submit" class="danger">Delete</button><a href="${returnTo}">Cancel</a></div></form>`,
      ),
    );
  });

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
