// Media attachments: uploaded files (stored under the media storage by server-generated
// keys) and remote media (only their URL; fetched lazily through the media proxy).
import type { Kysely } from "kysely";

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("media_attachments")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("account_id", "text", (c) => c.notNull().references("accounts.id").onDelete("cascade"))
    // Null until the upload is attached to a post (or for avatars and headers). A deleted
    // post detaches its media rather than dropping the rows, so the files can be cleaned up.
    .addColumn("post_id", "text", (c) => c.references("posts.id").onDelete("set null"))
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("content_type", "text", (c) => c.notNull())
    .addColumn("file_key", "text")
    .addColumn("thumb_key", "text")
    .addColumn("width", "integer")
    .addColumn("height", "integer")
    .addColumn("blurhash", "text")
    .addColumn("focus_x", "real")
    .addColumn("focus_y", "real")
    .addColumn("description", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("size", "bigint")
    .addColumn("remote_url", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("processed_at", "text")
    // Order within the post, as the author chose it (Mastodon keeps media_ids order).
    .addColumn("position", "integer")
    .execute();
  await db.schema.createIndex("media_attachments_post").on("media_attachments").columns(["post_id", "id"]).execute();
  await db.schema.createIndex("media_attachments_account").on("media_attachments").columns(["account_id", "id"]).execute();
}
