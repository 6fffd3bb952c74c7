// Fedify's MessageQueue over Weft's durable `jobs` table: outgoing deliveries and
// accepted inbox activities survive a restart or a `kill -9`. The in-process worker runs
// the handler; Fedify does its own retries (nativeRetrial false), so a handler that
// throws is not retried twice.
import type { MessageQueue, MessageQueueEnqueueOptions, MessageQueueListenOptions } from "@fedify/fedify";
import { UrlError, validatePublicUrl } from "@fedify/vocab-runtime";
import type { Db } from "../db/kysely.ts";
import { enqueueMany } from "../jobs/queue.ts";
import type { JobSignal, Worker } from "../jobs/worker.ts";
import { firstAttemptOf } from "./outbox-message.ts";
import { withVerifiedActor } from "./verified-actor.ts";

/** Deliveries (Fedify's outbox queue; fan-out messages an older Weft queued run here too). */
export const FEDIFY_QUEUE = "fedify";
/**
 * Accepted inbox activities, apart from deliveries. In one queue, claims go by due time,
 * so a reply that arrived during a big fan-out waited behind its thousands of deliveries;
 * now inbox jobs are claimed first, up to INBOX_CONCURRENCY at once. Their work is mostly
 * CPU (JSON-LD, keys) and gains nothing from more width; deliveries mostly wait on remote
 * servers and keep the worker's full width.
 */
export const FEDIFY_INBOX_QUEUE = "fedify-inbox";
export const INBOX_CONCURRENCY = 32;

interface QueueOptions {
  allowPrivateAddress?: boolean;
  /** The jobs-table queue (default FEDIFY_QUEUE). */
  name?: string;
  /** At most this many of its jobs at once in this process (default: the worker's width). */
  concurrency?: number;
  /** Sends a delivery itself when it may (first-attempt.ts); false leaves it to Fedify. */
  firstAttempt?: (message: unknown) => Promise<boolean>;
}

/**
 * An events job killed after queuing some deliveries is run again by another worker: the
 * first attempt of each (activity, inbox) is queued once. Fedify's own retries (attempt > 0)
 * are always queued, and so are the messages its circuit breaker holds for a server marked
 * unreachable: those are re-queued with attempt 0, and the key taken by the first queuing
 * dropped them (a post made while a server was down never reached it).
 */
function dedupeKeyOf(message: unknown): string | undefined {
  const m = firstAttemptOf(message);
  return m?.activityId && m.inbox ? `${m.activityId} ${m.inbox}` : undefined;
}

/**
 * The fields of a fan-out's messages that are the same in every one: Fedify builds each
 * server's message around one activity document and one list of keys (5.7 KB of a 6.4 KB
 * message). Only the very same objects count, so nothing that differs is ever merged.
 */
const SHARED_FIELDS = ["activity", "keys"] as const;

function sharedPart(messages: readonly unknown[]): Record<string, unknown> | undefined {
  if (messages.length < 2) return undefined;
  const first = messages[0] as Record<string, unknown> | null;
  if (!first || typeof first !== "object") return undefined;
  for (const m of messages) {
    if (!m || typeof m !== "object") return undefined;
    for (const f of SHARED_FIELDS) if (!(f in m) || (m as Record<string, unknown>)[f] !== first[f]) return undefined;
  }
  return Object.fromEntries(SHARED_FIELDS.map((f) => [f, first[f]]));
}

function withoutShared(message: Record<string, unknown>): Record<string, unknown> {
  const own = { ...message };
  for (const f of SHARED_FIELDS) delete own[f];
  return own;
}

export class WeftMessageQueue implements MessageQueue {
  readonly nativeRetrial = false;
  readonly #db: Db;
  readonly #signal: JobSignal;
  readonly #worker: Worker;
  readonly #allowPrivateAddress: boolean;
  readonly #name: string;
  readonly #concurrency: number | undefined;
  readonly #firstAttempt: ((message: unknown) => Promise<boolean>) | undefined;
  constructor(db: Db, signal: JobSignal, worker: Worker, options: QueueOptions = {}) {
    this.#db = db;
    this.#signal = signal;
    this.#worker = worker;
    this.#allowPrivateAddress = options.allowPrivateAddress ?? false;
    this.#name = options.name ?? FEDIFY_QUEUE;
    this.#concurrency = options.concurrency;
    this.#firstAttempt = options.firstAttempt;
  }

  /**
   * Fedify's SSRF guard covers its fetches, not its deliveries: an actor whose inbox is
   * http://169.254.169.254/... got our POSTs (SECURITY-CASES 39). A delivery to a private
   * or loopback address is dropped when it runs; a name that does not resolve right now
   * is left to Fedify's retries.
   */
  async #refusedInbox(payload: unknown): Promise<boolean> {
    const m = payload as { type?: string; inbox?: string } | null;
    if (this.#allowPrivateAddress || m?.type !== "outbox" || !m.inbox) return false;
    try {
      await validatePublicUrl(m.inbox);
      return false;
    } catch (error) {
      return error instanceof UrlError && error.message !== "DNS lookup failed";
    }
  }

  async enqueue(message: unknown, options?: MessageQueueEnqueueOptions): Promise<void> {
    await this.enqueueMany([message], options);
  }

  /**
   * A fan-out's deliveries, queued in one transaction (jobs/queue.ts enqueueMany), with
   * the activity and keys they all carry written once.
   */
  async enqueueMany(messages: readonly unknown[], options?: MessageQueueEnqueueOptions): Promise<void> {
    // Whole milliseconds: run_at is a bigint on PostgreSQL.
    const delayMs = options?.delay ? Math.max(0, Math.round(options.delay.total({ unit: "milliseconds" }))) : 0;
    const shared = sharedPart(messages);
    await enqueueMany(
      this.#db.kysely,
      this.#name,
      messages.map((message) => ({
        payload: shared ? withoutShared(message as Record<string, unknown>) : message,
        opts: { delayMs, orderingKey: options?.orderingKey, dedupeKey: dedupeKeyOf(message) },
      })),
      shared,
    );
    this.#signal.notify();
  }

  /** Registers the handler with the worker (before it starts) and waits for the abort. */
  listen(handler: (message: any) => Promise<void> | void, options?: MessageQueueListenOptions): Promise<void> {
    // Fedify's handler runs any kind of task from any of its queues: inbox activities that
    // an older Weft queued under FEDIFY_QUEUE still run after an upgrade.
    this.#worker.handle(this.#name, async (payload) => {
      if (await this.#refusedInbox(payload)) return;
      if (this.#firstAttempt && (await this.#firstAttempt(payload))) return;
      await withVerifiedActor(payload, () => handler(payload));
    }, { maxAttempts: 1, backoffMs: () => 0 }, { concurrency: this.#concurrency });
    return new Promise((resolve) => {
      if (!options?.signal) return; // lives as long as the process
      if (options.signal.aborted) return resolve();
      options.signal.addEventListener("abort", () => resolve(), { once: true });
    });
  }
}
