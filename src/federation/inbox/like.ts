// Like (with Misskey's emoji reactions in `content`) and Pleroma/Akkoma's EmojiReact.
import type { EmojiReact, Like } from "@fedify/vocab";
import { postByUri, senderOf, type Ctx } from "./common.ts";

export async function onLike(ctx: Ctx, like: Like | EmojiReact): Promise<void> {
  if (!like.id) return;
  const post = await postByUri(ctx, like.objectId);
  if (!post || !post.local) return; // likes of other servers' posts are theirs to count
  const sender = await senderOf(ctx, like);
  if (!sender) return;
  const emoji = like.content?.toString().slice(0, 64) || null;
  await ctx.data.interactions.like(sender.id, post, like.id.href, emoji);
}
