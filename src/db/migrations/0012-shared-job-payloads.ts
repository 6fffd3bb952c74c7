// A fan-out queues one delivery job per server, and each job carried the whole activity
// and the sender's private keys: 6.4 KB a job, 5.7 KB of it the same in every job of the
// fan-out. For 1,000 servers that was 6.4 MB written in the posting transaction and read
// back by the claims; on PostgreSQL, encoding the inserts alone was a quarter of the time
// between the post and its first delivery (bench fanout, issue 7). The shared part is now
// written once, in `job_payloads`, and each job names it (jobs/queue.ts).
import { sql, type Kysely } from "kysely";

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("job_payloads")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("body", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema.alterTable("jobs").addColumn("payload_id", "text").execute();
  // For the sweep of parts no job names any more; most jobs name none.
  await db.schema.createIndex("jobs_payload").on("jobs").column("payload_id").where(sql.ref("payload_id"), "is not", null).execute();
}
