// Runs queued jobs: claims a batch, runs each handler, deletes the job when it succeeds,
// schedules a retry with backoff when it throws. Wakes on an in-process signal (a job
// enqueued by this process), on PostgreSQL NOTIFY (a job enqueued by another process), or
// when the next delayed job falls due; never polls in a tight loop.
import { EventEmitter } from "node:events";
import { sql } from "kysely";
import type { Db } from "../db/kysely.ts";
import { claimJobs, type ClaimFrom, completeJobs, retryJob, nextDueAt, renewLeases, releaseExpiredLeases, sweepSharedPayloads, NOTIFY_CHANNEL } from "./queue.ts";
import type { ClaimedJob } from "./queue.ts";

export type JobHandler = (payload: any, job: ClaimedJob) => Promise<void>;

export interface RetryPolicy {
  /** Attempts before a job is dropped (the handler may also decide it is permanent). */
  maxAttempts: number;
  backoffMs(attempt: number): number;
}

export class PermanentJobError extends Error {}

export interface HandleOptions {
  /**
   * At most this many jobs of this queue at once, within the worker's own concurrency.
   * Capped queues are claimed first, so their jobs are not stuck behind a big backlog of
   * another queue's (a fan-out's deliveries) while they have room.
   */
  concurrency?: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 20,
  // 2^n seconds with jitter, capped at 6 hours: 20 attempts span more than a day.
  backoffMs: (n) => Math.min(6 * 3600_000, 1000 * 2 ** Math.min(n, 20)) * (0.75 + Math.random() * 0.5),
};

export interface WorkerOptions {
  concurrency?: number;
  leaseMs?: number;
  /** Upper bound on a sleep, a safety net for missed wake-ups. */
  maxSleepMs?: number;
  onError?: (err: unknown, job: ClaimedJob) => void;
  /** Wraps every job run (the Weft's outgoing-HTTP scope, net/outbound.ts). */
  around?: <T>(fn: () => T) => T;
}

/** Wakes workers in this process when a job is enqueued here. */
export class JobSignal extends EventEmitter {
  notify(): void {
    this.emit("job");
  }
}

/**
 * On PostgreSQL, a job committed by this process also wakes the workers of other processes.
 * Jobs queued outside a service transaction (Fedify's queue: an inbox activity taken by a
 * `--no-workers` web process) only signal this process; without this, a `weft worker`
 * process found them at its next safety-net poll, seconds later. Returns the detach.
 */
export function forwardSignalToPostgres(db: Db, signal: JobSignal): () => void {
  if (db.dialect !== "postgres") return () => {};
  let pending = false;
  const onJob = () => {
    if (pending) return;
    pending = true; // one NOTIFY for a burst of enqueues in the same tick
    queueMicrotask(() => {
      pending = false;
      sql`SELECT pg_notify(${NOTIFY_CHANNEL}, '')`.execute(db.kysely).catch(() => {});
    });
  };
  signal.on("job", onJob);
  return () => void signal.off("job", onJob);
}

export class Worker {
  readonly #db: Db;
  readonly #handlers = new Map<string, { fn: JobHandler; retry: RetryPolicy; cap?: number }>();
  /** Running jobs per capped queue. */
  readonly #runningIn = new Map<string, number>();
  readonly #signal: JobSignal;
  readonly #opts: Required<Omit<WorkerOptions, "onError" | "around">> & Pick<WorkerOptions, "onError" | "around">;
  #running = false;
  #inFlight = new Set<Promise<void>>();
  #wake: (() => void) | null = null;
  #loop: Promise<void> | null = null;
  #listenClient: { release(): void; query(s: string): Promise<unknown>; on(e: string, f: () => void): void } | null = null;
  /** Ids of the jobs this worker is running, whose leases it keeps extending. */
  readonly #runningIds = new Set<string>();
  #renewTimer: ReturnType<typeof setInterval> | null = null;
  /** When this worker next puts back the jobs of dead workers (see #releaseDue). */
  #nextRelease = 0;

  constructor(db: Db, signal: JobSignal, opts: WorkerOptions = {}) {
    this.#db = db;
    this.#signal = signal;
    this.#opts = {
      concurrency: opts.concurrency ?? 8,
      leaseMs: opts.leaseMs ?? 60_000,
      maxSleepMs: opts.maxSleepMs ?? 5_000,
      onError: opts.onError,
      around: opts.around,
    };
  }

  handle(queue: string, fn: JobHandler, retry: RetryPolicy = DEFAULT_RETRY, options: HandleOptions = {}): void {
    const cap = options.concurrency;
    if (cap !== undefined && !(Number.isInteger(cap) && cap > 0)) throw new Error(`concurrency of ${queue} must be a positive integer`);
    this.#handlers.set(queue, { fn, retry, cap });
  }

  get queues(): string[] {
    return [...this.#handlers.keys()];
  }

  async start(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    this.#signal.on("job", this.#onSignal);
    if (this.#db.pool) {
      const client = await this.#db.pool.connect();
      client.on("notification", this.#onSignal);
      await client.query(`LISTEN ${NOTIFY_CHANNEL}`);
      this.#listenClient = client as never;
    }
    // A live worker keeps extending the leases of the jobs it runs, so a lease can be short
    // (a killed worker's jobs are taken again soon) without a slow job (a delivery to a
    // remote that answers slowly) being handed to a second worker while still running.
    this.#renewTimer = setInterval(() => {
      if (this.#runningIds.size === 0) return;
      renewLeases(this.#db, [...this.#runningIds], this.#opts.leaseMs).catch(() => {
        /* a missed renewal only risks a duplicate run, which handlers tolerate */
      });
    }, Math.max(50, Math.floor(this.#opts.leaseMs / 3)));
    this.#renewTimer.unref();
    this.#loop = this.#run();
  }

  /**
   * A claim is under way: its jobs are leased (their rows look due far ahead) but not yet
   * in #inFlight. `drain` waits it out; reading the queue in that gap, it returned while a
   * job it was waiting for had just been claimed (a flaky test on PostgreSQL).
   */
  #claiming = false;

  /** Counts wake-ups, so a sleep can tell that one came while it was reading the next due time. */
  #signals = 0;

  #onSignal = (): void => {
    this.#signals++;
    const w = this.#wake;
    this.#wake = null;
    w?.();
  };

  async #run(): Promise<void> {
    const queues = this.queues;
    while (this.#running) {
      const signalsBefore = this.#signals;
      const free = this.#opts.concurrency - this.#inFlight.size;
      let claimed: ClaimedJob[] = [];
      if (free > 0 && queues.length > 0) {
        this.#claiming = true;
        try {
          await this.#releaseDue();
          claimed = await this.#claim(queues, free);
        } catch (err) {
          this.#claiming = false;
          if (!this.#running) break;
          this.#opts.onError?.(err, { id: "", queue: "", payload: null, attempts: 0, createdAt: 0 });
        }
      }
      for (const job of claimed) {
        const capped = this.#handlers.get(job.queue)?.cap !== undefined;
        if (capped) this.#runningIn.set(job.queue, (this.#runningIn.get(job.queue) ?? 0) + 1);
        const p = this.#runJob(job).finally(() => {
          this.#inFlight.delete(p);
          if (capped) this.#runningIn.set(job.queue, this.#runningIn.get(job.queue)! - 1);
          this.#onSignal();
        });
        this.#inFlight.add(p);
      }
      this.#claiming = false;
      if (claimed.length > 0 && claimed.length === free) continue;
      await this.#sleep(this.#queuesWithRoom(queues), signalsBefore);
    }
  }

  #roomIn(queue: string): number {
    const cap = this.#handlers.get(queue)?.cap;
    return cap === undefined ? Infinity : cap - (this.#runningIn.get(queue) ?? 0);
  }

  /** Queues a claim could take from now; a capped queue that is full waits for a job to end. */
  #queuesWithRoom(queues: string[]): string[] {
    return queues.filter((q) => this.#roomIn(q) > 0);
  }

  /**
   * Capped queues first, each within its room, then the others with what is left, in one
   * statement (a claim per capped queue plus one for the rest was two statements, each
   * with its commit, per turn of a busy worker).
   */
  #claim(queues: string[], free: number): Promise<ClaimedJob[]> {
    const from: ClaimFrom[] = [];
    for (const q of queues) {
      const room = this.#roomIn(q);
      if (room === Infinity) from.push(q);
      else if (room > 0) from.push({ queue: q, limit: room });
    }
    return claimJobs(this.#db, from, free, this.#opts.leaseMs);
  }

  /** A job that shared part of its payload ended since the last sweep of shared parts. */
  #sharedEnded = false;

  // A claim reads only jobs nobody holds, so jobs whose lease ran out are put back first;
  // at most every lease/3 (1 s at most), not before every claim of a busy worker. Shared
  // payload parts whose jobs all ended go at the same pace (one statement).
  async #releaseDue(): Promise<void> {
    const now = Date.now();
    if (now < this.#nextRelease) return;
    this.#nextRelease = now + Math.min(1000, Math.max(50, Math.floor(this.#opts.leaseMs / 3)));
    await releaseExpiredLeases(this.#db);
    if (this.#sharedEnded) {
      this.#sharedEnded = false;
      await sweepSharedPayloads(this.#db);
    }
  }

  /**
   * Sleeps until a signal, the next due job or the safety net. `signalsBefore` is the count
   * when this turn began: a job that ended or was queued while this turn claimed or read
   * the next due time signalled with no sleeper to wake, and a capped queue that got room
   * then (left out of `queues`) would otherwise wait for the safety-net timeout.
   */
  async #sleep(queues: string[], signalsBefore: number): Promise<void> {
    let ms = this.#opts.maxSleepMs;
    if (this.#inFlight.size < this.#opts.concurrency && queues.length > 0) {
      try {
        const due = await nextDueAt(this.#db, queues);
        if (due !== null) ms = Math.max(0, Math.min(ms, due - Date.now() + 5));
        // Something is overdue that the claim did not take: a lease ran out. Sweep on the
        // next turn rather than turning without sleeping until the sweep's own interval.
        if (due !== null && due <= Date.now()) this.#nextRelease = 0;
      } catch {
        /* the next loop reports database trouble */
      }
    }
    if (ms === 0 || !this.#running || this.#signals !== signalsBefore) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        this.#wake = null;
        resolve();
      }, ms);
      // The turn that woke us may hold more wake-ups (queued jobs, ended ones): claim once
      // after it, not once each. Under an inbox flood a claim per wake-up was 3.6 claim
      // statements per activity; now about 2, and the flood's throughput rose by about 30%.
      this.#wake = () => {
        clearTimeout(t);
        setImmediate(resolve);
      };
    });
  }

  /** Jobs that ended in this turn of the event loop, deleted by one statement. */
  #ended: { ids: string[]; deleted: Promise<void> } | null = null;

  /**
   * Deletes a finished job together with the others that end in the same turn: a fan-out's
   * deliveries are answered in bursts, and one DELETE (and one claim after it) per job was
   * a large share of its database time. A job counts as running until its row is gone.
   */
  #complete(id: string): Promise<void> {
    if (!this.#ended) {
      const batch: { ids: string[]; deleted: Promise<void> } = { ids: [], deleted: Promise.resolve() };
      batch.deleted = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        this.#ended = null; // jobs ending from now on start the next batch
        return completeJobs(this.#db, batch.ids);
      });
      this.#ended = batch;
    }
    this.#ended.ids.push(id);
    return this.#ended.deleted;
  }

  async #runJob(job: ClaimedJob): Promise<void> {
    const h = this.#handlers.get(job.queue);
    if (!h) return;
    this.#runningIds.add(job.id);
    try {
      await (this.#opts.around ? this.#opts.around(() => h.fn(job.payload, job)) : h.fn(job.payload, job));
      await this.#complete(job.id);
    } catch (err) {
      this.#opts.onError?.(err, job);
      const permanent = err instanceof PermanentJobError || job.attempts >= h.retry.maxAttempts;
      try {
        if (permanent) await this.#complete(job.id);
        else await retryJob(this.#db, job.id, h.retry.backoffMs(job.attempts));
      } catch {
        /* the lease runs out and the job is taken again */
      }
    } finally {
      this.#runningIds.delete(job.id);
      if (job.sharesPayload) this.#sharedEnded = true;
    }
  }

  /** Stops claiming, waits for running jobs (their leases cover a crash instead). */
  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    this.#signal.off("job", this.#onSignal);
    this.#onSignal();
    await this.#loop;
    await Promise.allSettled([...this.#inFlight]);
    if (this.#renewTimer) clearInterval(this.#renewTimer);
    this.#renewTimer = null;
    if (this.#listenClient) {
      try {
        await this.#listenClient.query(`UNLISTEN ${NOTIFY_CHANNEL}`);
      } catch {}
      this.#listenClient.release();
      this.#listenClient = null;
    }
  }

  /**
   * For tests: resolves once no job of these queues is running or due within `horizonMs`
   * (so quick retries are waited for, day-long backoffs are not).
   */
  async drain(timeoutMs = 10_000, horizonMs = 2_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      const due = await nextDueAt(this.#db, this.queues);
      if ((due === null || due > Date.now() + horizonMs) && this.#inFlight.size === 0 && !this.#claiming) return;
      this.#onSignal();
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error("worker did not drain in time");
  }
}
