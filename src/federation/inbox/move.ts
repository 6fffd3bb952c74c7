// Move: a remote account moved to a new one (Mastodon's account migration). Local
// followers of the old account follow the new one instead: the old follow is undone and a
// new Follow goes out, pending until the new account accepts. Only when the target lists
// the old account in alsoKnownAs, read fresh from the target's own server
// (SECURITY-CASES 31): anyone can claim to move to anyone.
import { isActor, type Move } from "@fedify/vocab";
import { asActorToAccountFields } from "../mappers/as-to-domain.ts";
import { INSTANCE_ACTOR, isLocalUri } from "../uris.ts";
import { log, senderOf, type Ctx } from "./common.ts";

export async function onMove(ctx: Ctx, move: Move): Promise<void> {
  const sender = await senderOf(ctx, move);
  // Only an account can move itself.
  if (!sender?.uri || move.objectId?.href !== sender.uri) return;
  const targetId = move.targetId;
  if (!targetId || isLocalUri(ctx.origin, targetId) || targetId.href === sender.uri) return;
  const documentLoader = await ctx.getDocumentLoader({ identifier: INSTANCE_ACTOR });
  const target = await ctx.lookupObject(targetId.href, { documentLoader }).catch(() => null);
  if (!isActor(target) || target.id?.href !== targetId.href) return;
  if (!target.aliasIds.some((u) => u.href === sender.uri)) {
    log.info("Move of {from} to {to} refused: the target does not list it in alsoKnownAs", { from: sender.uri, to: targetId.href });
    return;
  }
  const fields = await asActorToAccountFields(target);
  if (!fields) return;
  const moved = await ctx.data.remote.upsertAccount(fields);
  await ctx.data.interactions.moveFollowers(sender.id, moved.id);
}
