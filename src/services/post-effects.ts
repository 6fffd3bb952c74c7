// What storing a post does around it, the same for a local post and one that arrived from
// another server: its mention and tag rows, the parent's and quoted post's counters, and the
// notifications of the people it replies to, quotes and mentions.
import { sql } from "kysely";
import type { Visibility } from "../domain/post.ts";
import { isFollowing } from "../db/views/relations.ts";
import type { Tx } from "./deps.ts";
import { notify } from "./notify.ts";

export async function writeMentionsAndTags(tx: Tx, postId: string, mentionedIds: string[], tags: string[]): Promise<void> {
  const ids = [...new Set(mentionedIds)];
  if (ids.length) await tx.insertInto("post_mentions").values(ids.map((a) => ({ post_id: postId, account_id: a }))).execute();
  if (tags.length) await tx.insertInto("post_tags").values(tags.map((tag) => ({ post_id: postId, tag }))).execute();
}

/** Notifies mentioned accounts, skipping those already told (as replied-to or quoted). */
export async function notifyMentions(
  tx: Tx,
  post: { id: string; authorId: string; visibility: Visibility },
  mentionedIds: string[],
  alreadyNotified: (string | undefined)[] = [],
): Promise<void> {
  for (const id of new Set(mentionedIds)) {
    if (alreadyNotified.includes(id)) continue;
    // A followers-only post notifies only mentioned followers: mention grants no access
    // (SECURITY-CASES 28).
    if (post.visibility === "followers" && !(await isFollowing(tx, id, post.authorId))) continue;
    await notify(tx, { recipientId: id, fromId: post.authorId, type: "mention", postId: post.id });
  }
}

/** Counters and notifications of a new post that replies to `parent` and/or quotes `quoted`. */
export async function recordNewPostEffects(
  tx: Tx,
  post: { id: string; authorId: string; visibility: Visibility },
  parent: { id: string; accountId: string } | null,
  quoted: { id: string; accountId: string } | null,
  mentionedIds: string[],
): Promise<void> {
  if (parent) {
    await tx.updateTable("posts").set({ replies_count: sql`replies_count + 1` }).where("id", "=", parent.id).execute();
    await notify(tx, { recipientId: parent.accountId, fromId: post.authorId, type: "reply", postId: post.id });
  }
  if (quoted) {
    await tx.updateTable("posts").set({ quotes_count: sql`quotes_count + 1` }).where("id", "=", quoted.id).execute();
    await notify(tx, { recipientId: quoted.accountId, fromId: post.authorId, type: "quote", postId: post.id });
  }
  await notifyMentions(tx, post, mentionedIds, [parent?.accountId, quoted?.accountId]);
}
