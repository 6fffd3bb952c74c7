// The durable job queue: rows in the `jobs` table of Weft's own database, so a job is
// written in the same transaction as the change that caused it, and a crash or `kill -9`
// loses nothing that was committed. A claimed job carries a lease (`locked_until`); if
// its worker dies, the lease runs out and another worker takes it. On PostgreSQL claims
// use FOR UPDATE SKIP LOCKED, so any number of workers each get distinct jobs, and
// LISTEN/NOTIFY wakes them without busy polling.
import { sql, type Kysely } from "kysely";
import type { Database, JobsTable } from "../db/schema.ts";
import type { Db } from "../db/kysely.ts";
import { newId } from "../domain/ids.ts";

export interface EnqueueOptions {
  delayMs?: number;
  orderingKey?: string;
  /**
   * Enqueue at most once per key (for a day): a job that enqueues others and is run again
   * after its worker died (a fan-out killed half way) does not queue them twice. The key is
   * claimed in the `kv` table in the same transaction as the job row.
   */
  dedupeKey?: string;
}

const DEDUPE_TTL_MS = 24 * 3600_000;

export const NOTIFY_CHANNEL = "weft_jobs";

export async function enqueue(
  db: Kysely<Database>,
  queue: string,
  payload: unknown,
  opts: EnqueueOptions = {},
): Promise<string | null> {
  const now = Date.now();
  const id = newId(now);
  if (opts.dedupeKey !== undefined && !db.isTransaction) return db.transaction().execute((tx) => enqueue(tx, queue, payload, opts));
  if (opts.dedupeKey !== undefined) {
    const key = JSON.stringify(["weft", "job-dedupe", queue, opts.dedupeKey]);
    const claimed = await db
      .insertInto("kv")
      .values({ key, value: JSON.stringify(id), expires_at: now + DEDUPE_TTL_MS })
      .onConflict((oc) => oc.column("key").doUpdateSet({ value: JSON.stringify(id), expires_at: now + DEDUPE_TTL_MS }).where("kv.expires_at", "<", now))
      .returning("key")
      .execute();
    if (claimed.length === 0) return null;
  }
  await db
    .insertInto("jobs")
    .values({
      id,
      queue,
      payload: JSON.stringify(payload),
      run_at: now + Math.round(opts.delayMs ?? 0),
      attempts: 0,
      locked_until: null,
      created_at: now,
      ordering_key: opts.orderingKey ?? null,
    })
    .execute();
  return id;
}

export interface ClaimedJob {
  id: string;
  queue: string;
  payload: unknown;
  attempts: number;
  createdAt: number;
}

export async function claimJobs(
  db: Db,
  queues: readonly string[],
  limit: number,
  leaseMs: number,
): Promise<ClaimedJob[]> {
  const now = Date.now();
  const lockedUntil = now + leaseMs;
  // On PostgreSQL, SKIP LOCKED lets any number of workers claim distinct jobs at once;
  // SQLite has one writer at a time, so the UPDATE ... RETURNING is atomic on its own.
  // Only jobs nobody holds are read (the partial index `jobs_ready`, in claim order);
  // jobs of a dead worker come back through `releaseExpiredLeases`.
  const lock = db.dialect === "postgres" ? sql`FOR UPDATE SKIP LOCKED` : sql``;
  const { rows } = await sql<JobsTable>`
    UPDATE jobs SET locked_until = ${lockedUntil}, attempts = attempts + 1
    WHERE id IN (
      SELECT id FROM jobs
      WHERE locked_until IS NULL AND run_at <= ${now} AND queue IN (${sql.join(queues)})
      ORDER BY run_at, id
      LIMIT ${limit}
      ${lock}
    )
    RETURNING *`.execute(db.kysely);
  return rows.map((r) => ({
    id: r.id,
    queue: r.queue,
    payload: JSON.parse(r.payload),
    attempts: Number(r.attempts),
    createdAt: Number(r.created_at),
  }));
}

/**
 * Puts back the jobs whose lease ran out (their worker died or stalled past its renewals),
 * so the next claim takes them. Returns how many.
 */
export async function releaseExpiredLeases(db: Db): Promise<number> {
  const r = await db.kysely
    .updateTable("jobs")
    .set({ locked_until: null })
    .where("locked_until", "is not", null)
    .where("locked_until", "<", Date.now())
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

export async function completeJob(db: Db, id: string): Promise<void> {
  await db.kysely.deleteFrom("jobs").where("id", "=", id).execute();
}

/** Extends the leases of jobs a live worker is still running. */
export async function renewLeases(db: Db, ids: readonly string[], leaseMs: number): Promise<void> {
  if (ids.length === 0) return;
  await db.kysely
    .updateTable("jobs")
    .set({ locked_until: Date.now() + leaseMs })
    .where("id", "in", ids as string[])
    .where("locked_until", "is not", null)
    .execute();
}

export async function retryJob(db: Db, id: string, delayMs: number): Promise<void> {
  await db.kysely
    .updateTable("jobs")
    // run_at is a bigint column: PostgreSQL refuses a fractional value.
    .set({ run_at: Date.now() + Math.round(delayMs), locked_until: null })
    .where("id", "=", id)
    .execute();
}

/** The earliest time a job becomes due, for sleeping until then. */
export async function nextDueAt(db: Db, queues: readonly string[]): Promise<number | null> {
  const row = await db.kysely
    .selectFrom("jobs")
    .select((eb) => eb.fn.min(eb.fn.coalesce("locked_until", "run_at")).as("due"))
    .where("queue", "in", queues as string[])
    .executeTakeFirst();
  return row?.due == null ? null : Number(row.due);
}

export async function countJobs(db: Db, queue?: string): Promise<number> {
  let q = db.kysely.selectFrom("jobs").select((eb) => eb.fn.countAll<number>().as("n"));
  if (queue) q = q.where("queue", "=", queue);
  const row = await q.executeTakeFirstOrThrow();
  return Number(row.n);
}
