// Held (filtered) notifications from other servers (src/domain/notification-filter.ts), and
// the creation date remote actors publish, which decides whether an account is new.
import type { Kysely } from "kysely";

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("notifications").addColumn("filtered", "integer", (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable("accounts").addColumn("published_at", "text").execute();
}
