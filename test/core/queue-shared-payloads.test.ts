// A fan-out's jobs share their activity and keys: the shared part is written once
// (job_payloads, migration 0012) and put back under each job's own fields when the job is
// claimed, on both dialects. The part stays while any job names it, retries included, and
// goes once they have all ended. Fedify's messages are split only where they really share.
import { test } from "node:test";
import assert from "node:assert/strict";
import { openDatabase, type Db } from "../../src/db/kysely.ts";
import { migrate } from "../../src/db/migrate.ts";
import { claimJobs, completeJobs, countJobs, enqueueMany, retryJob, sweepSharedPayloads } from "../../src/jobs/queue.ts";
import { JobSignal, Worker } from "../../src/jobs/worker.ts";
import { WeftMessageQueue } from "../../src/federation/queue.ts";
import { dialect, testDatabaseUrl } from "../helpers/server.ts";

async function withDb(t: { after(fn: () => Promise<void>): void }): Promise<Db> {
  const { url, cleanup } = testDatabaseUrl();
  const db = await openDatabase(url);
  await migrate(db.kysely);
  t.after(async () => {
    await db.close();
    await cleanup();
  });
  return db;
}

const parts = async (db: Db) => (await db.kysely.selectFrom("job_payloads").select("id").execute()).length;

const activity = { "@context": "https://www.w3.org/ns/activitystreams", type: "Create", id: "https://weft.example/c/1", object: { type: "Note", content: "x".repeat(3000) } };
const keys = [{ keyId: "https://weft.example/u/1#main-key", privateKey: { kty: "RSA", n: "n".repeat(342), d: "d".repeat(342) } }];

test(`a batch's shared part is stored once and each claimed job gets it back as its own copy (${dialect})`, async (t) => {
  const db = await withDb(t);
  const items = Array.from({ length: 5 }, (_, i) => ({ payload: { type: "outbox", inbox: `https://s${i}.example/inbox`, attempt: 0 } }));
  await enqueueMany(db.kysely, "fedify", items, { activity, keys });

  assert.equal(await parts(db), 1, "one shared part for the batch");
  const rows = await db.kysely.selectFrom("jobs").select(["payload", "payload_id"]).execute();
  assert.equal(rows.length, 5);
  for (const r of rows) {
    assert.ok(r.payload_id, "each job names the part");
    assert.ok(r.payload.length < 100, `a job stores only its own fields (${r.payload.length} bytes)`);
    assert.ok(!r.payload.includes("main-key"), "no job row holds the keys");
  }

  const claimed = await claimJobs(db, ["fedify"], 10, 60_000);
  assert.equal(claimed.length, 5);
  assert.deepEqual(
    claimed.map((j) => j.payload).sort((a: any, b: any) => a.inbox.localeCompare(b.inbox)),
    items.map((i) => ({ ...i.payload, activity, keys })),
  );
  const [a, b] = claimed.map((j) => j.payload as { activity: { object: { content: string } } });
  a.activity.object.content = "changed by one handler";
  assert.equal(b.activity.object.content, "x".repeat(3000), "another job's copy is untouched");
});

test(`a shared part stays while any job names it, retried ones too, and is swept after (${dialect})`, async (t) => {
  const db = await withDb(t);
  await enqueueMany(db.kysely, "fedify", [{ payload: { inbox: "https://a.example/inbox" } }, { payload: { inbox: "https://b.example/inbox" } }], { activity, keys });
  const [first, second] = await claimJobs(db, ["fedify"], 10, 60_000);
  await completeJobs(db, [first.id]);
  await retryJob(db, second.id, 0);
  assert.equal(await sweepSharedPayloads(db), 0, "the retried job still names the part");
  assert.equal(await parts(db), 1);

  const [again] = await claimJobs(db, ["fedify"], 10, 60_000);
  assert.equal(again.id, second.id);
  assert.deepEqual((again.payload as { activity: unknown }).activity, activity, "the retry gets the whole payload");
  await completeJobs(db, [again.id]);
  assert.equal(await sweepSharedPayloads(db), 1, "no job names it now");
  assert.equal(await parts(db), 0);
});

test(`a job whose shared part is gone is dropped at its claim, and the rest still run (${dialect})`, async (t) => {
  const db = await withDb(t);
  await enqueueMany(db.kysely, "fedify", [{ payload: { inbox: "https://a.example/inbox" } }, { payload: { inbox: "https://b.example/inbox" } }], { activity, keys });
  await enqueueMany(db.kysely, "fedify", [{ payload: { plain: true } }]);
  await db.kysely.deleteFrom("job_payloads").execute(); // a hand-edited database
  const claimed = await claimJobs(db, ["fedify"], 10, 60_000);
  assert.deepEqual(claimed.map((j) => j.payload), [{ plain: true }]);
  assert.equal(await countJobs(db), 1, "the two orphans are deleted, not left to be claimed forever");
});

test(`a worker sweeps a fan-out's part once its jobs have run (${dialect})`, async (t) => {
  const db = await withDb(t);
  const signal = new JobSignal();
  const worker = new Worker(db, signal, { maxSleepMs: 50, leaseMs: 300 });
  const seen: string[] = [];
  worker.handle("fedify", async (p: { inbox: string; activity: { id: string } }) => {
    seen.push(`${p.inbox} ${p.activity.id}`);
  });
  await worker.start();
  // Stopped here, not in an after hook: on PostgreSQL the worker holds a pool client for
  // LISTEN, and closing the database first would wait for it forever.
  try {
    await enqueueMany(db.kysely, "fedify", [{ payload: { inbox: "a" } }, { payload: { inbox: "b" } }, { payload: { inbox: "c" } }], { activity, keys });
    signal.notify();
    const deadline = Date.now() + 5000;
    while ((seen.length < 3 || (await parts(db)) > 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  } finally {
    await worker.stop();
  }
  assert.deepEqual(seen.sort(), ["a", "b", "c"].map((i) => `${i} ${activity.id}`));
  assert.equal(await parts(db), 0, "the part went after the last job");
});

test(`Fedify's fan-out messages are split only where they share the very same activity and keys (${dialect})`, async (t) => {
  const db = await withDb(t);
  const worker = new Worker(db, new JobSignal());
  const queue = new WeftMessageQueue(db, new JobSignal(), worker, { allowPrivateAddress: true });
  // As Fedify builds them: one activity document and one key list for every server.
  const message = (inbox: string, act: unknown = activity) => ({ type: "outbox", id: inbox, keys, activity: act, activityId: activity.id, inbox, actorIds: [`${inbox}/u`], attempt: 0, headers: {} });
  await queue.enqueueMany([message("https://a.example/inbox"), message("https://b.example/inbox")]);
  assert.equal(await parts(db), 1);
  // Equal but not the same object: stored whole, nothing merged that might differ.
  await queue.enqueueMany([message("https://c.example/inbox"), message("https://d.example/inbox", structuredClone(activity))]);
  // One message (a retry): stored whole.
  await queue.enqueue(message("https://e.example/inbox"));
  assert.equal(await parts(db), 1, "only the first batch shares a part");

  const claimed = await claimJobs(db, ["fedify"], 10, 60_000);
  const byInbox = new Map(claimed.map((j) => [(j.payload as { inbox: string }).inbox, j.payload]));
  for (const inbox of ["a", "b", "c", "d", "e"].map((s) => `https://${s}.example/inbox`)) {
    assert.deepEqual(byInbox.get(inbox), JSON.parse(JSON.stringify(message(inbox))), inbox);
  }
});
