// Announce (a repost): of one of our shared posts (counted and notified), or of another
// server's post by an account someone here follows (it shows in their Fediverse feed).
// The announced object is always taken from its origin, never from the Announce.
import type { Announce } from "@fedify/vocab";
import { postByUri, senderOf, type Ctx } from "./common.ts";
import { fetchRemotePost } from "./fetch-post.ts";

async function followedHere(ctx: Ctx, accountId: string): Promise<boolean> {
  const f = await ctx.data.weft.db.kysely.selectFrom("follows").select("id").where("followee_id", "=", accountId).where("state", "=", "accepted").executeTakeFirst();
  return !!f;
}

export async function onAnnounce(ctx: Ctx, announce: Announce): Promise<void> {
  if (!announce.id || !announce.objectId) return;
  let post = await postByUri(ctx, announce.objectId);
  if (post && !post.local && post.repostOfId) return;
  const sender = await senderOf(ctx, announce);
  if (!sender) return;
  if (!post || !post.local) {
    // Unsolicited boosts of remote posts are not stored (bounded work, SECURITY-CASES 48).
    if (!(await followedHere(ctx, sender.id))) return;
    post ??= await fetchRemotePost(ctx, announce.objectId);
    if (!post || (post.visibility !== "public" && post.visibility !== "unlisted")) return;
  }
  const at = announce.published ? new Date(announce.published.epochMilliseconds).toISOString() : new Date().toISOString();
  await ctx.data.interactions.repost(sender.id, post, announce.id.href, at);
}
