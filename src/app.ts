// Builds one Weft server from a Config: database, services, queue worker, HTTP app.
// Nothing here runs at import time, so a test can build several servers in one process.
import { randomBytes } from "node:crypto";
import { Hono } from "hono";
import type { Config } from "./config.ts";
import { openDatabase, type Db } from "./db/kysely.ts";
import { migrate } from "./db/migrate.ts";
import type { DomainEvent } from "./domain/events.ts";
import { CommittedEvents, EVENTS_QUEUE } from "./services/deps.ts";
import { registerMediaHousekeeping } from "./media/housekeeping.ts";
import { findVideoTools } from "./media/video.ts";
import { createServices, type Services } from "./services/index.ts";
import { forwardSignalToPostgres, JobSignal, Worker } from "./jobs/worker.ts";
import { EventBroadcast } from "./jobs/broadcast.ts";
import { logger } from "./log.ts";
import { mountWeb } from "./web/mount.ts";
import { mountFederation } from "./federation/mount.ts";
import { mountMastodonApi } from "./api/mastodon/mount.ts";
import { mountMedia } from "./media/mount.ts";
import { createOutbound, guardedDispatcher, type Outbound } from "./net/outbound.ts";
import type { Dispatcher } from "undici";

/**
 * Jobs run at once per process. Most jobs are deliveries, which wait on a remote server (tens
 * of milliseconds, or until a dead one times out), not on this process: with 8 at a time a
 * post to 1,000 servers answering in 50 ms took 14 s, and 8 dead servers held every delivery
 * behind them for minutes (bench fan-out, issue 7). CPU-bound jobs (inbox activities) only
 * interleave more; the event loop runs one at a time either way.
 */
const WORKER_CONCURRENCY = 256;
import { ResponseCache } from "./http/response-cache.ts";
import { eventIds, responseCacheMiddleware } from "./http/cache-middleware.ts";

export type EventListener = (event: DomainEvent) => Promise<void>;

/** Everything a route, an API endpoint or the federation layer may need. */
export interface WeftContext {
  readonly config: Config;
  readonly db: Db;
  readonly services: Services;
  readonly signal: JobSignal;
  /** Secret for cookies and CSRF tokens, kept in the database so every process shares it. */
  readonly secret: Buffer;
  /** Handlers for domain events, run by the worker (federation's outbound registers here). */
  readonly eventListeners: EventListener[];
  readonly worker: Worker;
  /** Domain events for streaming, in every process (over PostgreSQL NOTIFY when there are several). */
  readonly broadcast: EventBroadcast;
  /** Outgoing HTTP: connections to private addresses refused at connect time (SECURITY-CASES 40). */
  readonly outbound: Outbound;
  /** Events of this process's transactions, told right after they commit. */
  readonly committed: CommittedEvents;
  /** Finished public responses (ActivityPub documents, logged-out pages); ADR 0007. */
  readonly responseCache: ResponseCache;
}

export interface Weft extends WeftContext {
  readonly app: Hono;
  fetch(req: Request): Promise<Response>;
  /** Starts the queue worker (unless config.workers is false). */
  start(): Promise<void>;
  close(): Promise<void>;
}

async function siteSecret(db: Db, configured: string | undefined): Promise<Buffer> {
  if (configured) return Buffer.from(configured, "utf8");
  const row = await db.kysely.selectFrom("site_settings").select("value").where("key", "=", "secret").executeTakeFirst();
  if (row) return Buffer.from(row.value, "base64");
  const fresh = randomBytes(32).toString("base64");
  await db.kysely
    .insertInto("site_settings")
    .values({ key: "secret", value: fresh })
    .onConflict((oc) => oc.column("key").doNothing())
    .execute();
  // Another process may have won the race: read back what is stored.
  const stored = await db.kysely.selectFrom("site_settings").select("value").where("key", "=", "secret").executeTakeFirstOrThrow();
  return Buffer.from(stored.value, "base64");
}

export interface CreateOptions {
  db?: Db;
  /**
   * The dispatcher for outgoing HTTP. By default a guarded one (public addresses only), or
   * none with allowPrivateAddress. Tests inject one with their own resolver, or null.
   */
  outbound?: Dispatcher | null;
}

export async function createWeft(config: Config, opts: CreateOptions = {}): Promise<Weft> {
  // Looked for once, while the database opens: every upload of this process uses what
  // was found (or nothing).
  const videoTools = config.videoTools ? findVideoTools() : Promise.resolve(null);
  const db = opts.db ?? (await openDatabase(config.databaseUrl));
  await migrate(db.kysely);
  const signal = new JobSignal();
  const stopForwarding = forwardSignalToPostgres(db, signal);
  const committed = new CommittedEvents();
  const services = createServices({ db, config, signal, committed }, { video: await videoTools });
  const secret = await siteSecret(db, config.secretKey);
  const log = logger("worker");
  const outbound = createOutbound(opts.outbound !== undefined ? opts.outbound : config.allowPrivateAddress ? null : guardedDispatcher(), config.fetchTimeoutMs);
  const worker = new Worker(db, signal, {
    concurrency: WORKER_CONCURRENCY,
    leaseMs: config.jobLeaseMs ?? 60_000,
    around: outbound.run,
    onError: (err, job) => log.warn("job {queue} {id} failed: {error}", { queue: job.queue, id: job.id, error: String(err) }),
  });
  const housekeeping = registerMediaHousekeeping(worker, db.kysely, services.media);
  const eventListeners: EventListener[] = [];
  worker.handle(EVENTS_QUEUE, async (event: DomainEvent) => {
    for (const listener of eventListeners) await listener(event);
  });

  const broadcast = new EventBroadcast(db, eventListeners);
  // Dropped at once for this process's own changes, and for every other process's (and
  // the CLI's) when the worker has run their event and broadcast it. The broadcast is
  // heard from the first cacheable request on (a CLI command never needs it).
  const responseCache = new ResponseCache({ maxBytes: 16 * 1024 * 1024, maxEntries: 4000 });
  committed.listen((event) => responseCache.invalidate(eventIds(event)));
  let hearing: Promise<void> | null = null;
  const hearChanges = () => (hearing ??= (broadcast.subscribe(async (event) => responseCache.invalidate(eventIds(event))), broadcast.ready()));
  const ctx: WeftContext = { config, db, services, signal, secret, eventListeners, worker, broadcast, outbound, committed, responseCache };
  const app = new Hono();
  // First, so a stored answer costs no other middleware.
  app.use("*", responseCacheMiddleware(db, responseCache, hearChanges));
  // Whatever a request leads to (lookups, thread backfill, key fetches) connects through the guard.
  app.use("*", (_c, next) => outbound.run(next));
  app.get("/health", async (c) => {
    await db.kysely.selectFrom("site_settings").select("key").limit(1).execute();
    return c.json({ status: "ok" });
  });
  // Order matters: the API and OAuth own their paths; federation answers ActivityPub and
  // WebFinger requests (content negotiation on shared URLs) and passes the rest on to
  // the web UI.
  mountMedia(app, ctx);
  mountMastodonApi(app, ctx);
  await mountFederation(app, ctx);
  mountWeb(app, ctx);
  broadcast.registerPublisher();

  let started = false;
  return {
    ...ctx,
    app,
    fetch: (req) => Promise.resolve(app.fetch(req)),
    async start() {
      if (config.workers && !started) {
        started = true;
        await worker.start();
        await housekeeping.schedule();
        // Queued after the worker's first look at the queue: wake it, or this hour's run
        // waits for its safety-net poll (5 s).
        signal.notify();
      }
    },
    async close() {
      stopForwarding();
      await worker.stop();
      await broadcast.close();
      await outbound.close();
      await db.close();
    },
  };
}
