// Workload 2, fan-out: one public post by an account with 10,000 remote followers on 1,000
// servers (10 each, one shared inbox per server), each server of the fake fleet answering
// after 50 ms; then a second post with 20% of the servers dead (they accept the connection
// and the request and never answer, so deliveries time out).
//
// Figures: time from the posting request until 50%, 99% and 100% of the live servers had
// acknowledged the Create (taken from the fleet's own records, one clock on one machine),
// CPU seconds of the Weft process over that time (/proc/<pid>/stat), and how long the
// posting request (POST /api/v1/statuses) took.
//
// Ceilings: bare-fanout.ts, a child process that signs (RSA, draft-cavage) and sends the
// same activity to the same 1,000 inboxes with node:http keep-alive alone, against the same
// fleet with the same dead servers; for the posting request, the same request by an account
// with no remote followers.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { createToken } from "../../src/api/mastodon/tokens.ts";
import type { Db } from "../../src/db/kysely.ts";
import { newId } from "../../src/domain/ids.ts";
import { startFleet, type Fleet, type Receipt } from "../lib/fleet.ts";
import { cpuSeconds, ROOT, sampleRss } from "../lib/procs.ts";
import { result } from "../lib/results.ts";
import { tempDir, type BenchTarget } from "../lib/targets.ts";
import type { WorkloadContext } from "./context.ts";
import { withFederationSite, type FreshSite } from "./fresh.ts";

const LIVE_TARGET_MS = 2000;
const DEAD_FACTOR = 1.2;
const DELAY_MS = 50;
const DEAD_SHARE = 0.2;

const SIZES = {
  quick: { servers: 50, followersEach: 10, capMs: 10_000 },
  full: { servers: 1000, followersEach: 10, capMs: 60_000 },
};

const now = () => performance.timeOrigin + performance.now();

/** The author, a quiet account (no followers, the posting ceiling) and the remote followers. */
async function seedFollowers(db: Db, fleet: Fleet, followersEach: number): Promise<{ author: string; quiet: string }> {
  const at = new Date().toISOString();
  const author = newId();
  const quiet = newId();
  await db.kysely
    .insertInto("accounts")
    .values([author, quiet].map((id, i) => ({ id, username: i ? "quiet" : "author", username_lower: i ? "quiet" : "author", display_name: i ? "Quiet" : "Author", bio: "", bio_html: "", fediverse_sharing: 1, is_private: 0, is_admin: 0, approved: 1, created_at: at, updated_at: at })))
    .execute();
  const rows = [];
  for (let s = 0; s < fleet.sharedInboxes.length; s++) {
    const inbox = new URL(fleet.sharedInboxes[s]);
    for (let k = 0; k < followersEach; k++) {
      const name = `f${s}_${k}`;
      const uri = `${inbox.origin}/users/${name}`;
      rows.push({ id: newId(), username: name, username_lower: name, domain: inbox.host, display_name: name, bio: "", bio_html: "", fediverse_sharing: 0 as const, is_private: 0 as const, is_admin: 0 as const, approved: 1 as const, created_at: at, updated_at: at, uri, url: uri, inbox_url: `${uri}/inbox`, shared_inbox_url: inbox.href, followers_url: `${uri}/followers`, actor_type: "Person", fetched_at: at });
    }
  }
  for (let i = 0; i < rows.length; i += 500) {
    const chunk = rows.slice(i, i + 500);
    await db.kysely.transaction().execute(async (tx) => {
      await tx.insertInto("accounts").values(chunk).execute();
      await tx.insertInto("follows").values(chunk.map((r) => ({ id: newId(), follower_id: r.id, followee_id: author, state: "accepted", created_at: at }))).execute();
    });
  }
  return { author, quiet };
}

async function post(site: FreshSite, token: string, text: string): Promise<{ id: string; ms: number }> {
  const t0 = performance.now();
  const res = await fetch(`${site.server.origin}/api/v1/statuses`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ status: text, visibility: "public" }),
  });
  const body = (await res.json()) as { id?: string };
  const ms = performance.now() - t0;
  if (res.status !== 200 || !body.id) throw new Error(`posting answered ${res.status}: ${JSON.stringify(body)}`);
  return { id: body.id, ms };
}

interface Acks {
  /** ms from the start to each live server's first acknowledgement, ascending. */
  times: number[];
  live: number;
  /** ms at which waiting stopped (all acknowledged, or the cap). */
  waitedMs: number;
}

/** Waits until every live server acknowledged an activity matching `matches`, or the cap. */
async function waitAcks(fleet: Fleet, live: Set<number>, start: number, matches: (r: Receipt) => boolean, capMs: number, onPoll?: () => void): Promise<Acks> {
  for (;;) {
    const { receipts } = await fleet.receipts();
    const first = new Map<number, number>();
    for (const r of receipts) if (live.has(r.server) && matches(r) && !first.has(r.server)) first.set(r.server, r.at - start);
    const waited = now() - start;
    onPoll?.();
    if (first.size >= live.size || waited > capMs) return { times: [...first.values()].sort((a, b) => a - b), live: live.size, waitedMs: waited };
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Time until `share` of the live servers acknowledged (nearest rank); the cap when fewer did. */
function until(a: Acks, share: number): number {
  const need = Math.ceil(share * a.live);
  return a.times.length >= need ? a.times[need - 1] : a.waitedMs;
}

async function bareFanout(dir: string, fleet: Fleet, live: Set<number>, body: string, capMs: number): Promise<{ acks: Acks; cpuSeconds: number; peakRssMiB: number }> {
  const job = path.join(dir, `bare-fanout-${randomBytes(4).toString("hex")}.json`);
  writeFileSync(job, JSON.stringify({ inboxes: fleet.sharedInboxes, live: live.size, body, timeoutMs: capMs }));
  await fleet.reset();
  let rss: { stop(): number } | undefined;
  const out = await new Promise<string>((resolve, reject) => {
    const child = execFile(process.execPath, [path.join(ROOT, "bench", "lib", "bare-fanout.ts"), job], { timeout: capMs + 30_000 }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)));
    if (child.pid) rss = sampleRss(child.pid);
  });
  const peakRssMiB = rss?.stop() ?? NaN;
  const r = JSON.parse(out.trim().split("\n").pop()!) as { started: number; answered: number; failed: number; cpuSeconds: number };
  if (r.answered !== live.size) throw new Error(`bare fan-out: ${r.answered} of ${live.size} live servers answered 202 (${r.failed} other answers)`);
  const id = JSON.parse(body).id as string;
  return { acks: await waitAcks(fleet, live, r.started, (x) => x.activityId === id, capMs), cpuSeconds: r.cpuSeconds, peakRssMiB };
}

export async function fanout(ctx: WorkloadContext, target: BenchTarget): Promise<void> {
  const s = ctx.quick ? SIZES.quick : SIZES.full;
  const d = target.dialect;
  const fleet = await startFleet({ servers: s.servers, delayMs: DELAY_MS });
  const dir = tempDir("fanout");
  try {
    await withFederationSite(ctx, target, "fanout", async (db) => {
      ctx.log(`fanout/${d}: seeding ${s.servers * s.followersEach} remote followers on ${s.servers} servers`);
      return seedFollowers(db, fleet, s.followersEach);
    }, async (site, { author, quiet }) => {
      const authorToken = await createToken(site.db, author, "write");
      const quietToken = await createToken(site.db, quiet, "write");
      // The first post of each account also makes its keys; not what is measured.
      await post(site, quietToken, "warming up");
      const quietPost = await post(site, quietToken, "a post nobody remote follows");

      const all = Array.from({ length: s.servers }, (_, i) => i);
      const scenarios = [
        { name: "all live", dead: [] as number[] },
        { name: `${Math.round(DEAD_SHARE * 100)}% dead`, dead: all.filter((i) => i % Math.round(1 / DEAD_SHARE) === 0) },
      ];
      for (const sc of scenarios.filter((x) => !ctx.match || x.name.includes(ctx.match))) {
        await fleet.setDead(sc.dead);
        await fleet.reset();
        const live = new Set(all.filter((i) => !sc.dead.includes(i)));
        ctx.log(`fanout/${d}: ${sc.name}: one public post to ${s.servers * s.followersEach} followers on ${s.servers} servers (${live.size} live, answering after ${DELAY_MS} ms)`);
        const rss = sampleRss(site.server.pid);
        const cpu0 = cpuSeconds(site.server.pid);
        const start = now();
        const p = await post(site, authorToken, `Fan-out bench post (${sc.name}) ${randomBytes(4).toString("hex")}`);
        let cpuAtEnd = cpu0;
        const acks = await waitAcks(fleet, live, start, (r) => r.activityId.includes(p.id), s.capMs, () => (cpuAtEnd = cpuSeconds(site.server.pid)));
        const peakRss = rss.stop();
        const { receipts } = await fleet.receipts();
        const unsigned = receipts.filter((r) => !r.signed).length;
        if (unsigned) throw new Error(`fanout: ${unsigned} deliveries arrived without a signature`);
        const t100 = until(acks, 1);
        ctx.log(`  Weft: post request ${p.ms.toFixed(0)} ms; 50% ${until(acks, 0.5).toFixed(0)} ms, 99% ${until(acks, 0.99).toFixed(0)} ms, 100% ${acks.times.length === live.size ? `${t100.toFixed(0)} ms` : `not reached (${acks.times.length} of ${live.size} in ${(acks.waitedMs / 1000).toFixed(0)} s)`}; CPU ${(cpuAtEnd - cpu0).toFixed(2)} s`);

        // The ceiling sends what Weft sent: the same Create, from the Note Weft serves.
        const note = await (await fetch(`${site.server.origin}/ap/posts/${p.id}`, { headers: { accept: "application/activity+json" } })).json();
        const body = JSON.stringify({ "@context": "https://www.w3.org/ns/activitystreams", id: `${(note as { id: string }).id}#bare-create`, type: "Create", actor: (note as { attributedTo: string }).attributedTo, to: ["https://www.w3.org/ns/activitystreams#Public"], object: note });
        const bare = await bareFanout(dir, fleet, live, body, s.capMs);
        ctx.log(`  bare: 50% ${until(bare.acks, 0.5).toFixed(0)} ms, 99% ${until(bare.acks, 0.99).toFixed(0)} ms, 100% ${until(bare.acks, 1).toFixed(0)} ms; CPU ${bare.cpuSeconds.toFixed(2)} s`);

        const common = { workload: "fanout", dialect: d, unit: "ms", better: "lower" as const, ceilingIs: "bare: sign + send with node:http keep-alive" };
        const tag = sc.name;
        ctx.add(result({ ...common, metric: `${tag}: 50% acknowledged (${d})`, value: until(acks, 0.5), ceiling: until(bare.acks, 0.5) }));
        ctx.add(result({ ...common, metric: `${tag}: 99% acknowledged (${d})`, value: until(acks, 0.99), ceiling: until(bare.acks, 0.99) }));
        const target = sc.dead.length === 0 ? LIVE_TARGET_MS : DEAD_FACTOR * LIVE_TARGET_MS;
        ctx.add(result({ ...common, metric: `${tag}: 100% acknowledged (${d})`, value: t100, ceiling: until(bare.acks, 1), target: { value: target } }));
        ctx.add(result({ ...common, metric: `${tag}: live servers acknowledged (${d})`, value: (100 * acks.times.length) / live.size, unit: "%", better: "higher", ceiling: (100 * bare.acks.times.length) / live.size, ceilingIs: `bare, same servers; waiting at most ${s.capMs / 1000} s`, target: { value: 100 } }));
        // In ms so that rounding keeps two digits of a fraction of a second; /proc counts 10 ms ticks.
        ctx.add(result({ ...common, metric: `${tag}: Weft CPU time until 100% (${d})`, value: Math.max(10, 1000 * (cpuAtEnd - cpu0)), ceiling: Math.max(1, 1000 * bare.cpuSeconds) }));
        ctx.add(result({ ...common, metric: `${tag}: posting request (${d})`, value: p.ms, ceiling: quietPost.ms, ceilingIs: "same request by an account with no remote followers" }));
        ctx.add(result({ ...common, metric: `${tag}: server peak RSS until 100% (${d})`, value: peakRss, unit: "MiB", ceiling: bare.peakRssMiB, ceilingIs: "the bare sender's process, same sends" }));
      }
      // Deliveries still hanging on the dead servers fail now, so Weft stops promptly.
      await fleet.setDead([]);
    });
  } finally {
    await fleet.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
