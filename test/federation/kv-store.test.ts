// Fedify's KvStore over Weft's `kv` table, on both dialects: a set that repeats the stored
// value writes nothing, yet a set always leaves exactly the value and expiry it was given.
import { test } from "node:test";
import assert from "node:assert/strict";
import { openDatabase } from "../../src/db/kysely.ts";
import { migrate } from "../../src/db/migrate.ts";
import { WeftKvStore } from "../../src/federation/kv.ts";
import { Temporal } from "../../src/federation/temporal.ts";
import { dialect, testDatabaseUrl } from "../helpers/server.ts";

test(`kv set: new values and expiries replace the old, the same value stays (${dialect})`, async (t) => {
  const { url, cleanup } = testDatabaseUrl();
  const db = await openDatabase(url);
  t.after(async () => {
    await db.close();
    await cleanup();
  });
  await migrate(db.kysely);
  const kv = new WeftKvStore(db);
  const key = ["fedify", "httpMessageSignaturesSpec", "https://remote.example"] as const;
  const expiresAt = async () => (await db.kysely.selectFrom("kv").select("expires_at").where("key", "=", JSON.stringify(key)).executeTakeFirstOrThrow()).expires_at;

  await kv.set(key, "draft-cavage-http-signatures-12");
  await kv.set(key, "draft-cavage-http-signatures-12");
  assert.equal(await kv.get(key), "draft-cavage-http-signatures-12", "the same value set twice");
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
