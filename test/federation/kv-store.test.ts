// Fedify's KvStore over Weft's `kv` table, on both dialects: a set that repeats the stored
// value writes nothing, yet a set always leaves exactly the value and expiry it was given;
// a compare-and-swap to nothing removes the entry.
import { test } from "node:test";
import assert from "node:assert/strict";
import { sql, type KyselyPlugin } from "kysely";
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

test(`kv get: gets asked together are read by one statement, each answered as if alone (${dialect})`, async (t) => {
  const { db } = await kvStore(t);
  let selects = 0;
  const counting: KyselyPlugin = {
    transformQuery(args) {
      if (args.node.kind === "SelectQueryNode") selects++;
      return args.node;
    },
    transformResult: async (args) => args.result,
  };
  const kv = new WeftKvStore({ ...db, kysely: db.kysely.withPlugin(counting) });
  const circuit = ["_fedify", "circuit", "a.example"] as const;
  const spec = ["_fedify", "httpMessageSignaturesSpec", "https://a.example"] as const;
  const fading = ["_fedify", "circuit", "b.example"] as const;
  await kv.set(circuit, { state: "open", failures: ["2026-12-08T01:00:00Z"] });
  await kv.set(spec, "rfc9421");
  await kv.set(fading, { state: "open" }, { ttl: Temporal.Duration.from({ milliseconds: 40 }) });
  await new Promise((r) => setTimeout(r, 80));

  selects = 0;
  const [c1, c2, s, missing, gone] = await Promise.all([
    kv.get<{ state: string }>(circuit),
    kv.get<{ state: string }>(circuit),
    kv.get(spec),
    kv.get(["_fedify", "circuit", "nobody.example"]),
    kv.get(fading),
  ]);
  assert.equal(selects, 1, "five gets (one key twice) in one statement");
  assert.deepEqual(c1, { state: "open", failures: ["2026-12-08T01:00:00Z"] });
  assert.deepEqual(c2, c1, "the same key asked twice gets the same value");
  assert.notEqual(c1, c2, "as its own copy: changing one does not change the other");
  assert.equal(s, "rfc9421");
  assert.equal(missing, undefined);
  assert.equal(gone, undefined, "an expired entry reads as nothing");
  const left = await db.kysely.selectFrom("kv").select("key").where("key", "=", JSON.stringify(fading)).execute();
  assert.deepEqual(left, [], "and is deleted");

  // A get in a later turn is a statement of its own, and sees what was written meanwhile.
  await kv.set(spec, "draft-cavage-http-signatures-12");
  assert.equal(await kv.get(spec), "draft-cavage-http-signatures-12");
});

test(`kv get: a failed read rejects every get of its batch, and the next batch reads again (${dialect})`, async (t) => {
  const { db } = await kvStore(t);
  let fail = true;
  const failing: KyselyPlugin = {
    transformQuery(args) {
      if (fail && args.node.kind === "SelectQueryNode") throw new Error("database gone");
      return args.node;
    },
    transformResult: async (args) => args.result,
  };
  const kv = new WeftKvStore({ ...db, kysely: db.kysely.withPlugin(failing) });
  await kv.set(["k", "1"], 1);
  const results = await Promise.allSettled([kv.get(["k", "1"]), kv.get(["k", "2"])]);
  assert.deepEqual(results.map((r) => r.status), ["rejected", "rejected"]);
  fail = false;
  assert.equal(await kv.get(["k", "1"]), 1);
});
