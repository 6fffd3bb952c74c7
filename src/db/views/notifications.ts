// The Activity screen's read model: notifications with who did it and to which post.
import type { Kysely } from "kysely";
import type { Account } from "../../domain/account.ts";
import type { Database } from "../schema.ts";
import { rowToAccount } from "../repositories/accounts.ts";
import { rowToPost } from "../repositories/posts.ts";
import { hydratePosts, type PostView } from "./post-views.ts";

export interface NotificationView {
  id: string;
  type: string;
  createdAt: string;
  read: boolean;
  from: Account;
  post: PostView | null;
}

export async function listNotifications(
  db: Kysely<Database>,
  accountId: string,
  opts: { maxId?: string | null; sinceId?: string | null; minId?: string | null; limit?: number; types?: string[]; excludeTypes?: string[]; filtered?: boolean } = {},
): Promise<NotificationView[]> {
  const limit = Math.min(Math.max(1, opts.limit ?? 30), 80);
  // Held notifications (domain/notification-filter.ts) only when asked for.
  let q = db.selectFrom("notifications").selectAll().where("account_id", "=", accountId).where("filtered", "=", opts.filtered ? 1 : 0);
  // Not from servers the account blocked for itself (older notifications included).
  const blockedServers = db.selectFrom("domain_blocks").select("domain").where("account_id", "=", accountId);
  q = q.where((eb) => eb.not(eb.exists(eb.selectFrom("accounts as nfrom").select("nfrom.id").whereRef("nfrom.id", "=", "notifications.from_account_id").where("nfrom.domain", "in", blockedServers))));
  if (opts.maxId) q = q.where("id", "<", opts.maxId);
  if (opts.sinceId) q = q.where("id", ">", opts.sinceId);
  if (opts.minId) q = q.where("id", ">", opts.minId);
  if (opts.types?.length) q = q.where("type", "in", opts.types);
  if (opts.excludeTypes?.length) q = q.where("type", "not in", opts.excludeTypes);
  let rows = await q.orderBy("id", opts.minId ? "asc" : "desc").limit(limit).execute();
  if (opts.minId) rows = rows.reverse();
  if (rows.length === 0) return [];
  const accountIds = [...new Set(rows.map((r) => r.from_account_id))];
  const postIds = [...new Set(rows.map((r) => r.post_id).filter((x): x is string => !!x))];
  const [accounts, posts] = await Promise.all([
    db.selectFrom("accounts").selectAll().where("id", "in", accountIds).execute(),
    postIds.length ? db.selectFrom("posts").selectAll().where("id", "in", postIds).execute() : Promise.resolve([]),
  ]);
  const views = await hydratePosts(db, posts.map(rowToPost), accountId);
  const postById = new Map(views.map((v) => [v.post.id, v]));
  const accById = new Map(accounts.map((a) => [a.id, rowToAccount(a)]));
  return rows
    .filter((r) => accById.has(r.from_account_id))
    .map((r) => ({
      id: r.id,
      type: r.type,
      createdAt: r.created_at,
      read: Number(r.read) === 1,
      from: accById.get(r.from_account_id)!,
      post: r.post_id ? (postById.get(r.post_id) ?? null) : null,
    }));
}

async function countOf(db: Kysely<Database>, accountId: string, which: "unread" | "filtered"): Promise<number> {
  let q = db.selectFrom("notifications").select((eb) => eb.fn.countAll<number>().as("n")).where("account_id", "=", accountId);
  q = which === "unread" ? q.where("read", "=", 0).where("filtered", "=", 0) : q.where("filtered", "=", 1);
  return Number((await q.executeTakeFirstOrThrow()).n);
}

/** Unread notifications (held ones do not count: they raise no badge). */
export function unreadCount(db: Kysely<Database>, accountId: string): Promise<number> {
  return countOf(db, accountId, "unread");
}

/** How many notifications are held under "Filtered". */
export function filteredCount(db: Kysely<Database>, accountId: string): Promise<number> {
  return countOf(db, accountId, "filtered");
}

export async function markAllRead(db: Kysely<Database>, accountId: string): Promise<void> {
  await db.updateTable("notifications").set({ read: 1 }).where("account_id", "=", accountId).where("read", "=", 0).execute();
}
