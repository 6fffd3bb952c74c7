// Update of a remote post or actor, only by its owner (SECURITY-CASES 21).
import { isActor, type Update } from "@fedify/vocab";
import { asActorToAccountFields, asObjectToPostFields, isPostLike } from "../mappers/as-to-domain.ts";
import { senderOf, type Ctx } from "./common.ts";
import { ownedBy, resolvePostInput } from "./create.ts";

export async function onUpdate(ctx: Ctx, update: Update): Promise<void> {
  const sender = await senderOf(ctx, update);
  if (!sender) return;
  const object = await update.getObject({ suppressError: true }).catch(() => null);
  if (!object?.id) return;
  const { remote } = ctx.data;
  if (isActor(object)) {
    if (object.id.href !== sender.uri) return;
    const fields = await asActorToAccountFields(object);
    if (fields) await remote.upsertAccount(fields);
    return;
  }
  if (!isPostLike(object) || !ownedBy(object, sender)) return;
  const post = await remote.findPostByUri(object.id.href);
  if (!post || post.accountId !== sender.id) return;
  const fields = await asObjectToPostFields(object, null, () => update.toJsonLd());
  if (!fields) return;
  const input = await resolvePostInput(ctx, fields);
  if (!input) return;
  await remote.updatePost(post, input);
}
