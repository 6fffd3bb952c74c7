// Domain events for every process that streams, not only the one whose worker ran them.
// The queue worker runs each event once, in one process; a web process started with
// --no-workers would never hear of it. On PostgreSQL the worker publishes the event with
// pg_notify after its listeners ran, and every process LISTENs and hands it to its
// subscribers (the streaming hub). On SQLite there is one process: subscribers are plain
// in-process event listeners.
import { sql } from "kysely";
import type { Db } from "../db/kysely.ts";
import type { DomainEvent } from "../domain/events.ts";

export const EVENTS_CHANNEL = "weft_events";
/** PostgreSQL refuses NOTIFY payloads of 8000 bytes or more. */
const MAX_PAYLOAD = 7900;

export type EventSubscriber = (event: DomainEvent) => Promise<void>;

interface ListenClient {
  query(s: string): Promise<unknown>;
  on(e: "notification", f: (msg: { channel: string; payload?: string }) => void): void;
  release(): void;
}

export class EventBroadcast {
  readonly #db: Db;
  readonly #listeners: EventSubscriber[];
  readonly #subscribers = new Set<EventSubscriber>();
  /** NOTIFY channels are per database, not per schema: the schema tells sites (and tests) apart. */
  #site: Promise<string> | null = null;
  #listen: Promise<ListenClient | null> | null = null;
  #closed = false;
  /** Events reach subscribers one after another, in the order they were published. */
  #chain: Promise<unknown> = Promise.resolve();

  constructor(db: Db, eventListeners: EventSubscriber[]) {
    this.#db = db;
    this.#listeners = eventListeners;
  }

  /**
   * The worker side, registered last among the event listeners: an event whose federation
   * listener failed (and is retried) is published once, when it finally succeeds.
   */
  registerPublisher(): void {
    if (this.#db.dialect === "postgres" && !this.#listeners.includes(this.#publish)) this.#listeners.push(this.#publish);
  }

  #siteName(): Promise<string> {
    return (this.#site ??= sql<{ s: string }>`SELECT current_schema() AS s`.execute(this.#db.kysely).then((r) => r.rows[0]?.s ?? ""));
  }

  #publish = async (event: DomainEvent): Promise<void> => {
    const payload = JSON.stringify({ s: await this.#siteName(), e: event });
    // Events carry ids only; one that grew past the limit is not streamed rather than failing the job.
    if (Buffer.byteLength(payload) > MAX_PAYLOAD) return;
    await sql`SELECT pg_notify(${EVENTS_CHANNEL}, ${payload})`.execute(this.#db.kysely);
  };

  /** Calls `fn` for every domain event of this site, whichever process ran it. Returns the unsubscribe. */
  subscribe(fn: EventSubscriber): () => void {
    if (this.#db.dialect !== "postgres") {
      this.#listeners.push(fn);
      return () => {
        const i = this.#listeners.indexOf(fn);
        if (i >= 0) this.#listeners.splice(i, 1);
      };
    }
    this.#subscribers.add(fn);
    this.#listen ??= this.#startListening();
    return () => void this.#subscribers.delete(fn);
  }

  /** Resolves once this process LISTENs (tests wait for it before posting). */
  async ready(): Promise<void> {
    await this.#listen;
  }

  async #startListening(): Promise<ListenClient | null> {
    if (!this.#db.pool || this.#closed) return null;
    const site = await this.#siteName();
    const client = (await this.#db.pool.connect()) as unknown as ListenClient;
    client.on("notification", (msg) => {
      if (msg.channel !== EVENTS_CHANNEL || !msg.payload) return;
      let parsed: { s?: string; e?: DomainEvent };
      try {
        parsed = JSON.parse(msg.payload);
      } catch {
        return;
      }
      if (parsed.s !== site || !parsed.e) return;
      const event = parsed.e;
      // Subscribers never throw (the hub catches); one that did must not stop the others.
      this.#chain = this.#chain.then(() => Promise.allSettled([...this.#subscribers].map((fn) => fn(event))));
    });
    await client.query(`LISTEN ${EVENTS_CHANNEL}`);
    return client;
  }

  async close(): Promise<void> {
    this.#closed = true;
    const i = this.#listeners.indexOf(this.#publish);
    if (i >= 0) this.#listeners.splice(i, 1);
    this.#subscribers.clear();
    const client = await this.#listen?.catch(() => null);
    this.#listen = null;
    if (!client) return;
    try {
      await client.query(`UNLISTEN ${EVENTS_CHANNEL}`);
    } catch {}
    client.release();
  }
}
