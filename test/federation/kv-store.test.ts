// Fedify's KvStore over Weft's `kv` table, on both dialects: a set that repeats the stored
// value writes nothing, yet a set always leaves exactly the value and expiry it was given;
// a compare-and-swap to nothing removes the entry.
import { test } from "node:test";
import assert from "node:assert/strict";
import { sql } from "kysely";
import { openDatabase, type Db } from "../../src/db/kysely.ts";
import { migrate } from "../../src/db/migrate.ts";
import { WeftKvStore } from "../../src/federation/kv.ts";
import { Temporal } from "../../src/federation/temporal.ts";
import { dialect, testDatabaseUrl } from "../helpers/server.ts";

/** A migrated throwaway database and the store over it, closed after the test. */
async function kvStore(t: { after(fn: () => Promise<void>): void }): Promise<{ db: Db; kv: WeftKvStore }> {
  const { url, cleanup } = testDatabaseUrl();
  const db = await openDatabase(url);
  t.after(async () => {
    await db.close();
    await cleanup();
  });
  await migrate(db.kysely);
  return { db, kv: new WeftKvStore(db) };
}

test(`kv set: new values and expiries replace the old, the same value stays (${dialect})`, async (t) => {
  const { db, kv } = await kvStore(t);
  const key = ["fedify", "httpMessageSignaturesSpec", "https://remote.example"] as const;
  const expiresAt = async () => (await db.kysely.selectFrom("kv").select("expires_at").where("key", "=", JSON.stringify(key)).executeTakeFirstOrThrow()).expires_at;

  // Whether a statement wrote the row: SQLite counts changed rows per connection (Weft
  // has one), PostgreSQL gives an updated row a new xmin.
  const version = async () =>
    dialect === "postgres"
      ? (await sql<{ v: string }>`SELECT xmin::text AS v FROM kv WHERE key = ${JSON.stringify(key)}`.execute(db.kysely)).rows[0].v
      : String((await sql<{ v: number }>`SELECT total_changes() AS v`.execute(db.kysely)).rows[0].v);
  await kv.set(key, "draft-cavage-http-signatures-12");
  const written = await version();
  await kv.set(key, "draft-cavage-http-signatures-12");
  assert.equal(await version(), written, "the same value set again writes nothing");
  assert.equal(await kv.get(key), "draft-cavage-http-signatures-12", "and is still there");
  await kv.set(key, "rfc9421");
  assert.equal(await kv.get(key), "rfc9421", "a new value replaces the old");

  await kv.set(key, "rfc9421", { ttl: Temporal.Duration.from({ milliseconds: 80 }) });
  assert.ok((await expiresAt()) != null, "the same value with an expiry takes the expiry");
  await kv.set(key, "rfc9421");
  assert.equal(await expiresAt(), null, "and the same value without one drops it");
  await kv.set(key, "rfc9421", { ttl: Temporal.Duration.from({ milliseconds: 80 }) });
  await new Promise((r) => setTimeout(r, 120));
  assert.equal(await kv.get(key), undefined, "an expired value is gone");
});

test(`kv cas: swapping a value for nothing removes the entry (${dialect})`, async (t) => {
  const { db, kv } = await kvStore(t);
  const key = ["_fedify", "circuit", "remote.example"] as const;
  const state = { state: "closed", failures: ["2026-12-07T10:00:00Z"] };
  assert.equal(await kv.cas(key, undefined, state), true, "set where nothing was");
  assert.equal(await kv.cas(key, undefined, { state: "open" }), false, "refused: something is there");
  assert.equal(await kv.cas(key, { failures: state.failures, state: "closed" }, undefined), true, "cleared (keys in another order)");
  const rows = await db.kysely.selectFrom("kv").select("key").where("key", "=", JSON.stringify(key)).execute();
  assert.deepEqual(rows, [], "no row left behind");
  assert.equal(await kv.get(key), undefined);
});
