// Fedify's KvStore over Weft's `kv` table: one store for everything, durable, on both
// dialects. Keys are JSON arrays of strings so a prefix list is a LIKE on the text form.
import type { KvKey, KvStore, KvStoreListEntry, KvStoreSetOptions } from "@fedify/fedify";
import type { Db } from "../db/kysely.ts";

function encode(key: KvKey): string {
  return JSON.stringify(key);
}

/**
 * JSON with object keys sorted: cas compares values, not key order. Fedify's circuit
 * breaker re-reads a stored state into an object with its keys in another order, so an
 * order-sensitive compare always failed and a server marked unreachable stayed half-open
 * (never probed again) — found by test/cluster/outage.test.ts.
 */
function canonical(value: unknown): string {
  return JSON.stringify(value ?? null, (_k, v) =>
    v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

function expiry(options?: KvStoreSetOptions): number | null {
  return options?.ttl ? Date.now() + options.ttl.total({ unit: "milliseconds" }) : null;
}

interface Waiter {
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

/** Keys per read: well under both databases' limits on bound parameters. */
const READ_CHUNK = 500;

type WriteListener = (key: KvKey) => void;
const writeListeners = new Set<WeakRef<WriteListener>>();

/**
 * Calls `listener` with every key a WeftKvStore of this process writes or deletes, so that
 * a copy kept in memory (known-key-inbox.ts) drops it at once. Other processes' writes are
 * not seen here. The listener is held weakly: it hears for as long as its owner keeps it.
 */
export function onKvWrite(listener: WriteListener): void {
  writeListeners.add(new WeakRef(listener));
}

function written(key: KvKey): void {
  for (const ref of writeListeners) {
    const listener = ref.deref();
    if (listener) listener(key);
    else writeListeners.delete(ref);
  }
}

export class WeftKvStore implements KvStore {
  readonly #db: Db;
  constructor(db: Db) {
    this.#db = db;
  }

  /** Keys asked for in this turn of the event loop, with whoever waits for each. */
  #asked: Map<string, Waiter[]> | null = null;

  /**
   * Gets asked in the same turn of the event loop are read by one statement: a fan-out's
   * first attempts each read two keys (the server's circuit and signature spec), which were
   * two round trips per delivery on PostgreSQL.
   */
  get<T = unknown>(key: KvKey): Promise<T | undefined> {
    return new Promise<T | undefined>((resolve, reject) => {
      let asked = this.#asked;
      if (!asked) {
        const batch = (asked = this.#asked = new Map());
        setImmediate(() => {
          this.#asked = null;
          this.#read(batch).catch((err) => {
            for (const waiters of batch.values()) for (const w of waiters) w.reject(err);
          });
        });
      }
      const k = encode(key);
      const waiters = asked.get(k);
      const waiter = { resolve: resolve as Waiter["resolve"], reject };
      if (waiters) waiters.push(waiter);
      else asked.set(k, [waiter]);
    });
  }

  async #read(batch: Map<string, Waiter[]>): Promise<void> {
    const keys = [...batch.keys()];
    const rows = new Map<string, { value: string; expires_at: number | string | null }>();
    for (let i = 0; i < keys.length; i += READ_CHUNK) {
      const chunk = keys.slice(i, i + READ_CHUNK);
      for (const row of await this.#db.kysely.selectFrom("kv").select(["key", "value", "expires_at"]).where("key", "in", chunk).execute()) rows.set(row.key, row);
    }
    const now = Date.now();
    const expired = keys.filter((k) => {
      const r = rows.get(k);
      return r?.expires_at != null && Number(r.expires_at) <= now;
    });
    if (expired.length) await this.#deleteEncoded(expired);
    for (const k of expired) rows.delete(k);
    for (const [k, waiters] of batch) {
      const row = rows.get(k);
      // Parsed for each waiter: none may change what another was given.
      for (const w of waiters) w.resolve(row ? JSON.parse(row.value) : undefined);
    }
  }

  async set(key: KvKey, value: unknown, options?: KvStoreSetOptions): Promise<void> {
    const row = { key: encode(key), value: JSON.stringify(value ?? null), expires_at: expiry(options) };
    // A row that already holds this value (and expiry) is left unwritten: Fedify remembers
    // the signature spec of a server after every delivery to it, nearly always the same.
    await this.#db.kysely
      .insertInto("kv")
      .values(row)
      .onConflict((oc) =>
        oc
          .column("key")
          .doUpdateSet({ value: row.value, expires_at: row.expires_at })
          .where((eb) => eb.or([eb("kv.value", "is distinct from", row.value), eb("kv.expires_at", "is distinct from", row.expires_at)])),
      )
      .execute();
    written(key);
  }

  async delete(key: KvKey): Promise<void> {
    await this.#deleteEncoded([encode(key)]);
  }

  async #deleteEncoded(keys: string[]): Promise<void> {
    await this.#db.kysely.deleteFrom("kv").where("key", "in", keys).execute();
    for (const k of keys) written(JSON.parse(k) as KvKey);
  }

  async cas(key: KvKey, expectedValue: unknown, newValue: unknown, options?: KvStoreSetOptions): Promise<boolean> {
    const swapped = await this.#db.kysely.transaction().execute(async (tx) => {
      const row = await tx.selectFrom("kv").select(["value", "expires_at"]).where("key", "=", encode(key)).executeTakeFirst();
      const live = row && (row.expires_at == null || Number(row.expires_at) > Date.now());
      const current = live ? JSON.parse(row.value) : undefined;
      if (canonical(current) !== canonical(expectedValue)) return false;
      // Swapped for nothing: the entry goes (Fedify clears a recovered server's circuit so).
      if (newValue === undefined) {
        await tx.deleteFrom("kv").where("key", "=", encode(key)).execute();
        return true;
      }
      const value = { key: encode(key), value: JSON.stringify(newValue), expires_at: expiry(options) };
      await tx
        .insertInto("kv")
        .values(value)
        .onConflict((oc) => oc.column("key").doUpdateSet({ value: value.value, expires_at: value.expires_at }))
        .execute();
      return true;
    });
    if (swapped) written(key);
    return swapped;
  }

  async *list(prefix?: KvKey): AsyncIterable<KvStoreListEntry> {
    let q = this.#db.kysely.selectFrom("kv").select(["key", "value", "expires_at"]);
    if (prefix) {
      const p = encode(prefix).slice(0, -1); // drop the closing bracket
      // LIKE wildcards in keys are rare; filter exactly below anyway.
      q = q.where((eb) => eb.or([eb("key", "=", encode(prefix)), eb("key", "like", `${p.replace(/[\\%_]/g, "_")},%`)]));
    }
    const now = Date.now();
    for (const row of await q.orderBy("key").execute()) {
      if (row.expires_at != null && Number(row.expires_at) <= now) continue;
      const key = JSON.parse(row.key) as string[];
      if (prefix && !prefix.every((part, i) => key[i] === part)) continue;
      yield { key: key as unknown as KvKey, value: JSON.parse(row.value) };
    }
  }
}
