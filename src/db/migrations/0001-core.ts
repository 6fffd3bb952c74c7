// The core tables. Forward-only: a later change is a new migration, never an edit here.
import { sql, type Kysely } from "kysely";

// Column type helpers shared by both dialects: text ids and timestamps, integer booleans.
const ID = "text";
const TS = "text";

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("accounts")
    .addColumn("id", ID, (c) => c.primaryKey())
    .addColumn("username", "text", (c) => c.notNull())
    .addColumn("username_lower", "text", (c) => c.notNull())
    .addColumn("domain", "text")
    .addColumn("display_name", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("bio", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("bio_html", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("is_private", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("fediverse_sharing", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("is_admin", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("approved", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("suspended_at", TS)
    .addColumn("email", "text")
    .addColumn("password_hash", "text")
    .addColumn("avatar_url", "text")
    .addColumn("header_url", "text")
    .addColumn("created_at", TS, (c) => c.notNull())
    .addColumn("updated_at", TS, (c) => c.notNull())
    .addColumn("uri", "text", (c) => c.unique())
    .addColumn("url", "text")
    .addColumn("inbox_url", "text")
    .addColumn("shared_inbox_url", "text")
    .addColumn("followers_url", "text")
    .addColumn("outbox_url", "text")
    .addColumn("featured_url", "text")
    .addColumn("actor_type", "text")
    .addColumn("fields_json", "text")
    .addColumn("also_known_as_json", "text")
    .addColumn("moved_to_id", ID)
    .addColumn("fetched_at", TS)
    .execute();
  // NULL domains are distinct in a unique index on both dialects, so local handles get
  // their own partial index.
  await db.schema
    .createIndex("accounts_local_username")
    .on("accounts")
    .column("username_lower")
    .unique()
    .where(sql.ref("domain"), "is", null)
    .execute();
  await db.schema
    .createIndex("accounts_remote_username")
    .on("accounts")
    .columns(["username_lower", "domain"])
    .unique()
    .where(sql.ref("domain"), "is not", null)
    .execute();

  await db.schema
    .createTable("posts")
    .addColumn("id", ID, (c) => c.primaryKey())
    .addColumn("account_id", ID, (c) => c.notNull().references("accounts.id").onDelete("cascade"))
    .addColumn("local", "integer", (c) => c.notNull())
    .addColumn("text", "text", (c) => c.notNull())
    .addColumn("html", "text", (c) => c.notNull())
    .addColumn("summary", "text")
    .addColumn("sensitive", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("language", "text")
    .addColumn("visibility", "text", (c) => c.notNull())
    .addColumn("reply_policy", "text", (c) => c.notNull().defaultTo("anyone"))
    .addColumn("in_reply_to_id", ID)
    .addColumn("in_reply_to_account_id", ID)
    .addColumn("in_reply_to_uri", "text")
    .addColumn("quote_of_id", ID)
    .addColumn("repost_of_id", ID)
    .addColumn("replies_count", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("likes_count", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("reposts_count", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("quotes_count", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("created_at", TS, (c) => c.notNull())
    .addColumn("edited_at", TS)
    .addColumn("uri", "text", (c) => c.unique())
    .addColumn("url", "text")
    .addColumn("object_type", "text")
    .addColumn("title", "text")
    .addColumn("federated_at", TS)
    .execute();
  await db.schema.createIndex("posts_account").on("posts").columns(["account_id", "id"]).execute();
  await db.schema.createIndex("posts_reply").on("posts").columns(["in_reply_to_id", "id"]).execute();
  await db.schema.createIndex("posts_reply_uri").on("posts").column("in_reply_to_uri").execute();
  await db.schema.createIndex("posts_repost").on("posts").columns(["repost_of_id", "account_id"]).execute();
  await db.schema.createIndex("posts_quote").on("posts").column("quote_of_id").execute();

  await db.schema
    .createTable("post_edits")
    .addColumn("id", ID, (c) => c.primaryKey())
    .addColumn("post_id", ID, (c) => c.notNull().references("posts.id").onDelete("cascade"))
    .addColumn("text", "text", (c) => c.notNull())
    .addColumn("html", "text", (c) => c.notNull())
    .addColumn("summary", "text")
    .addColumn("created_at", TS, (c) => c.notNull())
    .execute();
  await db.schema.createIndex("post_edits_post").on("post_edits").columns(["post_id", "id"]).execute();

  await db.schema
    .createTable("post_mentions")
    .addColumn("post_id", ID, (c) => c.notNull().references("posts.id").onDelete("cascade"))
    .addColumn("account_id", ID, (c) => c.notNull().references("accounts.id").onDelete("cascade"))
    .addPrimaryKeyConstraint("post_mentions_pk", ["post_id", "account_id"])
    .execute();
  await db.schema.createIndex("post_mentions_account").on("post_mentions").columns(["account_id", "post_id"]).execute();

  await db.schema
    .createTable("post_tags")
    .addColumn("post_id", ID, (c) => c.notNull().references("posts.id").onDelete("cascade"))
    .addColumn("tag", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("post_tags_pk", ["post_id", "tag"])
    .execute();
  await db.schema.createIndex("post_tags_tag").on("post_tags").columns(["tag", "post_id"]).execute();

  await db.schema
    .createTable("likes")
    .addColumn("id", ID, (c) => c.primaryKey())
    .addColumn("account_id", ID, (c) => c.notNull().references("accounts.id").onDelete("cascade"))
    .addColumn("post_id", ID, (c) => c.notNull().references("posts.id").onDelete("cascade"))
    .addColumn("created_at", TS, (c) => c.notNull())
    .addColumn("uri", "text", (c) => c.unique())
    .addColumn("emoji", "text")
    .addUniqueConstraint("likes_account_post", ["account_id", "post_id"])
    .execute();
  await db.schema.createIndex("likes_post").on("likes").columns(["post_id", "id"]).execute();

  await db.schema
    .createTable("follows")
    .addColumn("id", ID, (c) => c.primaryKey())
    .addColumn("follower_id", ID, (c) => c.notNull().references("accounts.id").onDelete("cascade"))
    .addColumn("followee_id", ID, (c) => c.notNull().references("accounts.id").onDelete("cascade"))
    .addColumn("state", "text", (c) => c.notNull())
    .addColumn("created_at", TS, (c) => c.notNull())
    .addColumn("uri", "text", (c) => c.unique())
    .addUniqueConstraint("follows_pair", ["follower_id", "followee_id"])
    .execute();
  await db.schema.createIndex("follows_followee").on("follows").columns(["followee_id", "state"]).execute();

  for (const t of ["blocks", "mutes"]) {
    let b = db.schema
      .createTable(t)
      .addColumn("account_id", ID, (c) => c.notNull().references("accounts.id").onDelete("cascade"))
      .addColumn("target_id", ID, (c) => c.notNull().references("accounts.id").onDelete("cascade"))
      .addColumn("created_at", TS, (c) => c.notNull());
    if (t === "blocks") b = b.addColumn("uri", "text");
    await b.addPrimaryKeyConstraint(`${t}_pk`, ["account_id", "target_id"]).execute();
    await db.schema.createIndex(`${t}_target`).on(t).column("target_id").execute();
  }

  await db.schema
    .createTable("domain_blocks")
    .addColumn("account_id", ID, (c) => c.notNull().references("accounts.id").onDelete("cascade"))
    .addColumn("domain", "text", (c) => c.notNull())
    .addColumn("created_at", TS, (c) => c.notNull())
    .addPrimaryKeyConstraint("domain_blocks_pk", ["account_id", "domain"])
    .execute();

  await db.schema
    .createTable("notifications")
    .addColumn("id", ID, (c) => c.primaryKey())
    .addColumn("account_id", ID, (c) => c.notNull().references("accounts.id").onDelete("cascade"))
    .addColumn("type", "text", (c) => c.notNull())
    .addColumn("from_account_id", ID, (c) => c.notNull().references("accounts.id").onDelete("cascade"))
    .addColumn("post_id", ID, (c) => c.references("posts.id").onDelete("cascade"))
    .addColumn("created_at", TS, (c) => c.notNull())
    .addColumn("read", "integer", (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex("notifications_account").on("notifications").columns(["account_id", "id"]).execute();

  await db.schema
    .createTable("sessions")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("account_id", ID, (c) => c.notNull().references("accounts.id").onDelete("cascade"))
    .addColumn("created_at", TS, (c) => c.notNull())
    .addColumn("last_seen_at", TS, (c) => c.notNull())
    .addColumn("user_agent", "text")
    .execute();
  await db.schema.createIndex("sessions_account").on("sessions").column("account_id").execute();

  await db.schema
    .createTable("rate_limits")
    .addColumn("key", "text", (c) => c.primaryKey())
    .addColumn("count", "integer", (c) => c.notNull())
    .addColumn("reset_at", "bigint", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("kv")
    .addColumn("key", "text", (c) => c.primaryKey())
    .addColumn("value", "text", (c) => c.notNull())
    .addColumn("expires_at", "bigint")
    .execute();

  await db.schema
    .createTable("jobs")
    .addColumn("id", ID, (c) => c.primaryKey())
    .addColumn("queue", "text", (c) => c.notNull())
    .addColumn("payload", "text", (c) => c.notNull())
    .addColumn("run_at", "bigint", (c) => c.notNull())
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("locked_until", "bigint")
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("ordering_key", "text")
    .execute();
  await db.schema.createIndex("jobs_due").on("jobs").columns(["queue", "run_at"]).execute();

  await db.schema
    .createTable("reports")
    .addColumn("id", ID, (c) => c.primaryKey())
    .addColumn("reporter_id", ID, (c) => c.references("accounts.id").onDelete("set null"))
    .addColumn("target_account_id", ID, (c) => c.notNull().references("accounts.id").onDelete("cascade"))
    .addColumn("post_ids_json", "text", (c) => c.notNull())
    .addColumn("comment", "text", (c) => c.notNull())
    .addColumn("uri", "text")
    .addColumn("created_at", TS, (c) => c.notNull())
    .addColumn("resolved_at", TS)
    .execute();

  await db.schema
    .createTable("site_settings")
    .addColumn("key", "text", (c) => c.primaryKey())
    .addColumn("value", "text", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("tombstones")
    .addColumn("uri", "text", (c) => c.primaryKey())
    .addColumn("created_at", TS, (c) => c.notNull())
    .execute();
}
