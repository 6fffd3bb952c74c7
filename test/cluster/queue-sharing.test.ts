// The pieces the multi-process shape rests on, in one test process: leases are renewed
// while a job runs (a short lease never hands a slow job to a second worker), a dedupe key
// queues a job once, and domain events reach the streaming subscribers of another Weft
// over the same database (PostgreSQL NOTIFY; in-process on SQLite).
import { test } from "node:test";
import assert from "node:assert/strict";
import { createWeft } from "../../src/app.ts";
import { openDatabase, type Db } from "../../src/db/kysely.ts";
import { migrate } from "../../src/db/migrate.ts";
import type { DomainEvent } from "../../src/domain/events.ts";
import { unwrap } from "../../src/domain/result.ts";
import { claimJobs, countJobs, enqueue, enqueueMany } from "../../src/jobs/queue.ts";
import { JobSignal, Worker } from "../../src/jobs/worker.ts";
import { buildWeft, dialect, testConfig, testDatabaseUrl } from "../helpers/server.ts";
import { waitFor } from "./helpers/processes.ts";

async function sharedDb(t: { after(fn: () => Promise<void>): void }): Promise<{ db: Db; url: string }> {
  const { url, cleanup } = testDatabaseUrl();
  // Two handles on one database: SQLite needs a file for that.
  const realUrl = url === ":memory:" ? `sqlite:/tmp/weft-cluster-q-${process.pid}-${Math.random().toString(36).slice(2)}.sqlite` : url;
  const db = await openDatabase(realUrl);
  await migrate(db.kysely);
  t.after(async () => {
    await db.close();
    await cleanup();
  });
  return { db, url: realUrl };
}

test(`a job running longer than its lease keeps it: one run, two workers (${dialect})`, async (t) => {
  const { db, url } = await sharedDb(t);
  const db2 = await openDatabase(url);
  t.after(() => db2.close());
  let runs = 0;
  const signal = new JobSignal();
  const workers = [new Worker(db, signal, { leaseMs: 300, maxSleepMs: 50 }), new Worker(db2, new JobSignal(), { leaseMs: 300, maxSleepMs: 50 })];
  for (const w of workers) {
    w.handle("slow", async () => {
      runs++;
      await new Promise((r) => setTimeout(r, 1500)); // five leases long
    });
    await w.start();
  }
  await enqueue(db.kysely, "slow", {});
  signal.notify();
  await waitFor("the job to finish", async () => (await countJobs(db)) === 0);
  await Promise.all(workers.map((w) => w.stop()));
  assert.equal(runs, 1, "the second worker never took the job while the first was running it");
});

test(`a dedupe key queues a job once (${dialect})`, async (t) => {
  const { db } = await sharedDb(t);
  const first = await enqueue(db.kysely, "q", { n: 1 }, { dedupeKey: "activity-1 inbox-a" });
  const again = await enqueue(db.kysely, "q", { n: 2 }, { dedupeKey: "activity-1 inbox-a" });
  const other = await enqueue(db.kysely, "q", { n: 3 }, { dedupeKey: "activity-1 inbox-b" });
  assert.ok(first && other);
  assert.equal(again, null);
  assert.equal(await countJobs(db, "q"), 2);
});

test(`a batch queued at once keeps each dedupe key once, across batches and within one (${dialect})`, async (t) => {
  const { db } = await sharedDb(t);
  await enqueue(db.kysely, "q", { n: 0 }, { dedupeKey: "activity-1 inbox-a" });
  // More items than one INSERT takes, some without keys, one key twice, one taken before.
  const items = Array.from({ length: 450 }, (_, i) => ({ payload: { n: i + 1 }, opts: { dedupeKey: i % 3 === 0 ? undefined : `activity-1 inbox-${i}` } }));
  items.push({ payload: { n: 451 }, opts: { dedupeKey: "activity-1 inbox-1" } }, { payload: { n: 452 }, opts: { dedupeKey: "activity-1 inbox-a" } });
  const ids = await enqueueMany(db.kysely, "q", items);
  assert.equal(ids.length, items.length, "one answer per item");
  assert.deepEqual(ids.slice(-2), [null, null], "a key named earlier in the batch, and a key taken before it");
  assert.ok(ids.slice(0, 450).every((id) => id !== null), "every other item was queued");
  assert.equal(await countJobs(db, "q"), 451);
  const again = await enqueueMany(db.kysely, "q", items.slice(0, 10));
  assert.deepEqual(again.map((id) => id !== null), items.slice(0, 10).map((i) => i.opts.dedupeKey === undefined), "run again, only the items without a key are queued");
  const claimed = await claimJobs(db, ["q"], 1000, 60_000);
  assert.equal(claimed.length, 451 + 4, "the first batch and the four keyless items of the second");
  const seen = new Set(claimed.map((j) => (j.payload as { n: number }).n));
  assert.deepEqual([...seen].sort((x, y) => x - y), Array.from({ length: 451 }, (_, i) => i), "payloads stored whole, in one job per queued item");
});

test(`a post's event reaches the streaming subscribers of another Weft on the same database (${dialect})`, async (t) => {
  const a = await buildWeft();
  t.after(() => a.cleanup());
  // On SQLite one Weft stands for the one process; on PostgreSQL, a second Weft (a web
  // process with workers off) over the same schema.
  const b = dialect === "postgres" ? await createWeft(testConfig({ databaseUrl: a.config.databaseUrl, workers: false })) : a;
  if (b !== a) t.after(() => b.close());
  const heard: DomainEvent[] = [];
  const unsubscribe = b.broadcast.subscribe(async (e) => void heard.push(e));
  t.after(unsubscribe);
  await b.broadcast.ready();
  await a.start();
  const alice = unwrap(await a.services.accounts.register({ username: "alice", password: "correct horse battery" }));
  const post = unwrap(await a.services.posts.create(alice.id, { text: "heard elsewhere" }));
  await waitFor("the event in the other Weft", () => heard.some((e) => e.type === "post.created" && e.postId === post.id), 10_000);
  assert.equal(heard.filter((e) => e.type === "post.created" && e.postId === post.id).length, 1, "heard once");
});
