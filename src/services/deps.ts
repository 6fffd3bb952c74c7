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
  /** This process hears of the events a transaction recorded as soon as it commits. */
  readonly committed?: CommittedEvents;
}

export type CommittedListener = (event: DomainEvent) => void;

/**
 * The events of this process's committed transactions, told to listeners right after the
 * commit (a rolled-back transaction's events are never told). The durable path, through
 * the worker and every process, stays the jobs table; this one is for what must not wait
 * for a worker, like dropping a cached response the change made stale (ADR 0007).
 */
export class CommittedEvents {
  readonly #pending = new WeakMap<object, DomainEvent[]>();
  readonly #listeners: CommittedListener[] = [];

  listen(fn: CommittedListener): void {
    this.#listeners.push(fn);
  }

  note(tx: Tx, event: DomainEvent): void {
    const list = this.#pending.get(tx);
    if (list) list.push(event);
    else this.#pending.set(tx, [event]);
  }

  flush(tx: Tx): void {
    const list = this.#pending.get(tx);
    if (!list) return;
    this.#pending.delete(tx);
    for (const event of list) for (const fn of this.#listeners) fn(event);
  }
}

export type Tx = Kysely<Database>;

export const EVENTS_QUEUE = "events";

/**
 * Records a domain event in the caller's transaction: the jobs table is the outbox, so
 * the event exists exactly when the change does.
 */
export async function recordEvent(deps: ServiceDeps, tx: Tx, event: DomainEvent): Promise<void> {
  await enqueue(tx, EVENTS_QUEUE, event);
  queuedIn.add(tx);
  deps.committed?.note(tx, event);
  if (deps.db.dialect === "postgres") {
    // Delivered at commit, to workers in other processes.
    await sql`SELECT pg_notify(${NOTIFY_CHANNEL}, '')`.execute(tx);
  }
}

/** Transactions that queued a job (through recordEvent). */
const queuedIn = new WeakSet<Tx>();

/**
 * Runs `fn` in one transaction, then wakes this process's workers if it queued anything:
 * a wake-up costs a claim (and on PostgreSQL a NOTIFY), which a flood of remote posts,
 * queuing nothing, paid once per transaction. Code that queues a job outside recordEvent
 * wakes the workers itself, as the federation queue does.
 */
export async function transaction<T>(deps: ServiceDeps, fn: (tx: Tx) => Promise<T>): Promise<T> {
  let open: Tx | null = null;
  const result = await deps.db.kysely.transaction().execute((tx) => fn((open = tx)));
  if (open && queuedIn.has(open)) deps.signal.notify();
  if (open) deps.committed?.flush(open);
  return result;
}

export function nowIso(): string {
  return new Date().toISOString();
}
