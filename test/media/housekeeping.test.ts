// Abandoned uploads are purged on a schedule by the worker: a job on the durable queue at
// start, then one an hour, once for the whole site however many processes run workers.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { buildWeft } from "../helpers/server.ts";
import { unwrap } from "../../src/domain/result.ts";
import { withMedia } from "../../src/media/types.ts";
import { attachmentUrls } from "../../src/media/urls.ts";
import { MEDIA_PURGE_QUEUE, PURGE_EVERY_MS, registerMediaHousekeeping } from "../../src/media/housekeeping.ts";
import { png } from "./images.ts";
import { enqueue } from "../../src/jobs/queue.ts";

let weft: Awaited<ReturnType<typeof buildWeft>>;
let alice: string;
before(async () => {
  weft = await buildWeft();
  alice = unwrap(await weft.services.accounts.register({ username: "alice", password: "correct horse" })).id;
});
after(() => weft.cleanup());

const twoDaysAgo = () => new Date(Date.now() - 2 * 24 * 3600_000).toISOString();
const age = (ids: string[]) => withMedia(weft.db.kysely).updateTable("media_attachments").set({ created_at: twoDaysAgo() }).where("id", "in", ids).execute();
const purgeJobs = () => weft.db.kysely.selectFrom("jobs").select(["run_at", "payload"]).where("queue", "=", MEDIA_PURGE_QUEUE).execute();

test("the worker purges an upload abandoned for a day, keeps a fresh one, and queues the next run an hour on", async () => {
  const bytes = new Uint8Array(await png());
  const stale = unwrap(await weft.services.media.upload(alice, bytes));
  const fresh = unwrap(await weft.services.media.upload(alice, bytes));
  await age([stale.id]);
  assert.deepEqual(await purgeJobs(), [], "nothing is scheduled before the workers start");
  const hourBefore = Math.floor(Date.now() / PURGE_EVERY_MS);
  await weft.start();
  // The purge deletes the row, then the file: wait for both (on PostgreSQL the two reads in
  // between are round trips, and a check right after the row went could find the file).
  const staleLeft = async () => (await weft.services.media.get(stale.id)) !== null || (await weft.services.media.storage.exists(stale.fileKey!));
  for (let i = 0; i < 200 && (await staleLeft()); i++) await sleep(50);
  assert.equal(await weft.services.media.get(stale.id), null, "the stale upload is gone");
  assert.equal(await weft.services.media.storage.exists(stale.fileKey!), false, "with its file");
  assert.ok(await weft.services.media.get(fresh.id), "a fresh upload stays");
  // The run queued the next one, for the start of the next hour (or the one after, should
  // the clock pass an hour while this test runs). The upload is gone before the run ends:
  // wait for the run's own job to go, not just for one job to be left.
  const thisHoursRunDone = async () => {
    const jobs = await purgeJobs();
    return jobs.length === 1 && (JSON.parse(jobs[0].payload) as { slot: number }).slot > hourBefore;
  };
  for (let i = 0; i < 100 && !(await thisHoursRunDone()); i++) await sleep(50);
  const [next] = await purgeJobs();
  const hourAfter = Math.floor(Date.now() / PURGE_EVERY_MS);
  const { slot } = JSON.parse(next.payload) as { slot: number };
  assert.ok(slot >= hourBefore + 1 && slot <= hourAfter + 1, `slot ${slot}, hours ${hourBefore}-${hourAfter}`);
  // (The queue adds the delay to its own clock reading, a millisecond or so later.)
  const at = Number(next.run_at) - slot * PURGE_EVERY_MS;
  assert.ok(at >= 0 && at < 1000, `due ${at} ms after the hour`);
});

test("a second process starting its workers does not queue another run for the same hour", async () => {
  const other = registerMediaHousekeeping(weft.worker, weft.db.kysely, weft.services.media);
  await other.schedule();
  await other.schedule();
  // This hour's run already happened (the first test) and is gone; only the next hour's waits.
  const jobs = await purgeJobs();
  assert.equal(jobs.length, 1, JSON.stringify(jobs));
});

test("uploads kept as avatars never hide the abandoned ones behind them", async () => {
  const bytes = new Uint8Array(await png());
  const avatars = [];
  for (let i = 0; i < 3; i++) avatars.push(unwrap(await weft.services.media.upload(alice, bytes, { purpose: "avatar" })));
  const stale = unwrap(await weft.services.media.upload(alice, bytes));
  // Every avatar is in use by someone (the account's current one and two others').
  for (const [i, a] of avatars.entries()) {
    const owner = i === 0 ? alice : unwrap(await weft.services.accounts.register({ username: `user${i}`, password: "correct horse" })).id;
    unwrap(await weft.services.accounts.updateProfile(owner, { avatarUrl: attachmentUrls(weft, a).url }));
  }
  await age([...avatars.map((a) => a.id), stale.id]);
  // Batches of two: the first holds only avatars, which are kept.
  assert.equal(await weft.services.media.purgeDetached(24 * 3600_000, 2), 1);
  assert.equal(await weft.services.media.get(stale.id), null);
  for (const a of avatars) assert.ok(await weft.services.media.get(a.id));
});

test("after the workers were down for hours, one run catches up: the next is queued for the coming hour", async () => {
  // A run left over from long ago (its hour is past); the worker is already going.
  await enqueue(weft.db.kysely, MEDIA_PURGE_QUEUE, { slot: 10 });
  weft.signal.notify();
  await weft.worker.drain(15_000);
  const jobs = await purgeJobs();
  assert.equal(jobs.length, 1, JSON.stringify(jobs));
  assert.ok(JSON.parse(jobs[0].payload).slot > Math.floor(Date.now() / PURGE_EVERY_MS), "the next run is in the future");
});
