// What every service is built with. Built once in the composition root and passed down.
import { sql, type Kysely } from "kysely";
import type { Config } from "../config.ts";
import type { Db } from "../db/kysely.ts";
import type { Database } from "../db/schema.ts";
import type { DomainEvent } from "../domain/events.ts";
import { enqueue, NOTIFY_CHANNEL } from "../jobs/queue.ts";
import type { JobSignal } from "../jobs/worker.ts";

export interface ServiceDeps {
  readonly db: Db;
  readonly config: Config;
  readonly signal: JobSignal;
}

export type Tx = Kysely<Database>;

export const EVENTS_QUEUE = "events";

/**
 * Records a domain event in the caller's transaction: the jobs table is the outbox, so
 * the event exists exactly when the change does.
 */
export async function recordEvent(deps: ServiceDeps, tx: Tx, event: DomainEvent): Promise<void> {
  await enqueue(tx, EVENTS_QUEUE, event);
  if (deps.db.dialect === "postgres") {
    // Delivered at commit, to workers in other processes.
    await sql`SELECT pg_notify(${NOTIFY_CHANNEL}, '')`.execute(tx);
  }
}

/** Runs `fn` in one transaction, then wakes this process's workers for what it queued. */
export async function transaction<T>(deps: ServiceDeps, fn: (tx: Tx) => Promise<T>): Promise<T> {
  const result = await deps.db.kysely.transaction().execute(fn);
  deps.signal.notify();
  return result;
}

export function nowIso(): string {
  return new Date().toISOString();
}
