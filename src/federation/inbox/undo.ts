// Undo of a Follow, Like, Announce or Block. Whatever the embedded object claims, only
// what the signer itself did is undone (SECURITY-CASES 24): the lookups are by signer.
import { Announce, Block, EmojiReact, Follow, Like, type Undo } from "@fedify/vocab";
import { localActor, senderOf, type Ctx } from "./common.ts";

export async function onUndo(ctx: Ctx, undo: Undo): Promise<void> {
  const sender = await senderOf(ctx, undo);
  if (!sender || !undo.objectId) return;
  const { interactions } = ctx.data;
  const object = await undo.getObject({ suppressError: true }).catch(() => null);
  const uri = undo.objectId.href;
  if (object instanceof Follow) {
    const target = await localActor(ctx, object.objectId);
    if (target) await interactions.undoFollow(sender.id, target.id);
  } else if (object instanceof Like || object instanceof EmojiReact) {
    await interactions.unlike(sender.id, uri, null);
  } else if (object instanceof Announce) {
    await interactions.unrepost(sender.id, uri);
  } else if (object instanceof Block) {
    const target = await localActor(ctx, object.objectId);
    if (target) await interactions.unblock(sender.id, target.id);
  } else {
    // Only an id (or an object we could not fetch): try what the signer owns by that uri.
    if (!(await interactions.unlike(sender.id, uri, null))) await interactions.unrepost(sender.id, uri);
  }
}
