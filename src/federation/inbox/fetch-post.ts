// Fetches a remote post by its id from its origin, with its author: for Announces of
// other servers' posts and for missing reply parents. Whatever an activity embeds is ignored; only what the origin
// serves under that id is stored (SECURITY-CASES 25, 32).
import { isActor } from "@fedify/vocab";
import type { Post } from "../../domain/post.ts";
import { asActorToAccountFields, asObjectToPostFields, isPostLike } from "../mappers/as-to-domain.ts";
import { INSTANCE_ACTOR, isLocalUri } from "../uris.ts";
import type { Ctx } from "./common.ts";
import { ownedBy, resolvePostInput } from "./create.ts";

export async function fetchRemotePost(ctx: Ctx, uri: URL, depth = 0): Promise<Post | null> {
  if (isLocalUri(ctx.origin, uri)) return null;
  const { remote } = ctx.data;
  const known = await remote.findPostByUri(uri.href);
  if (known) return known;
  // Signed by the instance actor: secure-mode servers (GoToSocial, Threads) refuse unsigned GETs.
  const documentLoader = await ctx.getDocumentLoader({ identifier: INSTANCE_ACTOR });
  const object = await ctx.lookupObject(uri.href, { documentLoader }).catch(() => null);
  if (!object || !isPostLike(object) || object.id?.href !== uri.href) return null;
  const authorId = object.attributionIds[0];
  if (!authorId || authorId.origin !== uri.origin) return null;
  let author = await remote.findAccountByUri(authorId.href);
  if (!author) {
    const actor = await ctx.lookupObject(authorId.href, { documentLoader }).catch(() => null);
    if (!actor || !isActor(actor) || actor.id?.href !== authorId.href) return null;
    const fields = await asActorToAccountFields(actor);
    if (!fields) return null;
    author = await remote.upsertAccount(fields);
  }
  if (!ownedBy(object, author)) return null;
  const row = await ctx.data.weft.db.kysely.selectFrom("accounts").select("followers_url").where("id", "=", author.id).executeTakeFirst();
  const fields = await asObjectToPostFields(object, row?.followers_url ?? null, () => object.toJsonLd());
  if (!fields) return null;
  const input = await resolvePostInput(ctx, fields, depth);
  if (!input) return null;
  return (await remote.createPost(author.id, input)) ?? remote.findPostByUri(uri.href);
}
