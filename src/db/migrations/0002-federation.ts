// Federation's tables: actor key pairs, and the per-server tally of the requests sent when
// an account turns fediverse sharing off. Fedify's own state (idempotency, key cache)
// lives in `kv`, its queue in `jobs`, both from 0001.
import type { Kysely } from "kysely";

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("actor_keys")
    .addColumn("account_id", "text", (c) => c.notNull().references("accounts.id").onDelete("cascade"))
    // "rsa" (RSASSA-PKCS1-v1_5, for Mastodon's HTTP signatures) or "ed25519" (FEP-8b32).
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("public_jwk", "text", (c) => c.notNull())
    .addColumn("private_jwk", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("actor_keys_pk", ["account_id", "kind"])
    .execute();

  // One row per request Weft asked a remote server to honour on opt-out: Delete of a
  // post, or Reject of a follow. `confirmed_at` is set once the server answered 2xx.
  await db.schema
    .createTable("sharing_requests")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("account_id", "text", (c) => c.notNull().references("accounts.id").onDelete("cascade"))
    .addColumn("server", "text", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("object_uri", "text", (c) => c.notNull())
    .addColumn("activity_json", "text", (c) => c.notNull())
    .addColumn("recipients_json", "text", (c) => c.notNull())
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("last_error", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("confirmed_at", "text")
    .execute();
  await db.schema.createIndex("sharing_requests_account").on("sharing_requests").columns(["account_id", "server"]).execute();
}
