// GET /api/v1/accounts/:id/statuses with exclude_replies, exclude_reblogs, only_media and
// pinned. The profile view lists either top-level posts or replies; Mastodon's default
// (both) is the two merged by id, which keeps every cursor (max_id, since_id, min_id) exact.
import type { WeftContext } from "../../../app.ts";
import { findAccountById } from "../../../db/repositories/accounts.ts";
import { rowToPost } from "../../../db/repositories/posts.ts";
import { hydratePosts, type PostView } from "../../../db/views/post-views.ts";
import { profilePosts } from "../../../db/views/timelines.ts";
import { optionalUser, type ApiContext } from "../auth.ts";
import { apiDb } from "../db.ts";
import { bool, notFound, pageParams, setLinkHeader, type PageParams } from "../http.ts";
import { visibleTo } from "../../../db/views/relations.ts";
import { withMedia } from "../../../media/types.ts";
import { renderStatuses } from "../render.ts";

export async function accountStatuses(ctx: WeftContext, c: ApiContext) {
  const viewer = optionalUser(c, "read:statuses");
  const viewerId = viewer?.id ?? null;
  const account = await findAccountById(ctx.db.kysely, c.req.param("id") ?? "");
  if (!account || (account.suspended && account.domain === null)) throw notFound();
  const p = c.get("params");
  const page = pageParams(p);
  let views: PostView[];
  if (bool(p, "only_media")) {
    views = await mediaPosts(ctx, account.id, viewerId, page);
    setLinkHeader(c, ctx.config.origin, views.map((v) => v.post.id));
  } else if (bool(p, "pinned")) {
    views = await pinnedPosts(ctx, account.id, viewerId);
  } else {
    const excludeReposts = bool(p, "exclude_reblogs") ?? false;
    const topLevel = await profilePosts(ctx.db.kysely, account.id, viewerId, page, { replies: false, excludeReposts });
    if (bool(p, "exclude_replies")) views = topLevel;
    else {
      const replies = await profilePosts(ctx.db.kysely, account.id, viewerId, page, { replies: true, excludeReposts });
      const merged = [...topLevel, ...replies].sort((a, b) => (a.post.id < b.post.id ? 1 : -1));
      // With min_id the page is the `limit` oldest after the cursor; otherwise the newest.
      views = page.minId ? merged.slice(-page.limit) : merged.slice(0, page.limit);
    }
    setLinkHeader(c, ctx.config.origin, views.map((v) => v.post.id));
  }
  return c.json(await renderStatuses(ctx, viewerId, views));
}

/** The account's own posts (not reposts) with attachments, visible to the viewer, newest first. */
async function mediaPosts(ctx: WeftContext, accountId: string, viewerId: string | null, page: PageParams): Promise<PostView[]> {
  let q = withMedia(ctx.db.kysely)
    .selectFrom("posts as p")
    .innerJoin("accounts as a", "a.id", "p.account_id")
    .selectAll("p")
    .where("p.account_id", "=", accountId)
    .where((eb) => visibleTo(eb as never, viewerId) as never)
    .where((eb) => eb.exists(eb.selectFrom("media_attachments as m").select("m.id").whereRef("m.post_id", "=", "p.id")));
  if (page.maxId) q = q.where("p.id", "<", page.maxId);
  if (page.sinceId) q = q.where("p.id", ">", page.sinceId);
  if (page.minId) q = q.where("p.id", ">", page.minId);
  let rows = await q.orderBy("p.id", page.minId ? "asc" : "desc").limit(page.limit).execute();
  if (page.minId) rows = rows.reverse();
  return hydratePosts(ctx.db.kysely, rows.map((r) => rowToPost(r as never)), viewerId);
}

async function pinnedPosts(ctx: WeftContext, accountId: string, viewerId: string | null): Promise<PostView[]> {
  const rows = await apiDb(ctx.db)
    .selectFrom("pins")
    .innerJoin("posts", "posts.id", "pins.post_id")
    .selectAll("posts")
    .where("pins.account_id", "=", accountId)
    .orderBy("pins.id", "desc")
    .limit(20)
    .execute();
  const visible = [];
  for (const r of rows) {
    const post = rowToPost(r);
    if (await ctx.services.posts.canView(post, viewerId)) visible.push(post);
  }
  return hydratePosts(ctx.db.kysely, visible, viewerId);
}
