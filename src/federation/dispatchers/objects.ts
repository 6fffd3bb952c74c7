// Public posts of shared accounts dereference as Notes at /ap/posts/<id>.
import { Note } from "@fedify/vocab";
import type { FederationBuilder } from "@fedify/fedify";
import { findPostById } from "../../db/repositories/posts.ts";
import { isId } from "../../domain/ids.ts";
import { sharedAccount, type FedData } from "../context.ts";
import { loadNote } from "../notes.ts";
import { PATHS } from "../uris.ts";

export function registerObjects(builder: FederationBuilder<FedData>): void {
  builder.setObjectDispatcher(Note, PATHS.note, async (ctx, values) => {
    const { weft } = ctx.data;
    if (!isId(values.id)) return null;
    const post = await findPostById(weft.db.kysely, values.id);
    if (!post || !post.local || post.repostOfId || (post.visibility !== "public" && post.visibility !== "unlisted")) return null;
    const author = await sharedAccount(weft, post.accountId);
    if (!author) return null;
    return loadNote(weft.db.kysely, ctx.origin, post);
  });
}
