// Claims read each queue's ready jobs on their own (jobs/queue.ts claimJobs). The index of
// 0008, (run_at, id) over all queues, gave one order across queues, but a claim for some
// queues walked past every ready job of the others: under an inbox flood of 3,000 queued
// activities each claim of the delivery queues read all of them, and the claim statement
// was the largest single cost of the flood's database time (bench inbox, issue 7). With
// the queue first, each queue's branch is an index seek that stops after its LIMIT.
import { sql, type Kysely } from "kysely";

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex("jobs_ready_in_queue").on("jobs").columns(["queue", "run_at", "id"]).where(sql.ref("locked_until"), "is", null).execute();
  await db.schema.dropIndex("jobs_ready").execute();
}
