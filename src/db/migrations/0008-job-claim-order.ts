// Claims read ready jobs in (run_at, id) order. The first index, (queue, run_at), could not
// give that order across several queues, so every claim sorted all due jobs, and it also
// walked past every job already running: with 1,000 deliveries queued by one post, claiming
// took about a third of the fan-out's CPU on SQLite (bench fan-out, issue 7). Now a claim
// walks a partial index of the jobs nobody holds and stops after LIMIT rows; jobs whose
// lease ran out (their worker died) are first put back by `releaseExpiredLeases`, which
// reads the small index of held jobs.
import { sql, type Kysely } from "kysely";

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex("jobs_due").execute();
  await db.schema.createIndex("jobs_ready").on("jobs").columns(["run_at", "id"]).where(sql.ref("locked_until"), "is", null).execute();
  await db.schema.createIndex("jobs_leased").on("jobs").column("locked_until").where(sql.ref("locked_until"), "is not", null).execute();
}
