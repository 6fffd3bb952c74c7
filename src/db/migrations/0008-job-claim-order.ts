// Claims read due jobs in (run_at, id) order. The first index, (queue, run_at), could not
// give that order across several queues, so every claim sorted all due jobs: with 1,000
// deliveries queued by one post, claiming took about a quarter of the fan-out's CPU on
// SQLite (bench fan-out, issue 7). Walking (run_at, id) stops after LIMIT rows, on both
// dialects; the queue filter is applied on the way (a worker handles nearly every queue).
import type { Kysely } from "kysely";

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex("jobs_due").execute();
  await db.schema.createIndex("jobs_due").on("jobs").columns(["run_at", "id"]).execute();
}
