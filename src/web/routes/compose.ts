// /compose: writes posts, replies and quotes, with media. A form carrying new files and
// no `step=post` (sent by the script once it showed previews) is an upload step: the
// files are stored and the form comes back with previews and description boxes, the
// text kept. Any refusal (a file that is not media, too many, too big) stores nothing.
import { html } from "hono/html";
import type { Hono } from "hono";
import type { WeftContext } from "../../app.ts";
import { findAccountById } from "../../db/repositories/accounts.ts";
import { hydratePosts } from "../../db/views/post-views.ts";
import { mediaById } from "../../db/views/media.ts";
import type { Account } from "../../domain/account.ts";
import { isId } from "../../domain/ids.ts";
import { ok, type Result } from "../../domain/result.ts";
import type { MediaAttachment } from "../../media/types.ts";
import { composer, replyVisibility, type ComposerOptions } from "../components/composer.ts";
import { loadAttachments } from "../components/media.ts";
import { postPath } from "../components/paths.ts";
import { postCard } from "../components/post.ts";
import { formData, type WebContext, type WebEnv } from "../env.ts";
import { loginRedirect, statusFor } from "../http.ts";
import { page, type Html } from "../layout.ts";
import { safeReturnTo } from "../redirect.ts";
import { discard, filesIn, uploadAll } from "../uploads.ts";

/** The post being replied to or quoted, drawn above the composer (if the viewer may see it). */
async function contextPost(ctx: WeftContext, c: WebContext, id: string | undefined | null): Promise<Html | string> {
  if (!isId(id)) return "";
  const viewer = c.get("viewer");
  const r = await ctx.services.posts.visiblePost(id, viewer?.id ?? null);
  if (!r.ok) return "";
  const [v] = await hydratePosts(ctx.db.kysely, [r.value], viewer?.id ?? null);
  if (!v) return "";
  await loadAttachments(ctx, c, [v]);
  return postCard(c, v, { nested: true });
}

async function composePage(ctx: WeftContext, c: WebContext, o: ComposerOptions & { title?: string }) {
  const title = o.title ?? (o.inReplyToId ? "Reply" : o.quoteOfId ? "Quote" : "New post");
  const ctxPost = await contextPost(ctx, c, o.inReplyToId ?? o.quoteOfId);
  const label = o.inReplyToId ? "Your reply" : o.quoteOfId ? "Your comment" : "New post";
  return page(c, { title }, html`<h1>${title}</h1>${ctxPost}${composer(c, { ...o, label })}`);
}

/** The uploads named by the form that are still the viewer's and unposted, in order. */
async function pendingMedia(ctx: WeftContext, viewer: Account, value: string | undefined): Promise<MediaAttachment[]> {
  const ids = [...new Set((value ?? "").split(",").filter(isId))].slice(0, 20);
  const out: MediaAttachment[] = [];
  for (const id of ids) {
    const m = await mediaById(ctx.db.kysely, id);
    if (m && m.accountId === viewer.id && !m.postId && !m.remoteUrl) out.push(m);
  }
  return out;
}

/** Applies the descriptions and removals typed on the upload step. */
async function reviseMedia(ctx: WeftContext, viewer: Account, media: MediaAttachment[], f: Record<string, string>): Promise<Result<MediaAttachment[]>> {
  const kept: MediaAttachment[] = [];
  for (const m of media) {
    if (f[`remove_${m.id}`] === "1") {
      await ctx.services.media.delete(viewer.id, m.id);
      continue;
    }
    const description = f[`alt_${m.id}`];
    if (description === undefined || description === m.description) {
      kept.push(m);
      continue;
    }
    const r = await ctx.services.media.update(viewer.id, m.id, { description });
    if (!r.ok) return r;
    kept.push(r.value);
  }
  return ok(kept);
}

export function composeRoutes(web: Hono<WebEnv>, ctx: WeftContext): void {
  web.get("/compose", async (c) => {
    if (!c.get("viewer")) return loginRedirect(c);
    const replyTo = c.req.query("reply_to");
    const quote = c.req.query("quote");
    const parent = isId(replyTo) ? await ctx.services.posts.visiblePost(replyTo, c.get("viewer")!.id) : null;
    const visibility = parent?.ok ? replyVisibility(parent.value.visibility) : "public";
    return c.html(await composePage(ctx, c, { inReplyToId: isId(replyTo) ? replyTo : null, quoteOfId: isId(quote) ? quote : null, visibility }));
  });

  web.post("/compose", async (c) => {
    const viewer = c.get("viewer");
    if (!viewer) return loginRedirect(c);
    const f = await formData(c);
    const form: ComposerOptions = {
      text: f.text ?? "",
      inReplyToId: f.in_reply_to_id || null,
      quoteOfId: f.quote_of_id || null,
      replyPolicy: f.reply_policy || "anyone",
      visibility: f.visibility || "public",
      summary: f.summary ?? "",
      sensitive: f.sensitive === "1",
      returnTo: f.return_to ? safeReturnTo(ctx, f.return_to) : undefined,
    };
    const again = async (r: { error: Parameters<typeof statusFor>[0]; message: string }, media: MediaAttachment[]) =>
      c.html(await composePage(ctx, c, { ...form, media, error: r.message }), statusFor(r.error));

    const revised = await reviseMedia(ctx, viewer, await pendingMedia(ctx, viewer, f.media_ids), f);
    if (!revised.ok) return again(revised, await pendingMedia(ctx, viewer, f.media_ids));
    let media = revised.value;

    const files = await filesIn(c, "media");
    if (files.length) {
      const { maxImagesPerPost } = ctx.services.media.limits;
      if (files.length + media.length > maxImagesPerPost) {
        return again({ error: "invalid", message: `A post can have at most ${maxImagesPerPost} images (or one video).` }, media);
      }
      const uploaded = await uploadAll(ctx, viewer.id, files, files.map((_, i) => f[`file_alt_${i}`]));
      if (!uploaded.ok) return again(uploaded, media);
      const all = [...media, ...uploaded.value];
      // Mixed kinds (a video with images) are refused here, before anything is posted.
      const attachable = await ctx.services.media.checkAttachable(viewer.id, all.map((m) => m.id));
      if (!attachable.ok) {
        await discard(ctx, viewer.id, uploaded.value.map((m) => m.id));
        return again(attachable, media);
      }
      media = all;
      if (f.step !== "post") {
        return c.html(await composePage(ctx, c, { ...form, media, title: "Describe your media" }));
      }
    }

    const r = await ctx.services.posts.create(viewer.id, {
      text: form.text ?? "",
      inReplyToId: form.inReplyToId,
      quoteOfId: form.quoteOfId,
      replyPolicy: form.replyPolicy,
      visibility: form.visibility,
      summary: form.summary,
      sensitive: form.sensitive,
      mediaIds: media.map((m) => m.id),
    });
    if (!r.ok) return again(r, media);
    const author = (await findAccountById(ctx.db.kysely, viewer.id))!;
    const fallback = postPath(author, r.value.id);
    return c.redirect(form.returnTo ? safeReturnTo(ctx, form.returnTo, fallback) : fallback, 303);
  });
}
