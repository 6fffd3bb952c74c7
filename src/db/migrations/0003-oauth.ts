// The client API's tables: OAuth apps, codes and tokens (secrets stored as sha256, never
// in clear), and the per-account state Mastodon clients expect: bookmarks, pins, read
// markers and Idempotency-Key records. Forward-only.
import type { Kysely } from "kysely";

const ID = "text";
const TS = "text";

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("oauth_apps")
    .addColumn("id", ID, (c) => c.primaryKey())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("website", "text")
    .addColumn("redirect_uris", "text", (c) => c.notNull())
    .addColumn("scopes", "text", (c) => c.notNull())
    .addColumn("client_id", "text", (c) => c.notNull().unique())
    .addColumn("client_secret", "text", (c) => c.notNull())
    .addColumn("created_at", TS, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("oauth_codes")
    .addColumn("code_hash", "text", (c) => c.primaryKey())
    .addColumn("app_id", ID, (c) => c.notNull().references("oauth_apps.id").onDelete("cascade"))
    .addColumn("account_id", ID, (c) => c.notNull().references("accounts.id").onDelete("cascade"))
    .addColumn("redirect_uri", "text", (c) => c.notNull())
    .addColumn("scopes", "text", (c) => c.notNull())
    .addColumn("code_challenge", "text")
    .addColumn("code_challenge_method", "text")
    .addColumn("expires_at", "bigint", (c) => c.notNull())
    .addColumn("created_at", TS, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("oauth_tokens")
    .addColumn("id", ID, (c) => c.primaryKey())
    .addColumn("token_hash", "text", (c) => c.notNull().unique())
    // null for tokens made by `weft token create`.
    .addColumn("app_id", ID, (c) => c.references("oauth_apps.id").onDelete("cascade"))
    // null for client_credentials tokens (the app itself, no user).
    .addColumn("account_id", ID, (c) => c.references("accounts.id").onDelete("cascade"))
    .addColumn("scopes", "text", (c) => c.notNull())
    .addColumn("created_at", TS, (c) => c.notNull())
    .addColumn("revoked_at", TS)
    .execute();
  await db.schema.createIndex("oauth_tokens_account").on("oauth_tokens").column("account_id").execute();

  await db.schema
    .createTable("bookmarks")
    .addColumn("id", ID, (c) => c.primaryKey())
    .addColumn("account_id", ID, (c) => c.notNull().references("accounts.id").onDelete("cascade"))
    .addColumn("post_id", ID, (c) => c.notNull().references("posts.id").onDelete("cascade"))
    .addColumn("created_at", TS, (c) => c.notNull())
    .addUniqueConstraint("bookmarks_account_post", ["account_id", "post_id"])
    .execute();

  await db.schema
    .createTable("pins")
    .addColumn("id", ID, (c) => c.primaryKey())
    .addColumn("account_id", ID, (c) => c.notNull().references("accounts.id").onDelete("cascade"))
    .addColumn("post_id", ID, (c) => c.notNull().references("posts.id").onDelete("cascade"))
    .addColumn("created_at", TS, (c) => c.notNull())
    .addUniqueConstraint("pins_account_post", ["account_id", "post_id"])
    .execute();

  await db.schema
    .createTable("markers")
    .addColumn("account_id", ID, (c) => c.notNull().references("accounts.id").onDelete("cascade"))
    .addColumn("timeline", "text", (c) => c.notNull())
    .addColumn("last_read_id", "text", (c) => c.notNull())
    .addColumn("version", "integer", (c) => c.notNull())
    .addColumn("updated_at", TS, (c) => c.notNull())
    .addPrimaryKeyConstraint("markers_pk", ["account_id", "timeline"])
    .execute();

  await db.schema
    .createTable("idempotency_keys")
    .addColumn("account_id", ID, (c) => c.notNull().references("accounts.id").onDelete("cascade"))
    .addColumn("key", "text", (c) => c.notNull())
    .addColumn("post_id", ID, (c) => c.notNull().references("posts.id").onDelete("cascade"))
    .addColumn("created_at", TS, (c) => c.notNull())
    .addPrimaryKeyConstraint("idempotency_keys_pk", ["account_id", "key"])
    .execute();
}
