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
import { logger } from "../log.ts";

const log = logger("jobs");

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
  const [id] = await enqueueMany(db, queue, [{ payload, opts }]);
  return id;
}

/** Rows per INSERT: well under SQLite's and PostgreSQL's limits on bound parameters. */
const INSERT_CHUNK = 200;

/**
 * Queues many jobs in one transaction, a few statements for the lot: a fan-out queues a
 * delivery per server, and one transaction (with its commit) per delivery was most of its
 * queuing time. Returns each job's id, or null where its dedupe key was already taken
 * (also by an earlier item of the same call).
 *
 * `shared`, when given, holds the fields every item's payload has in common (a fan-out's
 * activity and keys): written once, in `job_payloads`, and put back under each job's own
 * fields when the job is claimed (migration 0012). Items' payloads must then be objects.
 */
export async function enqueueMany(
  db: Kysely<Database>,
  queue: string,
  items: readonly { payload: unknown; opts?: EnqueueOptions }[],
  shared?: Record<string, unknown>,
): Promise<(string | null)[]> {
  if (items.length === 0) return [];
  const deduped = items.some((i) => i.opts?.dedupeKey !== undefined);
  if ((deduped || shared || items.length > INSERT_CHUNK) && !db.isTransaction) return db.transaction().execute((tx) => enqueueMany(tx, queue, items, shared));
  const now = Date.now();
  const ids = items.map(() => newId(now));
  const kept = await claimDedupeKeys(db, queue, items.map((i) => i.opts?.dedupeKey), ids, now);
  const payloadId = shared && kept.some(Boolean) ? newId(now) : null;
  if (payloadId) await db.insertInto("job_payloads").values({ id: payloadId, body: JSON.stringify(shared), created_at: now }).execute();
  const rows = items.flatMap((item, i) => kept[i] ? [{
    id: ids[i],
    queue,
    payload: JSON.stringify(item.payload),
    run_at: now + Math.round(item.opts?.delayMs ?? 0),
    attempts: 0,
    locked_until: null,
    created_at: now,
    ordering_key: item.opts?.orderingKey ?? null,
    payload_id: payloadId,
  }] : []);
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) await db.insertInto("jobs").values(rows.slice(i, i + INSERT_CHUNK)).execute();
  return ids.map((id, i) => (kept[i] ? id : null));
}

/**
 * Shared payload parts by id, as stored, per database: the jobs of one fan-out are claimed
 * in many batches, and each batch would read the same part again. A part never changes.
 * Parsed anew for every job, so no handler sees what another changed.
 */
const sharedBodies = new WeakMap<Db, Map<string, string>>();
const SHARED_BODIES_KEPT = 64;

async function sharedBodiesOf(db: Db, rows: readonly JobsTable[]): Promise<Map<string, string>> {
  let bodies = sharedBodies.get(db);
  if (!bodies) sharedBodies.set(db, (bodies = new Map()));
  const missing = [...new Set(rows.flatMap((r) => (r.payload_id && !bodies.has(r.payload_id) ? [r.payload_id] : [])))];
  if (missing.length) {
    const found = await db.kysely.selectFrom("job_payloads").select(["id", "body"]).where("id", "in", missing).execute();
    if (bodies.size + found.length > SHARED_BODIES_KEPT) bodies.clear();
    for (const r of found) bodies.set(r.id, r.body);
  }
  return bodies;
}

/**
 * Claimed rows whose shared part is gone cannot run: deleted, and said so. Parts go only
 * when no job names them, so only a bug or a hand-edited database gets here.
 */
async function dropOrphans(db: Db, rows: JobsTable[], bodies: Map<string, string>): Promise<JobsTable[]> {
  const orphans = rows.filter((r) => r.payload_id && !bodies.has(r.payload_id));
  if (orphans.length === 0) return rows;
  log.error("dropped {count} jobs whose shared payload is gone: {ids}", { count: orphans.length, ids: orphans.map((r) => r.id) });
  await completeJobs(db, orphans.map((r) => r.id));
  return rows.filter((r) => !orphans.includes(r));
}

/** A claimed row's payload: its own fields over the part it shares with its batch. */
function payloadOf(row: JobsTable, bodies: Map<string, string>): unknown {
  const own = JSON.parse(row.payload);
  return row.payload_id ? Object.assign(JSON.parse(bodies.get(row.payload_id)!), own) : own;
}

/**
 * Deletes the shared payload parts that no job names any more (their jobs ran), in one
 * statement. A part is written in the transaction that queues its jobs, so no claim or
 * sweep sees it without them.
 */
export async function sweepSharedPayloads(db: Db): Promise<number> {
  const r = await db.kysely
    .deleteFrom("job_payloads")
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom("jobs").select("jobs.id").whereRef("jobs.payload_id", "=", "job_payloads.id"))))
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}

/**
 * Claims each dedupe key in the `kv` table (a key is free once it expired); items with no
 * key are always kept. Inside the caller's transaction, so a key is taken exactly when its
 * job is queued.
 */
async function claimDedupeKeys(
  db: Kysely<Database>,
  queue: string,
  keys: readonly (string | undefined)[],
  ids: readonly string[],
  now: number,
): Promise<boolean[]> {
  const kept = keys.map((k) => k === undefined);
  const first = new Map<string, number>(); // a key named twice in one call is queued once
  keys.forEach((k, i) => {
    const key = k === undefined ? undefined : JSON.stringify(["weft", "job-dedupe", queue, k]);
    if (key !== undefined && !first.has(key)) first.set(key, i);
  });
  const entries = [...first];
  for (let c = 0; c < entries.length; c += INSERT_CHUNK) {
    const chunk = entries.slice(c, c + INSERT_CHUNK);
    const claimed = await db
      .insertInto("kv")
      .values(chunk.map(([key, i]) => ({ key, value: JSON.stringify(ids[i]), expires_at: now + DEDUPE_TTL_MS })))
      .onConflict((oc) => oc.column("key").doUpdateSet((eb) => ({ value: eb.ref("excluded.value"), expires_at: eb.ref("excluded.expires_at") })).where("kv.expires_at", "<", now))
      .returning("key")
      .execute();
    for (const { key } of claimed) kept[first.get(key)!] = true;
  }
  return kept;
}

export interface ClaimedJob {
  id: string;
  queue: string;
  payload: unknown;
  attempts: number;
  createdAt: number;
  /** Part of its payload is shared with other jobs (job_payloads), swept once they are all done. */
  sharesPayload?: boolean;
}

/**
 * A queue to claim from. One with a `limit` (a capped queue's room) is served first, up
 * to that many of its jobs; plain names share what is left, oldest due first.
 */
export type ClaimFrom = string | { queue: string; limit: number };

export async function claimJobs(
  db: Db,
  from: readonly ClaimFrom[],
  limit: number,
  leaseMs: number,
): Promise<ClaimedJob[]> {
  const now = Date.now();
  const lockedUntil = now + leaseMs;
  // On PostgreSQL, SKIP LOCKED lets any number of workers claim distinct jobs at once;
  // SQLite has one writer at a time, so the UPDATE ... RETURNING is atomic on its own.
  const lock = db.dialect === "postgres" ? sql`FOR UPDATE SKIP LOCKED` : sql``;
  // One branch per queue, each reading the partial index `jobs_ready_in_queue` (queue,
  // run_at, id) of jobs nobody holds and stopping after its LIMIT; the outer query orders
  // those few rows. A single scan of all ready jobs in run_at order walked past every job
  // of the other queues: under an inbox flood each claim of a delivery read the inbox's
  // whole backlog (375 us a claim at 3,000 queued, 3.6 ms at 30,000; migration 0009).
  // Jobs of a dead worker come back through `releaseExpiredLeases`.
  if (from.length === 0 || limit <= 0) return [];
  // On SQLite the UPDATE is a write transaction even when it finds nothing (measured at
  // 0.4-1.9 ms under an inbox flood, where every group commit woke the worker): a read of
  // the same index first makes an empty claim cost a few microseconds. On PostgreSQL an
  // UPDATE that changes nothing writes nothing, and the read would be one more round trip.
  if (db.dialect === "sqlite" && !(await anyReady(db, from.map((f) => (typeof f === "string" ? f : f.queue)), now))) return [];
  const branches = from.map((f) => {
    const [queue, cap, rank] = typeof f === "string" ? [f, limit, 1] : [f.queue, Math.max(0, Math.min(f.limit, limit)), 0];
    return sql`SELECT * FROM (
      SELECT id, run_at, ${sql.lit(rank)} AS claim_rank FROM jobs
      WHERE locked_until IS NULL AND queue = ${queue} AND run_at <= ${now}
      ORDER BY run_at, id LIMIT ${cap} ${lock}) AS ${sql.id(`q${rank}_${queue.replace(/\W/g, "_")}`)}`;
  });
  const { rows } = await sql<JobsTable>`
    UPDATE jobs SET locked_until = ${lockedUntil}, attempts = attempts + 1
    WHERE id IN (
      SELECT id FROM (${sql.join(branches, sql` UNION ALL `)}) AS ready
      ORDER BY claim_rank, run_at, id
      LIMIT ${limit}
    )
    RETURNING *`.execute(db.kysely);
  const bodies = await sharedBodiesOf(db, rows);
  return (await dropOrphans(db, rows, bodies)).map((r) => ({
    id: r.id,
    queue: r.queue,
    payload: payloadOf(r, bodies),
    attempts: Number(r.attempts),
    createdAt: Number(r.created_at),
    sharesPayload: r.payload_id !== null,
  }));
}

/** The first job nobody holds that is due in one of `queues`: one probe of `jobs_ready_in_queue` per queue. */
export function readyJobQuery(db: Db, queues: string[], now: number) {
  return db.kysely.selectFrom("jobs").select("id").where("locked_until", "is", null).where("queue", "in", queues).where("run_at", "<=", now).limit(1);
}

async function anyReady(db: Db, queues: string[], now: number): Promise<boolean> {
  return (await readyJobQuery(db, queues, now).executeTakeFirst()) !== undefined;
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

export async function completeJobs(db: Db, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await db.kysely.deleteFrom("jobs").where("id", "in", ids as string[]).execute();
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

/**
 * The earliest time a job becomes due, for sleeping until then: the first ready job of
 * each queue (an index seek each) and the earliest lease to run out (the small index of
 * held jobs). MIN over all of a queue's rows read its whole backlog on every sleep.
 */
export async function nextDueAt(db: Db, queues: readonly string[]): Promise<number | null> {
  if (queues.length === 0) return null;
  const ready = queues.map((q) => sql`SELECT MIN(run_at) AS due FROM jobs WHERE locked_until IS NULL AND queue = ${q}`);
  const leased = sql`SELECT MIN(locked_until) AS due FROM jobs WHERE locked_until IS NOT NULL AND queue IN (${sql.join(queues)})`;
  const { rows } = await sql<{ due: number | string | null }>`SELECT MIN(due) AS due FROM (${sql.join([...ready, leased], sql` UNION ALL `)}) AS dues`.execute(db.kysely);
  const due = rows[0]?.due;
  return due == null ? null : Number(due);
}

export async function countJobs(db: Db, queue?: string): Promise<number> {
  let q = db.kysely.selectFrom("jobs").select((eb) => eb.fn.countAll<number>().as("n"));
  if (queue) q = q.where("queue", "=", queue);
  const row = await q.executeTakeFirstOrThrow();
  return Number(row.n);
}
