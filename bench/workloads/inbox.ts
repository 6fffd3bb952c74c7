// Workload 1, inbox flood: signed Create(Note) activities (about 2 KiB, draft-cavage
// rsa-sha256 over (request-target) host date digest) from many remote actors of the fake
// fleet, POSTed to Weft's shared inbox by an open-loop generator.
//
//   capacity: N activities offered at a rate above what either server can take; figure:
//     activities verified, stored and answered per second = N / (first due -> last one
//     both answered 202 and found stored in the posts table). Weft answers after verifying
//     and queuing; it stores from the queue, so "stored" is polled in the database.
//   latency: open loop at half of Weft's measured capacity; p99 from each request's due time.
//   warm: actors whose keys Weft fetched before (one primed activity each);
//   cold: a fresh actor per activity (Weft fetches each key/actor from the fleet).
//
// Ceiling: bare-inbox.ts, a node:http child that checks the digest and the signature with
// the already-known key and inserts the row (node:sqlite / pg), same requests, same rate.
// For cold keys, a second ceiling beside the issue's: the same child fetching each new
// key itself (a signed GET, the JSON read, the key imported and kept), the work Weft
// cannot skip for a sender it has never seen.
// Afterwards every activity sent must be stored exactly once, or the workload fails.
// A phase ends once its server has gone quiet (procs.ts settled), and that tail's CPU
// counts in its CPU per activity: Weft checkpoints SQLite's WAL on a thread of its own,
// which went on into the bare handler's phase and slowed it by up to half.
//
// Requests are signed before each phase starts (Date goes stale by the phase's length, a
// few seconds at most; Weft accepts a one-hour window, as Fedify does by default).
import { createPublicKey, generateKeyPairSync } from "node:crypto";
import { rmSync } from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { sql } from "kysely";
import { openDatabase, type Db } from "../../src/db/kysely.ts";
import { BARE_INBOX_TABLE as BARE_TABLE } from "../lib/bare.ts";
import { signPost } from "../lib/cavage.ts";
import { startFleet, type Fleet } from "../lib/fleet.ts";
import { latencies, runOpenLoop, type OpenLoopResult, type PreparedRequest } from "../lib/openloop.ts";
import { cpuSeconds, sampleRss, settled, startScript, type Child } from "../lib/procs.ts";
import { result } from "../lib/results.ts";
import { summarize } from "../lib/stats.ts";
import { tempDir, type BenchTarget } from "../lib/targets.ts";
import type { WorkloadContext } from "./context.ts";
import { withFederationSite, type FreshSite } from "./fresh.ts";

const RATIO_TARGET = 0.5;
const INBOX_PATH = "/ap/inbox";
const ACTIVITY_BYTES = 2048;
const CONNECTIONS = 128;
/** Actor names whose keys the bare ceiling fetches (bare-inbox.ts BARE_FETCH_PREFIX). */
const FETCHED = "fetched";

interface Sizes {
  warmActors: number;
  /** Activities per capacity phase. */
  warm: number;
  cold: number;
  /** Offered rate of the capacity phases, activities/s. */
  overload: number;
  latencyMs: number;
}

const SIZES: Record<"quick" | "full", Sizes> = {
  quick: { warmActors: 40, warm: 200, cold: 100, overload: 2000, latencyMs: 1000 },
  full: { warmActors: 500, warm: 3000, cold: 1500, overload: 6000, latencyMs: 10_000 },
};

/** A Create(Note) padded to about 2 KiB, the size of a Mastodon post with a few mentions and tags. */
function activity(fleet: Fleet, actor: string, tag: string): string {
  const actorUri = fleet.actorUri(actor);
  const a = {
    "@context": "https://www.w3.org/ns/activitystreams",
    id: `${fleet.actorOrigin}/activities/${tag}`,
    type: "Create",
    actor: actorUri,
    published: new Date().toISOString(),
    to: ["https://www.w3.org/ns/activitystreams#Public"],
    cc: [`${actorUri}/followers`],
    object: {
      id: `${fleet.actorOrigin}/notes/${tag}`,
      type: "Note",
      attributedTo: actorUri,
      published: new Date().toISOString(),
      to: ["https://www.w3.org/ns/activitystreams#Public"],
      cc: [`${actorUri}/followers`],
      content: "",
    },
  };
  const words = "Inbox flood from the bench fleet, a sentence about looms and threads and the weather today. ";
  const bare = JSON.stringify(a).length;
  a.object.content = `<p>${words.repeat(Math.ceil((ACTIVITY_BYTES - bare) / words.length)).slice(0, Math.max(0, ACTIVITY_BYTES - bare - 7))}</p>`;
  return JSON.stringify(a);
}

interface Batch {
  /** Prefix of the stored Notes' uris: counts them in the posts table. */
  notePrefix: string;
  bodies: string[];
  actors: string[];
}

function batch(fleet: Fleet, phase: string, actors: (i: number) => string, n: number): Batch {
  const bodies: string[] = [];
  const names: string[] = [];
  for (let i = 0; i < n; i++) {
    const actor = actors(i);
    names.push(actor);
    bodies.push(activity(fleet, actor, `${phase}/${i}`));
  }
  return { notePrefix: `${fleet.actorOrigin}/notes/${phase}/`, bodies, actors: names };
}

function sign(fleet: Fleet, origin: string, b: Batch): PreparedRequest[] {
  const url = new URL(INBOX_PATH, origin);
  return b.bodies.map((body, i) => ({ path: INBOX_PATH, body, headers: signPost(url, body, fleet.keyId(b.actors[i]), fleet.privateKey) }));
}

async function countStored(db: Db, prefix: string, table: "posts" | typeof BARE_TABLE): Promise<{ rows: number; distinct: number }> {
  const col = sql.raw(table === "posts" ? "uri" : "id");
  const prefixOf = table === "posts" ? prefix : prefix.replace("/notes/", "/activities/");
  const r = await sql<{ n_rows: number | string; n_distinct: number | string }>`
    SELECT COUNT(*) AS n_rows, COUNT(DISTINCT ${col}) AS n_distinct FROM ${sql.table(table)}
    WHERE ${col} >= ${prefixOf} AND ${col} < ${prefixOf + "\uffff"}`.execute(db.kysely);
  return { rows: Number(r.rows[0]?.n_rows ?? 0), distinct: Number(r.rows[0]?.n_distinct ?? 0) };
}

/** Polls until all `n` are stored (or nothing moved for `stallMs`); returns when, performance.now(). */
async function waitStored(db: Db, prefix: string, n: number, table: "posts" | typeof BARE_TABLE, stallMs = 30_000): Promise<{ at: number; rows: number; distinct: number }> {
  let last = -1;
  let lastChange = performance.now();
  for (;;) {
    const c = await countStored(db, prefix, table);
    const t = performance.now();
    if (c.rows >= n) return { at: t, ...c };
    if (c.rows !== last) (last = c.rows), (lastChange = t);
    if (t - lastChange > stallMs) return { at: t, ...c };
    await new Promise((r) => setTimeout(r, 25));
  }
}

interface PhaseResult {
  n: number;
  load: OpenLoopResult;
  storedAt: number;
  rows: number;
  distinct: number;
  /** Activities per second verified, answered and stored. */
  throughput: number;
  answeredPerSec: number;
  /** The server's CPU time (all threads) per activity, ms: steadier than rates on a shared machine. */
  cpuMsPerActivity: number;
}

function checkAnswers(name: string, r: OpenLoopResult, n: number): void {
  if (r.errors || r.statuses["202"] !== n) throw new Error(`${name}: expected ${n} answers 202, got ${JSON.stringify(r.statuses)}, ${r.errors} errors ${r.firstError ?? ""}`);
}

async function phase(name: string, child: Child, db: Db, table: "posts" | typeof BARE_TABLE, fleet: Fleet, b: Batch, rate: number): Promise<PhaseResult> {
  const requests = sign(fleet, child.origin, b);
  const cpu0 = cpuSeconds(child.pid);
  const load = await runOpenLoop({ origin: child.origin, requests, rate, connections: CONNECTIONS });
  checkAnswers(name, load, b.bodies.length);
  const stored = await waitStored(db, b.notePrefix, b.bodies.length, table);
  // What the server still does for this phase counts in its CPU, and must be over before
  // the next phase (the other server's) starts.
  await settled(child.pid);
  const cpuMsPerActivity = ((cpuSeconds(child.pid) - cpu0) * 1000) / b.bodies.length;
  const n = b.bodies.length;
  const end = Math.max(stored.at, load.start + load.spanMs);
  return { n, load, storedAt: stored.at, rows: stored.rows, distinct: stored.distinct, throughput: n / ((end - load.start) / 1000), answeredPerSec: n / (load.spanMs / 1000), cpuMsPerActivity };
}

export async function inbox(ctx: WorkloadContext, target: BenchTarget): Promise<void> {
  const s = ctx.quick ? SIZES.quick : SIZES.full;
  const d = target.dialect;
  const fleet = await startFleet({ servers: 0, delayMs: 0 });
  const bareDir = tempDir("bare-inbox");
  try {
    await withFederationSite(ctx, target, "inbox", async () => {}, async (site) => {
      const bareDb = d === "sqlite" ? `sqlite:${path.join(bareDir, "bare.sqlite")}` : site.target.databaseUrl;
      const pem = createPublicKey(fleet.privateKey).export({ type: "spki", format: "pem" }).toString();
      const signKey = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
      const bare = await startScript(path.join(import.meta.dirname, "..", "lib", "bare-inbox.ts"), {
        BARE_DB: bareDb, BARE_KEY_PEM: pem, BARE_KEY_PREFIX: `${fleet.actorOrigin}/users/`, BARE_FETCH_PREFIX: `${fleet.actorOrigin}/users/${FETCHED}`, BARE_SIGN_KEY_PEM: signKey,
      });
      const bareConn = d === "sqlite" ? await openDatabase(bareDb) : site.db;
      try {
        await flood(ctx, s, site, bare, bareConn, fleet);
      } finally {
        await bare.stop();
        if (bareConn !== site.db) await bareConn.close();
      }
    });
  } finally {
    await fleet.stop();
    rmSync(bareDir, { recursive: true, force: true });
  }
}

async function flood(ctx: WorkloadContext, s: Sizes, site: FreshSite, bare: Child, bareDb: Db, fleet: Fleet): Promise<void> {
  const d = site.target.dialect;
  const weft = site.server;
  let sentToWeft = 0;
  let sentToBare = 0;
  const warmName = (i: number) => `warm${i % s.warmActors}`;
  const weftRss = sampleRss(weft.pid);
  const bareRss = sampleRss(bare.pid);

  ctx.log(`inbox/${d}: priming ${s.warmActors} actors (Weft fetches and caches their keys)`);
  const prime = batch(fleet, "prime", warmName, s.warmActors);
  await phase("prime", weft, site.db, "posts", fleet, prime, 100);
  sentToWeft += prime.bodies.length;

  ctx.log(`inbox/${d}: capacity, ${s.warm} activities from ${s.warmActors} warm actors offered at ${s.overload}/s, Weft then bare`);
  const weftWarm = await phase("Weft warm", weft, site.db, "posts", fleet, batch(fleet, "warm", warmName, s.warm), s.overload);
  sentToWeft += s.warm;
  const bareWarm = await phase("bare warm", bare, bareDb, BARE_TABLE, fleet, batch(fleet, "bare-warm", warmName, s.warm), s.overload);
  sentToBare += s.warm;
  ctx.log(`  Weft ${weftWarm.throughput.toFixed(0)}/s stored (answered ${weftWarm.answeredPerSec.toFixed(0)}/s, CPU ${weftWarm.cpuMsPerActivity.toFixed(2)} ms each); bare ${bareWarm.throughput.toFixed(0)}/s (CPU ${bareWarm.cpuMsPerActivity.toFixed(2)} ms each)`);
  // A ceiling that kept up with the offered rate was not saturated: it is a lower bound.
  if (bareWarm.throughput > 0.9 * s.overload) ctx.log(`  note: the bare ceiling kept up with the offered ${s.overload}/s; its true capacity is higher (Weft's ratio is an upper bound)`);

  ctx.log(`inbox/${d}: capacity, ${s.cold} activities from ${s.cold} fresh actors offered at ${s.overload}/s`);
  await fleet.reset();
  const weftCold = await phase("Weft cold", weft, site.db, "posts", fleet, batch(fleet, "cold", (i) => `cold${i}`, s.cold), s.overload);
  sentToWeft += s.cold;
  const { actorFetches } = await fleet.receipts();
  const bareCold = await phase("bare cold", bare, bareDb, BARE_TABLE, fleet, batch(fleet, "bare-cold", (i) => `cold${i}`, s.cold), s.overload);
  sentToBare += s.cold;
  const bareFetching = await phase("bare cold, fetching keys", bare, bareDb, BARE_TABLE, fleet, batch(fleet, "bare-fetched", (i) => `${FETCHED}${i}`, s.cold), s.overload);
  sentToBare += s.cold;
  ctx.log(`  Weft ${weftCold.throughput.toFixed(0)}/s stored (answered ${weftCold.answeredPerSec.toFixed(0)}/s, CPU ${weftCold.cpuMsPerActivity.toFixed(2)} ms each, ${(actorFetches / s.cold).toFixed(2)} actor fetches per fresh actor); bare ${bareCold.throughput.toFixed(0)}/s (CPU ${bareCold.cpuMsPerActivity.toFixed(2)} ms each); bare fetching each key ${bareFetching.throughput.toFixed(0)}/s (CPU ${bareFetching.cpuMsPerActivity.toFixed(2)} ms each)`);

  const lat: Record<string, { weft: number[]; bare: number[]; rate: number }> = {};
  for (const [kind, capacity] of [["warm", weftWarm.throughput], ["cold", weftCold.throughput]] as const) {
    const rate = Math.max(5, Math.round(capacity / 2));
    const n = Math.max(20, Math.round((rate * s.latencyMs) / 1000));
    const actors = kind === "warm" ? warmName : (i: number) => `late${i}`;
    ctx.log(`inbox/${d}: latency, ${kind}, open loop at ${rate}/s (half of Weft's capacity) for ${n} activities, Weft then bare`);
    const w = await phase(`Weft ${kind} latency`, weft, site.db, "posts", fleet, batch(fleet, `lat-${kind}`, actors, n), rate);
    sentToWeft += n;
    const b = await phase(`bare ${kind} latency`, bare, bareDb, BARE_TABLE, fleet, batch(fleet, `bare-lat-${kind}`, actors, n), rate);
    sentToBare += n;
    lat[kind] = { weft: latencies(w.load), bare: latencies(b.load), rate };
  }
  const peakWeft = weftRss.stop();
  const peakBare = bareRss.stop();

  // Never a lost or duplicated activity: every Note Weft was sent is in posts exactly once.
  const weftAll = await countStored(site.db, `${fleet.actorOrigin}/notes/`, "posts");
  const bareAll = await countStored(bareDb, `${fleet.actorOrigin}/notes/`, BARE_TABLE);
  const once = (c: { rows: number; distinct: number }, sent: number) => (Math.min(c.distinct, sent) - (c.rows - c.distinct)) / sent;
  if (weftAll.rows !== sentToWeft || weftAll.distinct !== sentToWeft) {
    throw new Error(`inbox/${d}: LOST OR DUPLICATED ACTIVITIES: sent ${sentToWeft} to Weft, stored ${weftAll.rows} rows (${weftAll.distinct} distinct)`);
  }
  if (bareAll.rows !== sentToBare || bareAll.distinct !== sentToBare) throw new Error(`inbox/${d}: bare ceiling stored ${bareAll.rows} rows of ${sentToBare}`);
  ctx.log(`  no loss: ${sentToWeft} activities sent to Weft, ${weftAll.rows} stored, ${weftAll.distinct} distinct`);

  const common = { workload: "inbox-flood", dialect: d };
  const ceilingIs = "bare node:http: digest + signature (known key) + insert";
  const target = d === "sqlite" ? { ratio: RATIO_TARGET } : undefined;
  for (const [kind, w, b] of [["warm", weftWarm, bareWarm], ["cold", weftCold, bareCold]] as const) {
    ctx.add(result({ ...common, metric: `${kind} keys: activities verified, stored and answered/s (${d})`, value: w.throughput, unit: "act/s", better: "higher", ceiling: b.throughput, ceilingIs, ...(target ? { target } : {}) }));
    ctx.add(result({ ...common, metric: `${kind} keys: answered (202)/s (${d})`, value: w.answeredPerSec, unit: "act/s", better: "higher", ceiling: b.answeredPerSec, ceilingIs }));
    ctx.add(result({ ...common, metric: `${kind} keys: server CPU per activity (${d})`, value: w.cpuMsPerActivity, unit: "ms", better: "lower", ceiling: b.cpuMsPerActivity, ceilingIs }));
    const l = lat[kind];
    const wl = summarize(l.weft);
    const bl = summarize(l.bare);
    ctx.add(result({ ...common, metric: `${kind} keys: p99, open loop at half of Weft's capacity (${d})`, value: wl.p99, unit: "ms", better: "lower", ceiling: bl.p99, ceilingIs: `${ceilingIs}, same rate (${l.rate}/s)` }));
    ctx.log(`  ${kind} at ${l.rate}/s: Weft p50 ${wl.p50.toFixed(1)} ms p99 ${wl.p99.toFixed(1)} ms; bare p50 ${bl.p50.toFixed(1)} ms p99 ${bl.p99.toFixed(1)} ms`);
  }
  const fetchingIs = "bare node:http: digest + signature + insert, fetching each new key (signed GET, JSON, import)";
  ctx.add(result({ ...common, metric: `cold keys: stored/s against a ceiling that fetches keys too (${d})`, value: weftCold.throughput, unit: "act/s", better: "higher", ceiling: bareFetching.throughput, ceilingIs: fetchingIs }));
  ctx.add(result({ ...common, metric: `cold keys: server CPU per activity against a ceiling that fetches keys too (${d})`, value: weftCold.cpuMsPerActivity, unit: "ms", better: "lower", ceiling: bareFetching.cpuMsPerActivity, ceilingIs: fetchingIs }));
  ctx.add(result({ ...common, metric: `activities stored exactly once (${d})`, value: 100 * once(weftAll, sentToWeft), unit: "%", better: "higher", ceiling: 100 * once(bareAll, sentToBare), ceilingIs: "bare ceiling's own rows", target: { value: 100 } }));
  ctx.add(result({ ...common, metric: `server peak RSS (${d})`, value: peakWeft, unit: "MiB", better: "lower", ceiling: peakBare, ceilingIs: "bare inbox under the same load" }));
}
