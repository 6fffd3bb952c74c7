// Follow, and the answers to our own Follows (Accept, Reject).
import { Follow, type Accept, type Reject } from "@fedify/vocab";
import { localActor, senderOf, type Ctx } from "./common.ts";
import { localIdOf } from "../uris.ts";

export async function onFollow(ctx: Ctx, follow: Follow): Promise<void> {
  if (!follow.id) return;
  const target = await localActor(ctx, follow.objectId);
  if (!target) return; // not shared: refused
  const sender = await senderOf(ctx, follow);
  if (!sender) return;
  // Shared accounts are public, so a follow is accepted at once; the Accept (embedding
  // the whole Follow, which Threads requires) goes out through outbound.ts.
  await ctx.data.interactions.receiveFollow(sender.id, target.id, follow.id.href);
}

export async function onAccept(ctx: Ctx, accept: Accept): Promise<void> {
  const sender = await senderOf(ctx, accept);
  if (!sender) return;
  // objectId, not getObject(): the embedded Follow carries our own id, and Fedify would
  // re-fetch it from us (STACK-NOTES). Only the followed account may accept (SECURITY-CASES 27).
  const followId = localIdOf(ctx.origin, accept.objectId, "follows");
  if (followId) await ctx.data.interactions.followAccepted(followId, sender.id);
}

export async function onReject(ctx: Ctx, reject: Reject): Promise<void> {
  const sender = await senderOf(ctx, reject);
  if (!sender) return;
  const followId = localIdOf(ctx.origin, reject.objectId, "follows");
  const { weft, interactions } = ctx.data;
  if (followId) {
    const f = await weft.db.kysely.selectFrom("follows").select(["follower_id", "followee_id"]).where("id", "=", followId).executeTakeFirst();
    if (f && f.followee_id === sender.id) await interactions.followRejected(f.follower_id, sender.id);
  }
}
