// Statuses: create (with Idempotency-Key, Tusky API), read, edit with source and history,
// delete, and the thread context. Writes go through services.posts, as the web UI's do.
import type { Hono } from "hono";
import type { WeftContext } from "../../../app.ts";
import { thread } from "../../../db/views/timelines.ts";
import { hydratePosts } from "../../../db/views/post-views.ts";
import { nowIso } from "../../../services/deps.ts";
import { proxiedUrl } from "../../../media/urls.ts";
import { attachmentsForPosts } from "../../../db/views/media.ts";
import { optionalUser, requireUser, type ApiEnv } from "../auth.ts";
import { apiDb } from "../db.ts";
import { ApiError, bool, list, must, notFound, str } from "../http.ts";
import { loadStats, renderStatus, renderStatuses } from "../render.ts";
import { NO_STATS } from "../serializers/account.ts";
import { editToMastodonStatusEdit, visibilityFromMastodon } from "../serializers/status.ts";
import { mountStatusActions } from "./status-actions.ts";
import { visibleView } from "./visible.ts";

export function mountStatuses(api: Hono<ApiEnv>, ctx: WeftContext): void {
  const db = apiDb(ctx.db);

  api.post("/api/v1/statuses", async (c) => {
    const me = requireUser(c, "write:statuses");
    const p = c.get("params");
    if (p.poll !== undefined && p.poll !== null && p.poll !== "") throw new ApiError(422, "Validation failed: polls are not supported");
    const key = c.req.header("idempotency-key")?.slice(0, 200);
    if (key) {
      const seen = await db.selectFrom("idempotency_keys").select("post_id").where("account_id", "=", me.id).where("key", "=", key).executeTakeFirst();
      if (seen) return c.json(await renderStatus(ctx, me.id, await visibleView(ctx, seen.post_id, me.id)));
    }
    const visRaw = str(p, "visibility");
    const visibility = visRaw ? visibilityFromMastodon(visRaw) : undefined;
    if (visRaw && !visibility) throw new ApiError(422, "Validation failed: Visibility is not included in the list");
    const post = must(
      await ctx.services.posts.create(me.id, {
        text: str(p, "status") ?? "",
        visibility,
        inReplyToId: str(p, "in_reply_to_id") || null,
        quoteOfId: str(p, "quoted_status_id") || null,
        summary: str(p, "spoiler_text") || null,
        sensitive: bool(p, "sensitive") ?? false,
        language: str(p, "language")?.slice(0, 10) || null,
        mediaIds: list(p, "media_ids"),
      }),
    );
    if (key) {
      await db
        .insertInto("idempotency_keys")
        .values({ account_id: me.id, key, post_id: post.id, created_at: nowIso() })
        .onConflict((oc) => oc.columns(["account_id", "key"]).doNothing())
        .execute();
    }
    return c.json(await renderStatus(ctx, me.id, await visibleView(ctx, post.id, me.id)));
  });

  // Mastodon 4.3's multi-get: GET /api/v1/statuses?id[]=1&id[]=2; hidden or unknown ids are skipped.
  api.get("/api/v1/statuses", async (c) => {
    const viewerId = optionalUser(c, "read:statuses")?.id ?? null;
    const ids = list(c.get("params"), "id").slice(0, 20);
    const views = [];
    for (const id of ids) {
      const r = await ctx.services.posts.visiblePost(id, viewerId);
      if (r.ok) views.push(r.value);
    }
    return c.json(await renderStatuses(ctx, viewerId, await hydratePosts(ctx.db.kysely, views, viewerId)));
  });

  api.get("/api/v1/statuses/:id", async (c) => {
    const viewer = optionalUser(c, "read:statuses");
    return c.json(await renderStatus(ctx, viewer?.id ?? null, await visibleView(ctx, c.req.param("id"), viewer?.id ?? null)));
  });

  api.delete("/api/v1/statuses/:id", async (c) => {
    const me = requireUser(c, "write:statuses");
    const view = await visibleView(ctx, c.req.param("id"), me.id);
    const rendered = await renderStatus(ctx, me.id, view);
    must(await ctx.services.posts.delete(me.id, view.post.id));
    // Delete-and-redraft needs the source text back (Mastodon returns it here).
    return c.json({ ...rendered, text: view.post.text });
  });

  api.put("/api/v1/statuses/:id", async (c) => {
    const me = requireUser(c, "write:statuses");
    const p = c.get("params");
    // Clients resend the current media_ids with every edit (Tusky); changing them is not supported yet.
    const mediaIds = list(p, "media_ids");
    if (mediaIds.length > 0) {
      const current = (await attachmentsForPosts(ctx.db.kysely, [c.req.param("id")])).get(c.req.param("id")) ?? [];
      if (mediaIds.join(",") !== current.map((m) => m.id).join(",")) throw new ApiError(422, "Validation failed: media attachments cannot be changed by an edit yet");
    }
    const spoiler = str(p, "spoiler_text");
    must(await ctx.services.posts.edit(me.id, c.req.param("id"), { text: str(p, "status") ?? "", summary: spoiler === undefined ? undefined : spoiler || null, sensitive: bool(p, "sensitive") }));
    return c.json(await renderStatus(ctx, me.id, await visibleView(ctx, c.req.param("id"), me.id)));
  });

  // Tusky's edit screen fails without this (PF#6079).
  api.get("/api/v1/statuses/:id/source", async (c) => {
    const me = requireUser(c, "read:statuses");
    const view = await visibleView(ctx, c.req.param("id"), me.id);
    if (view.post.accountId !== me.id) throw notFound();
    return c.json({ id: view.post.id, text: view.post.text, spoiler_text: view.post.summary ?? "" });
  });

  api.get("/api/v1/statuses/:id/history", async (c) => {
    const viewer = optionalUser(c, "read:statuses");
    const view = await visibleView(ctx, c.req.param("id"), viewer?.id ?? null);
    const versions = must(await ctx.services.posts.history(view.post.id, viewer?.id ?? null));
    const stats = (await loadStats(ctx, [view.author.id])).get(view.author.id) ?? NO_STATS;
    return c.json(versions.map((v) => editToMastodonStatusEdit(v, view.author, stats, view.post.sensitive, ctx.config.origin, (u) => proxiedUrl(ctx, u))));
  });

  api.get("/api/v1/statuses/:id/context", async (c) => {
    const viewer = optionalUser(c, "read:statuses");
    const viewerId = viewer?.id ?? null;
    await visibleView(ctx, c.req.param("id"), viewerId);
    const t = await thread(ctx.db.kysely, c.req.param("id"), viewerId);
    if (!t) return c.json({ ancestors: [], descendants: [] });
    const all = await renderStatuses(ctx, viewerId, [...t.ancestors, ...t.descendants]);
    return c.json({ ancestors: all.slice(0, t.ancestors.length), descendants: all.slice(t.ancestors.length) });
  });

  mountStatusActions(api, ctx);
}

