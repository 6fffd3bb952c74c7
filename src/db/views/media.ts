// Read model for media: the attachments of a page of posts in one query, in the order
// their authors chose, for the web UI, the Mastodon API and federation to hydrate posts.
import type { Kysely } from "kysely";
import type { Database } from "../schema.ts";
import { rowToMedia, withMedia, type MediaAttachment } from "../../media/types.ts";

export type { MediaAttachment } from "../../media/types.ts";

/** Post id -> its attachments (posts without any are absent from the map). */
export async function attachmentsForPosts(db: Kysely<Database>, postIds: readonly string[]): Promise<Map<string, MediaAttachment[]>> {
  const out = new Map<string, MediaAttachment[]>();
  const ids = [...new Set(postIds)];
  if (ids.length === 0) return out;
  const rows = await withMedia(db)
    .selectFrom("media_attachments")
    .selectAll()
    .where("post_id", "in", ids)
    .orderBy("post_id")
    .orderBy("position")
    .orderBy("id")
    .execute();
  for (const r of rows) {
    const list = out.get(r.post_id!) ?? [];
    list.push(rowToMedia(r));
    out.set(r.post_id!, list);
  }
  return out;
}

export async function mediaById(db: Kysely<Database>, id: string): Promise<MediaAttachment | null> {
  const r = await withMedia(db).selectFrom("media_attachments").selectAll().where("id", "=", id).executeTakeFirst();
  return r ? rowToMedia(r) : null;
}

/** An account's uploads not attached to any post yet (the composer's pending media). */
export async function unattachedMedia(db: Kysely<Database>, accountId: string): Promise<MediaAttachment[]> {
  const rows = await withMedia(db)
    .selectFrom("media_attachments")
    .selectAll()
    .where("account_id", "=", accountId)
    .where("post_id", "is", null)
    .where("remote_url", "is", null)
    .orderBy("id")
    .execute();
  return rows.map(rowToMedia);
}
