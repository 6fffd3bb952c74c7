// Announce (a repost) of one of our shared posts. Announces of other servers' posts would
// need the object fetched from its origin (SECURITY-CASES 25); not stored for now.
import type { Announce } from "@fedify/vocab";
import { postByUri, senderOf, type Ctx } from "./common.ts";

export async function onAnnounce(ctx: Ctx, announce: Announce): Promise<void> {
  if (!announce.id) return;
  const post = await postByUri(ctx, announce.objectId);
  if (!post || !post.local) return;
  const sender = await senderOf(ctx, announce);
  if (!sender) return;
  const at = announce.published ? new Date(announce.published.epochMilliseconds).toISOString() : new Date().toISOString();
  await ctx.data.interactions.repost(sender.id, post, announce.id.href, at);
}
