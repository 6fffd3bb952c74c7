// Post rows <-> domain Posts.
import type { Kysely, Selectable } from "kysely";
import type { Database, PostsTable } from "../schema.ts";
import type { Post, ReplyPolicy, Visibility } from "../../domain/post.ts";

export type PostRow = Selectable<PostsTable>;

export function rowToPost(r: PostRow): Post {
  return {
    id: r.id,
    accountId: r.account_id,
    local: Number(r.local) === 1,
    text: r.text,
    html: r.html,
    summary: r.summary,
    sensitive: Number(r.sensitive) === 1,
    language: r.language,
    visibility: r.visibility as Visibility,
    replyPolicy: r.reply_policy as ReplyPolicy,
    inReplyToId: r.in_reply_to_id,
    inReplyToAccountId: r.in_reply_to_account_id,
    inReplyToUri: r.in_reply_to_uri,
    quoteOfId: r.quote_of_id,
    repostOfId: r.repost_of_id,
    repliesCount: Number(r.replies_count),
    likesCount: Number(r.likes_count),
    repostsCount: Number(r.reposts_count),
    quotesCount: Number(r.quotes_count),
    createdAt: r.created_at,
    editedAt: r.edited_at,
    uri: r.uri,
    url: r.url,
    objectType: r.object_type,
    title: r.title,
  };
}

export async function findPostById(db: Kysely<Database>, id: string): Promise<Post | null> {
  const r = await db.selectFrom("posts").selectAll().where("id", "=", id).executeTakeFirst();
  return r ? rowToPost(r) : null;
}
