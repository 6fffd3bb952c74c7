// Read models for screens and API: posts with their author, the reposted or quoted post,
// and what the viewer did to each, fetched in a few batched queries.
import type { Kysely } from "kysely";
import type { Account } from "../../domain/account.ts";
import type { Post } from "../../domain/post.ts";
import type { Database } from "../schema.ts";
import { rowToAccount } from "../repositories/accounts.ts";
import { rowToPost } from "../repositories/posts.ts";

export interface PostView {
  post: Post;
  author: Account;
  /** For a repost: the reposted post, fully hydrated. The outer post is the repost row. */
  repostOf: PostView | null;
  quoteOf: PostView | null;
  /** Author of the parent, for "replying to @x". */
  inReplyTo: Account | null;
  liked: boolean;
  reposted: boolean;
  mentions: Account[];
  tags: string[];
}

export async function hydratePosts(db: Kysely<Database>, posts: Post[], viewerId: string | null): Promise<PostView[]> {
  if (posts.length === 0) return [];
  // Second level: reposted and quoted posts (one level of quote inside a repost).
  const innerIds = new Set<string>();
  for (const p of posts) {
    if (p.repostOfId) innerIds.add(p.repostOfId);
    if (p.quoteOfId) innerIds.add(p.quoteOfId);
  }
  let inner = innerIds.size
    ? (await db.selectFrom("posts").selectAll().where("id", "in", [...innerIds]).execute()).map(rowToPost)
    : [];
  const quoteIds = new Set(inner.filter((p) => p.quoteOfId && !innerIds.has(p.quoteOfId)).map((p) => p.quoteOfId!));
  if (quoteIds.size) inner = inner.concat((await db.selectFrom("posts").selectAll().where("id", "in", [...quoteIds]).execute()).map(rowToPost));
  const all = [...posts, ...inner];
  const postsById = new Map(all.map((p) => [p.id, p]));

  const accountIds = new Set<string>();
  for (const p of all) {
    accountIds.add(p.accountId);
    if (p.inReplyToAccountId) accountIds.add(p.inReplyToAccountId);
  }
  const allIds = [...postsById.keys()];
  const [accountRows, likeRows, repostRows, mentionRows, tagRows] = await Promise.all([
    db.selectFrom("accounts").selectAll().where("id", "in", [...accountIds]).execute(),
    viewerId
      ? db.selectFrom("likes").select("post_id").where("account_id", "=", viewerId).where("post_id", "in", allIds).execute()
      : Promise.resolve([]),
    viewerId
      ? db.selectFrom("posts").select("repost_of_id").where("account_id", "=", viewerId).where("repost_of_id", "in", allIds).execute()
      : Promise.resolve([]),
    db.selectFrom("post_mentions").select(["post_id", "account_id"]).where("post_id", "in", allIds).execute(),
    db.selectFrom("post_tags").select(["post_id", "tag"]).where("post_id", "in", allIds).execute(),
  ]);
  const mentionAccountIds = mentionRows.map((m) => m.account_id).filter((id) => !accountIds.has(id));
  const extraAccounts = mentionAccountIds.length
    ? await db.selectFrom("accounts").selectAll().where("id", "in", mentionAccountIds).execute()
    : [];
  const accounts = new Map([...accountRows, ...extraAccounts].map((r) => [r.id, rowToAccount(r)]));
  const liked = new Set(likeRows.map((r) => r.post_id));
  const reposted = new Set(repostRows.map((r) => r.repost_of_id));

  const build = (p: Post, depth: number): PostView | null => {
    const author = accounts.get(p.accountId);
    if (!author) return null;
    const inner = (id: string | null) => {
      if (!id || depth > 1) return null;
      const q = postsById.get(id);
      return q ? build(q, depth + 1) : null;
    };
    return {
      post: p,
      author,
      repostOf: inner(p.repostOfId),
      quoteOf: inner(p.quoteOfId),
      inReplyTo: p.inReplyToAccountId ? (accounts.get(p.inReplyToAccountId) ?? null) : null,
      liked: liked.has(p.id),
      reposted: reposted.has(p.id),
      mentions: mentionRows.filter((m) => m.post_id === p.id).map((m) => accounts.get(m.account_id)).filter((a): a is Account => !!a),
      tags: tagRows.filter((t) => t.post_id === p.id).map((t) => t.tag),
    };
  };
  return posts.map((p) => build(p, 0)).filter((v): v is PostView => v !== null && (!v.post.repostOfId || v.repostOf !== null));
}
