// Gathers what a Note needs (author, mentions, tags, parent and quoted ids) for a post.
import type { Kysely } from "kysely";
import type { Account } from "../domain/account.ts";
import type { Post } from "../domain/post.ts";
import type { Database } from "../db/schema.ts";
import { findAccountById, rowToAccount } from "../db/repositories/accounts.ts";
import { findPostById } from "../db/repositories/posts.ts";
import { postToAsNote, type NoteContext } from "./mappers/domain-to-as.ts";
import type { Note } from "@fedify/vocab";
import { noteUri } from "./uris.ts";
import { attachmentsForPosts } from "../db/views/media.ts";

/** Our Note id for a local post, the stored uri for a remote one. */
export function postObjectUri(origin: string, post: Pick<Post, "id" | "local" | "uri">): string {
  return post.local ? noteUri(origin, post.id) : post.uri!;
}

export async function noteContext(db: Kysely<Database>, origin: string, post: Post, author?: Account): Promise<NoteContext> {
  const [mentionRows, tagRows] = await Promise.all([
    db.selectFrom("post_mentions").innerJoin("accounts", "accounts.id", "post_mentions.account_id").selectAll("accounts").where("post_mentions.post_id", "=", post.id).execute(),
    db.selectFrom("post_tags").select("tag").where("post_id", "=", post.id).orderBy("tag").execute(),
  ]);
  const mentions = mentionRows.map((r) => rowToAccount(r));
  // The remote author of the post replied to or quoted is tagged and addressed too, even
  // when the text does not name them: Mastodon, Misskey and GoToSocial notify on Mention
  // tags, not on inReplyTo alone.
  const addressAuthor = async (p: Post) => {
    if (p.local || mentions.some((m) => m.id === p.accountId)) return;
    const a = await findAccountById(db, p.accountId);
    if (a?.uri) mentions.push(a);
  };
  let inReplyTo: string | null = post.inReplyToUri;
  if (post.inReplyToId) {
    const parent = await findPostById(db, post.inReplyToId);
    if (parent) {
      inReplyTo = postObjectUri(origin, parent);
      await addressAuthor(parent);
    }
  }
  let quote: string | null = null;
  if (post.quoteOfId) {
    const q = await findPostById(db, post.quoteOfId);
    if (q) {
      quote = postObjectUri(origin, q);
      await addressAuthor(q);
    }
  }
  // Only files stored here go out; their URLs are under our origin.
  const media = (await attachmentsForPosts(db, [post.id])).get(post.id) ?? [];
  const attachments = media
    .filter((m) => m.fileKey)
    .map((m) => ({
      url: `${origin}/media/${m.fileKey}`,
      mediaType: m.contentType,
      description: m.description,
      width: m.width,
      height: m.height,
      blurhash: m.blurhash,
      focus: m.focus,
      poster: m.kind !== "image" && m.thumbKey ? { url: `${origin}/media/${m.thumbKey}`, mediaType: "image/webp" } : null,
      duration: m.duration,
    }));
  return {
    origin,
    attachments,
    author: author ?? (await findAccountById(db, post.accountId))!,
    mentions: mentions.sort((a, b) => a.id.localeCompare(b.id)),
    tags: tagRows.map((t) => t.tag),
    inReplyTo,
    quote,
  };
}

export async function loadNote(db: Kysely<Database>, origin: string, post: Post): Promise<Note> {
  return postToAsNote(post, await noteContext(db, origin, post));
}
