// Feeds: Following, a profile's posts or replies, a hashtag, the local timeline, a
// post's thread, search. Every list is visibility-filtered in SQL and paged by id
// (stable cursors: an id never moves, whatever is posted meanwhile).
import type { Kysely, SelectQueryBuilder } from "kysely";
import type { Database } from "../schema.ts";
import { rowToPost } from "../repositories/posts.ts";
import { rowToAccount } from "../repositories/accounts.ts";
import type { Account } from "../../domain/account.ts";
import { hydratePosts, type PostView } from "./post-views.ts";
import { notMutedBy, visibleTo } from "./relations.ts";
import { idAtTime, idTime } from "../../domain/ids.ts";

export interface Page {
  /** Newest-first: posts with id < maxId. */
  maxId?: string | null;
  /** Posts with id > sinceId (still newest-first). */
  sinceId?: string | null;
  /** The page right after minId (oldest-first in SQL, returned newest-first). */
  minId?: string | null;
  limit?: number;
}

export const DEFAULT_LIMIT = 20;
export const MAX_LIMIT = 40;

type PostsQuery = SelectQueryBuilder<Database & { p: Database["posts"]; a: Database["accounts"] }, "p" | "a", any>;

function clampLimit(n: number | undefined): number {
  if (!n || !Number.isFinite(n) || n < 1) return DEFAULT_LIMIT;
  return Math.min(Math.floor(n), MAX_LIMIT);
}

async function pageRows(q: PostsQuery, page: Page): Promise<any[]> {
  const limit = clampLimit(page.limit);
  if (page.maxId) q = q.where("p.id", "<", page.maxId);
  if (page.sinceId) q = q.where("p.id", ">", page.sinceId);
  if (page.minId) q = q.where("p.id", ">", page.minId).orderBy("p.id", "asc");
  else q = q.orderBy("p.id", "desc");
  const rows = (await q.selectAll("p").limit(limit).execute()) as any[];
  return page.minId ? rows.reverse() : rows;
}

async function runPaged(db: Kysely<Database>, q: PostsQuery, page: Page, viewerId: string | null): Promise<PostView[]> {
  return hydratePosts(db, (await pageRows(q, page)).map(rowToPost), viewerId);
}

// Someone following 1,000 accounts has ~100,000 posts behind the Following feed. Asked for
// the newest 20 of them in one query, SQLite walks posts_account for every followee and
// sorts them all (300 ms at 1M posts; see bench/, workload "timelines").
//
// A busy feed is read the other way round first: walk the newest posts of the whole
// server, newest first, and keep those the feed wants, until a page is full. The walk is
// a derived table (newest first, at most FEED_SCAN_ROWS rows) that both databases read
// lazily, so a feed whose page lies in the newest 200 posts reads about 200 rows and one
// list of followees (0.8 ms for the query at 1M posts on an AMD EPYC, where the windowed
// reading below took 4-5 ms). Because the walk covers every post in an id range with no
// gap, the page it finds is exactly the page the unbounded query would give.
//
// A sparse feed (few followees, or quiet ones) fills no page in that walk, which then
// costs about 1 ms, and falls back to asking for the newest posts within a short window of
// time (ids are time-ordered, so a window is an id range on posts_account), which keeps
// every followee's index range short. A window holding fewer than a page is widened, and
// the last try has no window, so the page is exactly the unwindowed one.
export const FEED_SCAN_ROWS = 2000;
const FEED_WINDOWS_MS = [900_000, 3600_000, 8 * 3600_000, 3 * 86400_000, 21 * 86400_000, 180 * 86400_000];

/** Where a feed's posts are read from: all posts, or only the newest rows below a cursor. */
type PostsSource = { newest: number; below: string | null } | null;

async function runFeed(db: Kysely<Database>, feed: (source: PostsSource) => PostsQuery, page: Page, viewerId: string | null): Promise<PostView[]> {
  if (page.minId || page.sinceId) return runPaged(db, feed(null), page, viewerId);
  const limit = clampLimit(page.limit);
  const scanned = await pageRows(feed({ newest: FEED_SCAN_ROWS, below: page.maxId ?? null }), page);
  if (scanned.length >= limit) return hydratePosts(db, scanned.map(rowToPost), viewerId);
  const q = feed(null);
  const top = page.maxId ? idTime(page.maxId) : Date.now();
  for (const windowMs of FEED_WINDOWS_MS) {
    const rows = await pageRows(q.where("p.id", ">", idAtTime(top - windowMs)), page);
    if (rows.length >= limit) return hydratePosts(db, rows.map(rowToPost), viewerId);
  }
  return runPaged(db, q, page, viewerId);
}

function base(db: Kysely<Database>, viewerId: string | null, source: PostsSource = null): PostsQuery {
  let newest = null;
  if (source) {
    let scan = db.selectFrom("posts").selectAll();
    if (source.below) scan = scan.where("id", "<", source.below);
    newest = scan.orderBy("id", "desc").limit(source.newest).as("p");
  }
  return (newest ? db.selectFrom(newest) : db.selectFrom("posts as p"))
    .innerJoin("accounts as a", "a.id", "p.account_id")
    .where((eb) => visibleTo(eb as never, viewerId)) as unknown as PostsQuery;
}

/** The Following feed: the viewer's own posts and those of accounts they follow. */
export function followingFeed(db: Kysely<Database>, viewerId: string, page: Page): Promise<PostView[]> {
  const followees = db.selectFrom("follows").select("followee_id").where("follower_id", "=", viewerId).where("state", "=", "accepted");
  const feed = (source: PostsSource) =>
    base(db, viewerId, source)
      .where((eb) => eb.or([eb("p.account_id", "=", viewerId), eb("p.account_id", "in", followees)]))
      // Replies show when they answer the viewer or someone the viewer follows.
      .where((eb) =>
        eb.or([
          eb("p.in_reply_to_account_id", "is", null),
          eb("p.in_reply_to_account_id", "=", viewerId),
          eb("p.in_reply_to_account_id", "in", followees),
        ]),
      )
      .where((eb) => notMutedBy(eb as never, viewerId) as never);
  return runFeed(db, feed, page, viewerId);
}

/** Posts from other servers by accounts the viewer follows: the Fediverse tab. */
export function fediverseFeed(db: Kysely<Database>, viewerId: string, page: Page): Promise<PostView[]> {
  const followees = db.selectFrom("follows").select("followee_id").where("follower_id", "=", viewerId).where("state", "=", "accepted");
  const q = base(db, viewerId)
    .where("p.account_id", "in", followees)
    .where("p.local", "=", 0)
    .where((eb) => notMutedBy(eb as never, viewerId) as never);
  return runPaged(db, q, page, viewerId);
}

export function profilePosts(
  db: Kysely<Database>,
  accountId: string,
  viewerId: string | null,
  page: Page,
  opts: { replies: boolean; excludeReposts?: boolean } = { replies: false },
): Promise<PostView[]> {
  let q = base(db, viewerId).where("p.account_id", "=", accountId);
  q = opts.replies
    ? q.where((eb) => eb.or([eb("p.in_reply_to_id", "is not", null), eb("p.in_reply_to_uri", "is not", null)]))
    : q.where("p.in_reply_to_id", "is", null).where("p.in_reply_to_uri", "is", null);
  if (opts.excludeReposts) q = q.where("p.repost_of_id", "is", null);
  return runPaged(db, q, page, viewerId);
}

export function hashtagFeed(db: Kysely<Database>, tag: string, viewerId: string | null, page: Page): Promise<PostView[]> {
  const tagged = db.selectFrom("post_tags").select("post_id").where("tag", "=", tag.toLowerCase());
  const q = base(db, viewerId)
    .where("p.id", "in", tagged)
    .where("p.visibility", "=", "public")
    .where((eb) => notMutedBy(eb as never, viewerId) as never);
  return runPaged(db, q, page, viewerId);
}

export function publicFeed(db: Kysely<Database>, viewerId: string | null, page: Page, opts: { local?: boolean; remote?: boolean } = {}): Promise<PostView[]> {
  let q = base(db, viewerId)
    .where("p.visibility", "=", "public")
    .where("p.repost_of_id", "is", null)
    .where((eb) => notMutedBy(eb as never, viewerId) as never);
  if (opts.local) q = q.where("p.local", "=", 1);
  if (opts.remote) q = q.where("p.local", "=", 0);
  return runPaged(db, q, page, viewerId);
}

export interface Thread {
  ancestors: PostView[];
  /** True when the chain goes up to a post that was deleted or is hidden. */
  ancestorMissing: boolean;
  post: PostView;
  descendants: PostView[];
}

const MAX_ANCESTORS = 40;
const MAX_DESCENDANTS = 300;

export async function thread(db: Kysely<Database>, postId: string, viewerId: string | null): Promise<Thread | null> {
  const visible = async (ids: string[]) =>
    ids.length === 0
      ? []
      : ((await base(db, viewerId).where("p.id", "in", ids).selectAll("p").execute()) as any[]).map(rowToPost);
  const [root] = await visible([postId]);
  if (!root || root.repostOfId) return null;
  const ancestors = [];
  let ancestorMissing = false;
  let cursor = root;
  while ((cursor.inReplyToId || cursor.inReplyToUri) && ancestors.length < MAX_ANCESTORS) {
    if (!cursor.inReplyToId) {
      ancestorMissing = true;
      break;
    }
    const [parent] = await visible([cursor.inReplyToId]);
    if (!parent) {
      ancestorMissing = true;
      break;
    }
    ancestors.unshift(parent);
    cursor = parent;
  }
  // Breadth-first walk down; each level in one query, ordered oldest first.
  const descendants = [];
  let level = [root.id];
  while (level.length && descendants.length < MAX_DESCENDANTS) {
    const rows = (await base(db, viewerId)
      .where("p.in_reply_to_id", "in", level)
      .where((eb) => notMutedBy(eb as never, viewerId) as never)
      .selectAll("p")
      .orderBy("p.id", "asc")
      .limit(MAX_DESCENDANTS - descendants.length)
      .execute()) as any[];
    const posts = rows.map(rowToPost);
    descendants.push(...posts);
    level = posts.map((p) => p.id);
  }
  // Order descendants depth-first so each reply sits under its parent.
  const children = new Map<string, typeof descendants>();
  for (const p of descendants) {
    const list = children.get(p.inReplyToId!) ?? [];
    list.push(p);
    children.set(p.inReplyToId!, list);
  }
  const ordered: typeof descendants = [];
  const walk = (id: string) => {
    for (const c of children.get(id) ?? []) {
      ordered.push(c);
      walk(c.id);
    }
  };
  walk(root.id);
  const views = await hydratePosts(db, [...ancestors, root, ...ordered], viewerId);
  const byId = new Map(views.map((v) => [v.post.id, v]));
  return {
    ancestors: ancestors.map((a) => byId.get(a.id)).filter((v): v is PostView => !!v),
    ancestorMissing,
    post: byId.get(root.id)!,
    descendants: ordered.map((d) => byId.get(d.id)).filter((v): v is PostView => !!v),
  };
}

/** LIKE wildcards are dropped from the query rather than escaped: the two dialects escape differently. */
function likePattern(q: string): string {
  return `%${q.replace(/[\\%_]/g, "")}%`;
}

export async function searchAccounts(db: Kysely<Database>, query: string, limit = 20): Promise<Account[]> {
  const q = query.trim().replace(/^@/, "").toLowerCase();
  if (!q) return [];
  const [user, domain] = q.split("@");
  let sq = db.selectFrom("accounts").selectAll().where("suspended_at", "is", null).where("approved", "=", 1);
  if (domain) {
    sq = sq.where("username_lower", "=", user).where("domain", "=", domain);
  } else {
    const pattern = likePattern(q);
    sq = sq.where((eb) =>
      eb.or([
        eb("username_lower", "like", pattern, ),
        eb(eb.fn("lower", ["display_name"]), "like", pattern),
      ]),
    );
  }
  const rows = await sq.orderBy("domain", "desc").orderBy("username_lower").limit(limit).execute();
  return rows.map(rowToAccount);
}

export function searchPosts(db: Kysely<Database>, query: string, viewerId: string | null, page: Page): Promise<PostView[]> {
  const q = base(db, viewerId)
    .where("p.repost_of_id", "is", null)
    .where("p.visibility", "in", ["public", "unlisted"])
    .where((eb) => eb(eb.fn("lower", ["p.text"]), "like", likePattern(query.trim().toLowerCase())));
  return runPaged(db, q, page, viewerId);
}

export async function searchTags(db: Kysely<Database>, query: string, limit = 10): Promise<{ tag: string; count: number }[]> {
  const q = query.trim().replace(/^#/, "").toLowerCase();
  if (!q) return [];
  const rows = await db
    .selectFrom("post_tags")
    .select(["tag", (eb) => eb.fn.countAll<number>().as("count")])
    .where("tag", "like", `${q.replace(/[\\%_]/g, "")}%`)
    .groupBy("tag")
    .orderBy("count", "desc")
    .limit(limit)
    .execute();
  return rows.map((r) => ({ tag: r.tag, count: Number(r.count) }));
}
