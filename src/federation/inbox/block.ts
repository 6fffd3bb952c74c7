// Block (a remote account blocks one of ours) and Flag (a report, kept for moderators).
import type { Block, Flag } from "@fedify/vocab";
import { localActor, postByUri, senderOf, type Ctx } from "./common.ts";

export async function onBlock(ctx: Ctx, block: Block): Promise<void> {
  const target = await localActor(ctx, block.objectId);
  if (!target || !block.id) return;
  const sender = await senderOf(ctx, block);
  if (!sender) return;
  await ctx.data.interactions.block(sender.id, target.id, block.id.href);
}

export async function onFlag(ctx: Ctx, flag: Flag): Promise<void> {
  const sender = await senderOf(ctx, flag);
  if (!sender) return;
  let targetId: string | null = null;
  const postIds: string[] = [];
  for (const id of flag.objectIds.slice(0, 50)) {
    const account = await localActor(ctx, id);
    if (account) targetId ??= account.id;
    const post = await postByUri(ctx, id);
    if (post?.local) {
      postIds.push(post.id);
      targetId ??= post.accountId;
    }
  }
  if (!targetId) return;
  await ctx.data.interactions.report(sender.id, targetId, postIds, flag.content?.toString() ?? "", flag.id?.href ?? null);
}
