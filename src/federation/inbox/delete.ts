// Delete of a remote post or of the actor itself. Only the owner can delete (SECURITY-CASES
// 22); a Delete that comes before its Create leaves a tombstone so the late Create is
// refused (23).
import type { Delete } from "@fedify/vocab";
import { senderOf, type Ctx } from "./common.ts";

export async function onDelete(ctx: Ctx, del: Delete): Promise<void> {
  const objectId = del.objectId;
  if (!objectId || !del.actorId) return;
  const { remote, weft } = ctx.data;
  // A Delete from an actor we never stored is about nothing we hold: no fetch (48).
  const sender = (await remote.findAccountByUri(del.actorId.href)) ? await senderOf(ctx, del) : null;
  if (!sender) return;
  if (objectId.href === sender.uri) {
    await remote.deleteAccount(sender);
    return;
  }
  if (objectId.origin !== new URL(sender.uri!).origin) return;
  const post = await remote.findPostByUri(objectId.href);
  if (post) {
    if (post.accountId === sender.id && !post.local) await remote.deletePost(post);
    return;
  }
  await weft.db.kysely
    .insertInto("tombstones")
    .values({ uri: objectId.href, created_at: new Date().toISOString() })
    .onConflict((oc) => oc.column("uri").doNothing())
    .execute();
}
