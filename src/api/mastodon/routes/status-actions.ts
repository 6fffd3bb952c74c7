// What a user does to a status: favourite, reblog, bookmark, pin (and undo), who
// favourited or reblogged it, and the caller's bookmarks and favourites lists.
import type { Hono } from "hono";
import type { WeftContext } from "../../../app.ts";
import type { Account } from "../../../domain/account.ts";
import type { Post } from "../../../domain/post.ts";
import { newId } from "../../../domain/ids.ts";
import { rowToAccount } from "../../../db/repositories/accounts.ts";
import { rowToPost } from "../../../db/repositories/posts.ts";
import { hydratePosts } from "../../../db/views/post-views.ts";
import { nowIso } from "../../../services/deps.ts";
import { optionalUser, requireUser, type ApiContext, type ApiEnv } from "../auth.ts";
import { apiDb } from "../db.ts";
import { ApiError, must, pageParams, setLinkHeader } from "../http.ts";
import { renderAccounts, renderStatus, renderStatuses } from "../render.ts";
import { visibleView } from "./visible.ts";

const MAX_PINS = 5;

export function mountStatusActions(api: Hono<ApiEnv>, ctx: WeftContext): void {
  const db = apiDb(ctx.db);
  const respond = async (c: ApiContext, viewerId: string, postId: string) => c.json(await renderStatus(ctx, viewerId, await visibleView(ctx, postId, viewerId)));
  /** Actions on a boost act on the boosted post, as in Mastodon. */
  const original = (v: { post: Post; repostOf: { post: Post } | null }) => v.repostOf?.post ?? v.post;

  api.post("/api/v1/statuses/:id/favourite", async (c) => {
    const me = requireUser(c, "write:favourites");
    const post = must(await ctx.services.posts.like(me.id, (await visibleView(ctx, c.req.param("id"), me.id)).post.id));
    return respond(c, me.id, post.id);
  });
  api.post("/api/v1/statuses/:id/unfavourite", async (c) => {
    const me = requireUser(c, "write:favourites");
    const view = await visibleView(ctx, c.req.param("id"), me.id);
    must(await ctx.services.posts.unlike(me.id, original(view).id));
    return respond(c, me.id, original(view).id);
  });
  api.post("/api/v1/statuses/:id/reblog", async (c) => {
    const me = requireUser(c, "write:statuses");
    await visibleView(ctx, c.req.param("id"), me.id);
    const repost = must(await ctx.services.posts.repost(me.id, c.req.param("id")));
    return respond(c, me.id, repost.id);
  });
  api.post("/api/v1/statuses/:id/unreblog", async (c) => {
    const me = requireUser(c, "write:statuses");
    const view = await visibleView(ctx, c.req.param("id"), me.id);
    must(await ctx.services.posts.unrepost(me.id, original(view).id));
    return respond(c, me.id, original(view).id);
  });

  api.post("/api/v1/statuses/:id/bookmark", async (c) => {
    const me = requireUser(c, "write:bookmarks");
    const post = original(await visibleView(ctx, c.req.param("id"), me.id));
    await db
      .insertInto("bookmarks")
      .values({ id: newId(), account_id: me.id, post_id: post.id, created_at: nowIso() })
      .onConflict((oc) => oc.columns(["account_id", "post_id"]).doNothing())
      .execute();
    return respond(c, me.id, post.id);
  });
  api.post("/api/v1/statuses/:id/unbookmark", async (c) => {
    const me = requireUser(c, "write:bookmarks");
    const post = original(await visibleView(ctx, c.req.param("id"), me.id));
    await db.deleteFrom("bookmarks").where("account_id", "=", me.id).where("post_id", "=", post.id).execute();
    return respond(c, me.id, post.id);
  });

  api.post("/api/v1/statuses/:id/pin", async (c) => {
    const me = requireUser(c, "write:accounts");
    const { post } = await visibleView(ctx, c.req.param("id"), me.id);
    if (post.accountId !== me.id || post.repostOfId) throw new ApiError(422, "Validation failed: You can only pin your own posts");
    if (post.visibility === "direct") throw new ApiError(422, "Validation failed: Direct posts cannot be pinned");
    const count = await db.selectFrom("pins").select((eb) => eb.fn.countAll<number>().as("n")).where("account_id", "=", me.id).executeTakeFirstOrThrow();
    if (Number(count.n) >= MAX_PINS) throw new ApiError(422, `Validation failed: You can pin at most ${MAX_PINS} posts`);
    await db
      .insertInto("pins")
      .values({ id: newId(), account_id: me.id, post_id: post.id, created_at: nowIso() })
      .onConflict((oc) => oc.columns(["account_id", "post_id"]).doNothing())
      .execute();
    return respond(c, me.id, post.id);
  });
  api.post("/api/v1/statuses/:id/unpin", async (c) => {
    const me = requireUser(c, "write:accounts");
    const { post } = await visibleView(ctx, c.req.param("id"), me.id);
    await db.deleteFrom("pins").where("account_id", "=", me.id).where("post_id", "=", post.id).execute();
    return respond(c, me.id, post.id);
  });

  api.get("/api/v1/statuses/:id/favourited_by", async (c) => {
    const viewer = optionalUser(c, "read:accounts");
    const post = original(await visibleView(ctx, c.req.param("id"), viewer?.id ?? null));
    const page = pageParams(c.get("params"), 40, 80);
    let q = db.selectFrom("likes as l").innerJoin("accounts as a", "a.id", "l.account_id").selectAll("a").select("l.id as cursor").where("l.post_id", "=", post.id);
    if (page.maxId) q = q.where("l.id", "<", page.maxId);
    const rows = await q.orderBy("l.id", "desc").limit(page.limit).execute();
    setLinkHeader(c, ctx.config.origin, rows.map((r) => r.cursor));
    return c.json(await renderAccounts(ctx, rows.map((r) => rowToAccount(r as never))));
  });
  api.get("/api/v1/statuses/:id/reblogged_by", async (c) => {
    const viewer = optionalUser(c, "read:accounts");
    const post = original(await visibleView(ctx, c.req.param("id"), viewer?.id ?? null));
    const page = pageParams(c.get("params"), 40, 80);
    let q = db.selectFrom("posts as p").innerJoin("accounts as a", "a.id", "p.account_id").selectAll("a").select("p.id as cursor").where("p.repost_of_id", "=", post.id);
    if (page.maxId) q = q.where("p.id", "<", page.maxId);
    const rows = await q.orderBy("p.id", "desc").limit(page.limit).execute();
    setLinkHeader(c, ctx.config.origin, rows.map((r) => r.cursor));
    return c.json(await renderAccounts(ctx, rows.map((r) => rowToAccount(r as never) as Account)));
  });

  // The caller's bookmarks and favourites, paged by when they were made (Mastodon pages
  // these by the bookmark/favourite id, which is what the Link header carries).
  for (const [path, table, scope] of [["/api/v1/bookmarks", "bookmarks", "read:bookmarks"], ["/api/v1/favourites", "likes", "read:favourites"]] as const) {
    api.get(path, async (c) => {
      const me = requireUser(c, scope);
      const page = pageParams(c.get("params"));
      let q = db.selectFrom(`${table} as m` as "bookmarks as m").innerJoin("posts as p", "p.id", "m.post_id").selectAll("p").select("m.id as cursor").where("m.account_id", "=", me.id);
      if (page.maxId) q = q.where("m.id", "<", page.maxId);
      if (page.sinceId) q = q.where("m.id", ">", page.sinceId);
      const rows = await q.orderBy("m.id", "desc").limit(page.limit).execute();
      const visible = [];
      for (const r of rows) {
        const post = rowToPost(r as never);
        if (await ctx.services.posts.canView(post, me.id)) visible.push(post);
      }
      setLinkHeader(c, ctx.config.origin, rows.map((r) => r.cursor));
      return c.json(await renderStatuses(ctx, me.id, await hydratePosts(ctx.db.kysely, visible, me.id)));
    });
  }
}
