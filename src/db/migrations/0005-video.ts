// Videos: duration and frame rate (from ffprobe for uploads, from `duration` for remote
// attachments), and the poster of a remote video (its `icon`), shown through the proxy.
import type { Kysely } from "kysely";

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("media_attachments").addColumn("duration", "double precision").execute();
  await db.schema.alterTable("media_attachments").addColumn("frame_rate", "text").execute();
  await db.schema.alterTable("media_attachments").addColumn("preview_remote_url", "text").execute();
}
