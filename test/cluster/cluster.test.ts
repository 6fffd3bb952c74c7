// The multi-process shape (issue 6) with real processes: on PostgreSQL two web processes
// (`weft serve --no-workers`) and two worker processes (`weft worker`) share one schema;
// a worker is killed with SIGKILL in the middle of a fan-out and while inbound activities
// are processed, and every activity still arrives, or is processed, exactly once. On
// SQLite (one process per site) the same scenario runs with one `weft serve` that does
// both and is itself killed and started again.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import WebSocket from "ws";
import { dialect } from "../helpers/server.ts";
import { unwrap } from "../../src/domain/result.ts";
import { createToken } from "../../src/api/mastodon/tokens.ts";
import { startSite, waitFor, workLeft, type Site, type WeftProcess } from "./helpers/processes.ts";
import { startSlowRemote, tally, type SlowRemote } from "./helpers/remote.ts";

const PG = dialect === "postgres";
const REMOTES = 8;

let site: Site;
let remotes: SlowRemote[] = [];
let web1: WeftProcess;
let web2: WeftProcess;
let workers: WeftProcess[] = [];
let aliceId: string;
let token: string;
let firstPostId: string;

/** The shared inbox at the canonical origin, and the web process a proxy would route the POST to. */
const inbox = () => `${site.origin}/ap/inbox`;
const aliceUri = () => `${site.origin}/ap/users/${aliceId}`;
const jobsLeft = () => workLeft(site.weft.db);

async function postStatus(via: WeftProcess, text: string): Promise<string> {
  const res = await fetch(`${via.url}/api/v1/statuses`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ status: text, visibility: "public" }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  return ((await res.json()) as { id: string }).id;
}

/** Kills `victim` with SIGKILL as soon as any remote gets an inbox POST; resolves with what was in flight then. */
function killOnFirstDelivery(victim: () => WeftProcess, gate: Promise<unknown> = Promise.resolve()): Promise<{ inFlight: number; received: number }> {
  const delivered = () => remotes.reduce((n, x) => n + x.received.length, 0);
  const before = delivered();
  return new Promise((resolve) => {
    let fired = false;
    for (const r of remotes) {
      r.onPost = () => {
        if (fired) return;
        fired = true;
        for (const x of remotes) x.onPost = null;
        void gate
          .then(() => victim().kill("SIGKILL"))
          .then(() => {
            // The killed process's requests are still "being handled" by the remotes (they
            // answer slowly), which record them as delivered: the sender never saw the answer.
            resolve({ inFlight: remotes.reduce((n, x) => n + x.inFlight, 0), received: delivered() - before });
          });
      };
    }
  });
}

/** The process that replaces a killed one: another worker, or on SQLite the site's only process. */
async function replace(killed: WeftProcess): Promise<void> {
  if (PG) {
    workers = [...workers.filter((w) => w !== killed), await site.worker(`worker${workers.length + 1}`)];
  } else {
    web1 = web2 = await site.web("web1-restarted", { workers: true, port: Number(new URL(site.origin).port) });
    workers = [web1];
  }
}

before(async () => {
  site = await startSite();
  remotes = await Promise.all(Array.from({ length: REMOTES }, () => startSlowRemote()));
  if (PG) {
    // web1 first: it listens on the origin's port.
    web1 = await site.web("web1");
    [web2, ...workers] = await Promise.all([site.web("web2"), site.worker("worker1"), site.worker("worker2")]);
  } else {
    web1 = web2 = await site.web("web1", { workers: true });
    workers = [web1];
  }
  const w = site.weft;
  aliceId = unwrap(await w.services.accounts.register({ username: "alice", password: "correct horse battery" })).id;
  unwrap(await w.services.accounts.setFediverseSharing(aliceId, true));
  token = await createToken(w.db, aliceId);
  // One follower on each remote server, the Follows arriving through both web processes.
  for (const [i, r] of remotes.entries()) {
    const res = await r.post(inbox(), "fan", { id: `${r.origin}/follows/fan`, type: "Follow", actor: r.actorUri("fan"), object: aliceUri() }, (i % 2 ? web2 : web1).url!);
    assert.equal(res.status, 202);
  }
  await waitFor("the Accepts of the first follows", () => remotes.every((r) => r.received.some((d) => d.type === "Accept")));
  await waitFor("an empty queue after the follows", async () => (await jobsLeft()) === 0);
});

after(async () => {
  await site?.close();
  await Promise.all(remotes.map((r) => r.close()));
});

test("a worker killed with SIGKILL mid fan-out: every server gets the post once, no job is left", async () => {
  for (const r of remotes) r.delayMs = 400;
  const killed = killOnFirstDelivery(() => workers[0]);
  const victim = workers[0];
  firstPostId = await postStatus(web1, "Fanned out while a worker dies");
  const atKill = await killed;
  assert.equal(atKill.received, 0, "the kill came while the fan-out was in progress");
  const replacing = replace(victim);
  const noteUri = `${site.origin}/ap/posts/${firstPostId}`;
  const isCreate = (d: { type: string; objectId: string | null }) => d.type === "Create" && d.objectId === noteUri;
  await waitFor("every server to receive the Create", () => remotes.every((r) => r.received.some(isCreate)));
  await waitFor("an empty jobs table", async () => (await jobsLeft()) === 0);
  await replacing;
  const t = tally(remotes, isCreate);
  assert.deepEqual(t.perRemote, remotes.map(() => 1), "one Create id per server");
  // Redeliveries can only be the ones the killed worker had in flight (its answers were lost).
  assert.ok(t.raw - t.distinct <= atKill.inFlight, `raw ${t.raw}, distinct ${t.distinct}, in flight at the kill ${atKill.inFlight}`);
  console.log(`fan-out: ${t.distinct} activities, ${t.raw} raw deliveries, ${atKill.inFlight} in flight at the kill`);
  for (const r of remotes) r.delayMs = 0;
});

test("inbound Follows and Likes while a worker dies: each processed exactly once", async () => {
  for (const r of remotes) r.delayMs = 300;
  const victim = workers[0];
  let sent!: () => void;
  // On SQLite the victim is also the web process taking the POSTs: it dies once they were taken.
  const killed = killOnFirstDelivery(() => victim, PG ? Promise.resolve() : new Promise<void>((r) => (sent = r)));
  // A Follow and a Like from each server, through both web processes; the Accepts going
  // out (slowly) are the sign that inbound work is under way when the worker dies.
  const sends = remotes.flatMap((r, i) => [
    r.post(inbox(), "late", { id: `${r.origin}/follows/late`, type: "Follow", actor: r.actorUri("late"), object: aliceUri() }, (i % 2 ? web1 : web2).url!),
    r.post(inbox(), "fan", { id: `${r.origin}/likes/1`, type: "Like", actor: r.actorUri("fan"), object: `${site.origin}/ap/posts/${firstPostId}` }, (i % 2 ? web2 : web1).url!),
  ]);
  const statuses = await Promise.all(sends.map((p) => p.then((res) => res.status)));
  assert.deepEqual([...new Set(statuses)], [202]);
  sent?.();
  const atKill = await killed;
  const replacing = replace(victim);
  const db = site.weft.db.kysely;
  const isLateAccept = (d: { type: string; objectId: string | null }) => d.type === "Accept" && (d.objectId ?? "").endsWith("/follows/late");
  await waitFor("an Accept for every late follow", () => remotes.every((r) => r.received.some(isLateAccept)));
  await waitFor("an empty jobs table", async () => (await jobsLeft()) === 0);
  await replacing;

  const follows = await db.selectFrom("follows").select(["follower_id", "state"]).where("followee_id", "=", aliceId).execute();
  assert.equal(follows.length, 2 * REMOTES, "one follow row per remote follower");
  assert.ok(follows.every((f) => f.state === "accepted"));
  const post = await db.selectFrom("posts").select("likes_count").where("id", "=", firstPostId).executeTakeFirstOrThrow();
  assert.equal(Number(post.likes_count), REMOTES, "each Like counted once");
  const likes = await db.selectFrom("likes").select("id").where("post_id", "=", firstPostId).execute();
  assert.equal(likes.length, REMOTES);
  const notes = await db.selectFrom("notifications").select("type").where("account_id", "=", aliceId).execute();
  assert.equal(notes.filter((n) => n.type === "like").length, REMOTES, "one notification per Like");
  assert.equal(notes.filter((n) => n.type === "follow").length, 2 * REMOTES, "one notification per Follow");
  const t = tally(remotes, isLateAccept);
  assert.deepEqual(t.perRemote, remotes.map(() => 1), "one Accept id per Follow");
  assert.ok(t.raw - t.distinct <= atKill.inFlight, `raw ${t.raw}, distinct ${t.distinct}, in flight at the kill ${atKill.inFlight}`);
  console.log(`inbound: ${t.distinct} Accepts, ${t.raw} raw deliveries, ${atKill.inFlight} in flight at the kill`);
  for (const r of remotes) r.delayMs = 0;
});

test("streaming: a socket on one web process hears a post made through the other", async () => {
  const ws = new WebSocket(`${web2.url!.replace("http", "ws")}/api/v1/streaming?stream=user`, [token]);
  const events: { event: string; payload: string }[] = [];
  ws.on("message", (data) => events.push(JSON.parse(String(data))));
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  try {
    const id = await postStatus(web1, "Streamed across processes");
    await waitFor("the update on the other web process's socket", () =>
      events.some((e) => e.event === "update" && (JSON.parse(e.payload) as { id: string }).id === id),
    );
    const update = events.find((e) => e.event === "update")!;
    assert.equal((JSON.parse(update.payload) as { content: string }).content.includes("Streamed across processes"), true);
  } finally {
    ws.close();
  }
});
