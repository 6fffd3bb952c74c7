// The durable job queue on both dialects: each job runs once per success, a dead worker's
// lease runs out and another worker takes the job, failures retry with backoff.
import { test } from "node:test";
import assert from "node:assert/strict";
import { openDatabase, type Db } from "../../src/db/kysely.ts";
import { migrate } from "../../src/db/migrate.ts";
import { rmSync } from "node:fs";
import { sql } from "kysely";
import { claimJobs, countJobs, enqueue, nextDueAt, readyJobQuery, releaseExpiredLeases } from "../../src/jobs/queue.ts";
import { JobSignal, Worker } from "../../src/jobs/worker.ts";
import { testDatabaseUrl, dialect } from "../helpers/server.ts";

async function withDb(t: { after(fn: () => Promise<void>): void }): Promise<{ db: Db; url: string }> {
  const { url, cleanup } = testDatabaseUrl();
  // SQLite in memory cannot be shared by two handles: use a temp file for this test.
  const realUrl = url === ":memory:" ? `sqlite:/tmp/weft-queue-${process.pid}-${Math.random().toString(36).slice(2)}.sqlite` : url;
  const db = await openDatabase(realUrl);
  await migrate(db.kysely);
  t.after(async () => {
    await db.close();
    await cleanup();
  });
  return { db, url: realUrl };
}

test(`two workers on one ${dialect} database run each job exactly once`, async (t) => {
  const { db, url } = await withDb(t);
  const db2 = await openDatabase(url);
  t.after(() => db2.close());
  const N = 200;
  for (let i = 0; i < N; i++) await enqueue(db.kysely, "work", { i });
  const seen: number[] = [];
  const signal = new JobSignal();
  const workers = [new Worker(db, signal, { concurrency: 4 }), new Worker(db2, signal, { concurrency: 4 })];
  for (const w of workers) {
    w.handle("work", async (p: { i: number }) => {
      seen.push(p.i);
      await new Promise((r) => setImmediate(r));
    });
    await w.start();
  }
  await workers[0].drain(20_000);
  await workers[1].drain(20_000);
  await Promise.all(workers.map((w) => w.stop()));
  assert.equal(seen.length, N, "no job lost or duplicated");
  assert.equal(new Set(seen).size, N);
  assert.equal(await countJobs(db), 0);
});

test("a claimed job whose worker died is taken again after its lease", async (t) => {
  const { db } = await withDb(t);
  await enqueue(db.kysely, "work", { x: 1 });
  // A worker claims with a short lease, then "dies" (never completes).
  const [claimed] = await claimJobs(db, ["work"], 10, 100);
  assert.ok(claimed);
  assert.deepEqual(await claimJobs(db, ["work"], 10, 100), [], "leased jobs are not handed out twice");
  assert.equal(await releaseExpiredLeases(db), 0, "a lease still running is kept");
  await new Promise((r) => setTimeout(r, 150));
  assert.equal(await releaseExpiredLeases(db), 1, "the dead worker's lease has run out");
  const [again] = await claimJobs(db, ["work"], 10, 60_000);
  assert.equal(again.id, claimed.id);
  assert.equal(again.attempts, 2);
});

test(`one claim serves a capped queue first, within its room, then the rest oldest first (${dialect})`, async (t) => {
  const { db } = await withDb(t);
  const at = async (queue: string, runAt: number) => {
    const id = (await enqueue(db.kysely, queue, { queue, runAt }))!;
    await db.kysely.updateTable("jobs").set({ run_at: runAt }).where("id", "=", id).execute();
  };
  for (let i = 0; i < 5; i++) await at("deliveries", 1000 + i);
  for (let i = 0; i < 5; i++) await at("inbox", 2000 + i);
  for (let i = 0; i < 3; i++) await at("events", 1500 + i);
  await at("events", Date.now() + 3600_000); // not due yet
  const claimed = await claimJobs(db, [{ queue: "inbox", limit: 2 }, "deliveries", "events"], 6, 60_000);
  const runAts = (jobs: { payload: unknown }[]) => jobs.map((j) => (j.payload as { runAt: number }).runAt).sort((a, b) => a - b);
  assert.deepEqual(runAts(claimed), [1000, 1001, 1002, 1003, 2000, 2001]);
  // What is left: 3 inbox, 1 delivery, 3 events due; held jobs are not handed out again.
  const rest = await claimJobs(db, [{ queue: "inbox", limit: 10 }, "deliveries", "events"], 100, 60_000);
  assert.deepEqual(runAts(rest), [1004, 1500, 1501, 1502, 2002, 2003, 2004]);
  assert.deepEqual(await claimJobs(db, ["deliveries", "events", { queue: "inbox", limit: 5 }], 10, 60_000), []);
  // The next due time: the future event or the earliest lease to run out, whichever is first.
  const due = await nextDueAt(db, ["events"]);
  assert.ok(due !== null && due <= Date.now() + 60_000 && due > Date.now() + 50_000, `the leases run out first (${due})`);
  assert.equal(await nextDueAt(db, ["nothing-here"]), null);
  // A ready job due before any lease runs out comes first.
  await at("events", 500);
  assert.equal(await nextDueAt(db, ["events", "inbox"]), 500);
});

test("on SQLite a claim reads each queue through its own index, never a scan of the jobs table", async (t) => {
  const file = `/tmp/weft-plan-${process.pid}-${Math.random().toString(36).slice(2)}.sqlite`;
  const db = await openDatabase(`sqlite:${file}`);
  t.after(async () => {
    await db.close();
    for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
  });
  await migrate(db.kysely);
  // The per-queue branch of claimJobs's statement, explained: a queue's backlog must not be
  // walked by a claim for other queues (3.6 ms a claim at 30,000 queued with one index
  // over all queues in run_at order; migration 0009).
  const plan = await sql<{ detail: string }>`EXPLAIN QUERY PLAN
    SELECT id FROM (SELECT * FROM (SELECT id, run_at FROM jobs WHERE locked_until IS NULL AND queue = ${"a"} AND run_at <= ${1} ORDER BY run_at, id LIMIT ${8}))`.execute(db.kysely);
  const details = plan.rows.map((r) => r.detail).join("\n");
  assert.match(details, /USING (COVERING )?INDEX jobs_ready_in_queue/);
  assert.doesNotMatch(details, /SCAN jobs/);
  // The read that spares an empty claim its write transaction probes the same index.
  const probe = readyJobQuery(db, ["a", "b"], 1).compile();
  const probePlan = await db.kysely.executeQuery<{ detail: string }>({ ...probe, sql: `EXPLAIN QUERY PLAN ${probe.sql}` });
  assert.match(probePlan.rows.map((r) => r.detail).join("\n"), /SEARCH jobs USING (COVERING )?INDEX jobs_ready_in_queue/);
});

test("a failing job is retried with backoff and then succeeds", async (t) => {
  const { db } = await withDb(t);
  const signal = new JobSignal();
  const w = new Worker(db, signal);
  let calls = 0;
  w.handle("flaky", async () => {
    calls++;
    if (calls < 3) throw new Error("remote said 503");
  }, { maxAttempts: 5, backoffMs: () => 30 });
  await w.start();
  await enqueue(db.kysely, "flaky", {});
  signal.notify();
  await w.drain(5_000);
  await w.stop();
  assert.equal(calls, 3);
  assert.equal(await countJobs(db), 0);
});

test(`a capped queue never runs more than its cap at once, and is not stuck behind another queue's backlog (${dialect})`, async (t) => {
  const { db } = await withDb(t);
  // A big backlog of the uncapped queue, queued first (claims go by run_at, then id).
  for (let i = 0; i < 60; i++) await enqueue(db.kysely, "bulk", { i });
  for (let i = 0; i < 20; i++) await enqueue(db.kysely, "capped", { i });
  const signal = new JobSignal();
  const worker = new Worker(db, signal, { concurrency: 8 });
  let running = 0;
  let peak = 0;
  let bulkDoneBeforeFirstCapped = -1;
  let bulkDone = 0;
  const done: string[] = [];
  worker.handle("capped", async () => {
    if (bulkDoneBeforeFirstCapped < 0) bulkDoneBeforeFirstCapped = bulkDone;
    running++;
    peak = Math.max(peak, running);
    await new Promise((r) => setTimeout(r, 5));
    running--;
    done.push("capped");
  }, undefined, { concurrency: 3 });
  worker.handle("bulk", async () => {
    await new Promise((r) => setTimeout(r, 5));
    bulkDone++;
    done.push("bulk");
  });
  await worker.start();
  await worker.drain(20_000);
  await worker.stop();
  assert.equal(done.filter((d) => d === "capped").length, 20, "every capped job ran");
  assert.equal(done.filter((d) => d === "bulk").length, 60, "every other job ran");
  assert.equal(peak, 3, "the cap was reached and never passed");
  assert.equal(bulkDoneBeforeFirstCapped, 0, "the capped queue was served from the first claim, not after the backlog");
  assert.equal(await countJobs(db), 0);
  assert.throws(() => worker.handle("bad", async () => {}, undefined, { concurrency: 0 }), /positive integer/);
});
