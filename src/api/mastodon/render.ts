// Gathers what serializers need beyond the views, in a few batched queries per response:
// account counters, and the viewer's bookmarks and pins among the posts shown.
import { idTime } from "../../domain/ids.ts";
import type { WeftContext } from "../../app.ts";
import type { Account } from "../../domain/account.ts";
import type { PostView } from "../../db/views/post-views.ts";
import type { NotificationView } from "../../db/views/notifications.ts";
import { attachmentsForPosts } from "../../db/views/media.ts";
import { proxiedUrl } from "../../media/urls.ts";
import { apiDb } from "./db.ts";
import { accountToMastodonAccount, NO_STATS, type AccountStats } from "./serializers/account.ts";
import { postViewToMastodonStatus, type StatusContext } from "./serializers/status.ts";
import { notificationToMastodon } from "./serializers/notification.ts";

export async function loadStats(ctx: WeftContext, accountIds: string[]): Promise<Map<string, AccountStats>> {
  const ids = [...new Set(accountIds)];
  const out = new Map<string, AccountStats>(ids.map((id) => [id, { ...NO_STATS }]));
  if (ids.length === 0) return out;
  // Stored counters (kept by triggers, migration 0007): one primary-key read per author
  // instead of counting their followers on every timeline page.
  const rows = await ctx.db.kysely.selectFrom("account_stats").selectAll().where("account_id", "in", ids).execute();
  for (const r of rows) {
    const s = out.get(r.account_id)!;
    s.followers = Number(r.followers_count);
    s.following = Number(r.following_count);
    s.statuses = Number(r.posts_count);
    s.lastStatusAt = r.last_post_id ? new Date(idTime(r.last_post_id)).toISOString() : null;
  }
  return out;
}

function collectAccounts(views: PostView[], into: string[] = []): string[] {
  for (const v of views) {
    into.push(v.author.id);
    if (v.repostOf) collectAccounts([v.repostOf], into);
    if (v.quoteOf) collectAccounts([v.quoteOf], into);
  }
  return into;
}

function collectPosts(views: PostView[], into: string[] = []): string[] {
  for (const v of views) {
    into.push(v.post.id);
    if (v.repostOf) collectPosts([v.repostOf], into);
    if (v.quoteOf) collectPosts([v.quoteOf], into);
  }
  return into;
}

export async function statusContext(ctx: WeftContext, viewerId: string | null, views: PostView[], extraAccountIds: string[] = []): Promise<StatusContext> {
  const postIds = [...new Set(collectPosts(views))];
  const db = apiDb(ctx.db);
  const [stats, bookmarks, pins, media] = await Promise.all([
    loadStats(ctx, [...collectAccounts(views), ...extraAccountIds]),
    viewerId && postIds.length ? db.selectFrom("bookmarks").select("post_id").where("account_id", "=", viewerId).where("post_id", "in", postIds).execute() : [],
    postIds.length ? db.selectFrom("pins").select("post_id").where("post_id", "in", postIds).execute() : [],
    attachmentsForPosts(ctx.db.kysely, postIds),
  ]);
  return {
    origin: ctx.config.origin,
    media,
    urls: ctx,
    proxy: (url) => proxiedUrl(ctx, url),
    stats,
    bookmarked: new Set(bookmarks.map((b) => b.post_id)),
    pinned: new Set(pins.map((p) => p.post_id)),
  };
}

export async function renderStatuses(ctx: WeftContext, viewerId: string | null, views: PostView[]) {
  const sc = await statusContext(ctx, viewerId, views);
  return views.map((v) => postViewToMastodonStatus(v, sc));
}

export async function renderStatus(ctx: WeftContext, viewerId: string | null, view: PostView) {
  return (await renderStatuses(ctx, viewerId, [view]))[0];
}

export async function renderAccounts(ctx: WeftContext, accounts: Account[]) {
  const stats = await loadStats(ctx, accounts.map((a) => a.id));
  return accounts.map((a) => accountToMastodonAccount(a, stats.get(a.id) ?? NO_STATS, ctx.config.origin, (url) => proxiedUrl(ctx, url)));
}

export async function renderAccount(ctx: WeftContext, account: Account) {
  return (await renderAccounts(ctx, [account]))[0];
}

export async function renderNotifications(ctx: WeftContext, viewerId: string, list: NotificationView[]) {
  const posts = list.map((n) => n.post).filter((p): p is PostView => !!p);
  const sc = await statusContext(ctx, viewerId, posts, list.map((n) => n.from.id));
  return list.map((n) => notificationToMastodon(n, sc));
}
