// Create of a post (Note, Article, Page, Question, Video, ...): replies, mentions and
// quotes of our posts arrive this way and become counts, thread replies and notifications.
import type { Create, Object as ASObject } from "@fedify/vocab";
import type { Account } from "../../domain/account.ts";
import { asObjectToPostFields, isPostLike, type RemotePostFields } from "../mappers/as-to-domain.ts";
import type { RemotePostInput } from "../../services/remote.ts";
import type { Post } from "../../domain/post.ts";
import { localActor, postByUri, senderOf, type Ctx, type PostContext } from "./common.ts";
import { fetchRemotePost } from "./fetch-post.ts";

const MAX_PARENT_FETCH = 3;

/** Turns mapped fields into the service's input: parent, quote and mentions resolved here. */
export async function resolvePostInput(ctx: Ctx, fields: RemotePostFields, depth = 0): Promise<RemotePostInput | null> {
  let inReplyTo = await postByUri(ctx, fields.inReplyToUri);
  // Replies arrive out of order: a missing remote parent is fetched from its origin, a
  // few levels up at most, so the thread shows whole.
  if (!inReplyTo && fields.inReplyToUri && depth < MAX_PARENT_FETCH && !fields.inReplyToUri.startsWith(`${ctx.origin}/`)) {
    inReplyTo = await fetchRemotePost(ctx, new URL(fields.inReplyToUri), depth + 1).catch(() => null);
  }
  return postInputWithParent(ctx, fields, inReplyTo);
}

/**
 * The service's input once the parent (if any) is known: quote and mentions resolved
 * here; null for a reply to a local post we do not serve (author not sharing, or
 * non-public), which is refused.
 */
export async function postInputWithParent(ctx: PostContext, fields: RemotePostFields, inReplyTo: Post | null): Promise<RemotePostInput | null> {
  if (fields.inReplyToUri?.startsWith(`${ctx.origin}/`) && !inReplyTo) return null;
  const quoteOf = await postByUri(ctx, fields.quoteUri);
  const mentionedIds: string[] = [];
  for (const href of fields.mentionHrefs) {
    const local = await localActor(ctx, href);
    const account = local ?? (href.startsWith(`${ctx.origin}/`) ? null : await ctx.data.remote.findAccountByUri(href));
    if (account && !mentionedIds.includes(account.id)) mentionedIds.push(account.id);
  }
  return { ...fields, inReplyTo, quoteOf, mentionedIds };
}

/** Checks that `object` is authored by `sender` and lives on its server (SECURITY-CASES 18, 19). */
export function ownedBy(object: ASObject, sender: Account): boolean {
  if (!object.id || !sender.uri) return false;
  const senderOrigin = new URL(sender.uri).origin;
  if (object.id.origin !== senderOrigin) return false;
  const attributed = object.attributionIds.map((u) => u.href);
  return attributed.length > 0 && attributed.every((a) => a === sender.uri);
}

export async function onCreate(ctx: Ctx, create: Create): Promise<void> {
  const sender = await senderOf(ctx, create);
  if (!sender) return;
  const object = await create.getObject({ suppressError: true }).catch(() => null);
  if (!object || !isPostLike(object) || !ownedBy(object, sender)) return;
  const row = await ctx.data.weft.db.kysely.selectFrom("accounts").select("followers_url").where("id", "=", sender.id).executeTakeFirst();
  const fields = await asObjectToPostFields(object, row?.followers_url ?? null, () => create.toJsonLd());
  if (!fields) return;
  const input = await resolvePostInput(ctx, fields);
  if (!input) return;
  await ctx.data.remote.createPost(sender.id, input);
}
