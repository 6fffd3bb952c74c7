// Workload 3, viral read burst (local part): a post goes viral and many readers, mostly
// logged out, open the author's profile and the post at once, while fediverse servers
// fetch the author's WebFinger, actor and the Note. Each URL is hammered by
// `concurrency` keep-alive clients; figures are requests/s and p99.
//
// Ceiling: a bare node:http server (a `node -e` child, no framework, no database) answering
// the very same bytes, recorded from Weft just before, with the same concurrency and the
// same load generator on the same two cores, measured in slices alternating with Weft's so
// that both meet the same background load.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { recordResponse, type RecordedResponse } from "../lib/bare.ts";
import { mergeLoads, runLoad, type LoadResult } from "../lib/load.ts";
import { sampleRss, startBare, type Child } from "../lib/procs.ts";
import { result } from "../lib/results.ts";
import { FEDERATION, PAGES } from "../lib/site.ts";
import type { SiteContext } from "./context.ts";

const RPS_RATIO_TARGET = 0.5;
const P99_TARGET_MS = 50;

interface ViralUrl {
  name: string;
  path: string;
  headers?: Record<string, string>;
}

async function viralUrls(ctx: SiteContext): Promise<ViralUrl[]> {
  const author = ctx.seed.username(0);
  const post = await ctx.db.kysely
    .selectFrom("posts")
    .select("id")
    .where("account_id", "=", ctx.seed.accountId(0))
    .where("visibility", "=", "public")
    .where("in_reply_to_id", "is", null)
    .orderBy("id", "desc")
    .limit(1)
    .executeTakeFirstOrThrow();
  // What a fediverse server fetches when a post goes viral there: the author's WebFinger,
  // actor and the Note (user0 shares with the fediverse).
  const host = new URL(ctx.server.origin).host;
  const ap = { accept: "application/activity+json" };
  return [
    { name: "profile page", path: PAGES.profile(author) },
    { name: "post page", path: PAGES.post(author, post.id) },
    { name: "WebFinger", path: FEDERATION.webfinger(author, host) },
    { name: "actor", path: FEDERATION.actor(ctx.seed.accountId(0)), headers: ap },
    { name: "Note", path: FEDERATION.note(post.id), headers: ap },
  ];
}

function checkAllOk(name: string, r: LoadResult): void {
  if (r.errors || Object.keys(r.statuses).some((s) => s !== "200")) {
    throw new Error(`${name}: non-200 answers ${JSON.stringify(r.statuses)}, errors ${r.errors} ${r.firstError ?? ""}`);
  }
}

export async function viral(ctx: SiteContext): Promise<void> {
  const urls = (await viralUrls(ctx)).filter((u) => !ctx.match || u.name.includes(ctx.match));
  const concurrency = ctx.quick ? 16 : 64;
  const d = ctx.quick ? { warmupMs: 200, measureMs: 1000, slices: 1 } : { warmupMs: 1000, measureMs: 10_000, slices: 4 };
  const recorded: Record<string, RecordedResponse> = {};
  for (const u of urls) {
    const r = await recordResponse(ctx.server.origin + u.path, u.headers);
    if (r.status !== 200) throw new Error(`${u.name} (${u.path}) answered HTTP ${r.status}, not 200`);
    recorded[u.path] = r;
  }
  const file = path.join(ctx.scratchDir, `viral-${ctx.target.dialect}.json`);
  writeFileSync(file, JSON.stringify(recorded));
  const bare = await startBare(file);
  try {
    let weftPeak = 0;
    let barePeak = 0;
    for (const u of urls) {
      const load = async (child: Child) => {
        const rss = sampleRss(child.pid);
        const r = await runLoad({ origin: child.origin, request: () => ({ path: u.path, headers: u.headers }), concurrency, durationMs: d.measureMs / d.slices, warmupMs: d.warmupMs });
        return { r, peak: rss.stop() };
      };
      ctx.log(`viral/${ctx.target.dialect}: ${u.name}, ${concurrency} clients, Weft and bare in ${d.slices} alternating slices`);
      const ws = [];
      const bs = [];
      for (let i = 0; i < d.slices; i++) {
        ws.push(await load(ctx.server));
        bs.push(await load(bare));
      }
      const w = { r: mergeLoads(ws.map((x) => x.r)), peak: Math.max(...ws.map((x) => x.peak)) };
      const b = { r: mergeLoads(bs.map((x) => x.r)), peak: Math.max(...bs.map((x) => x.peak)) };
      checkAllOk(`Weft ${u.name}`, w.r);
      checkAllOk(`bare ${u.name}`, b.r);
      weftPeak = Math.max(weftPeak, w.peak);
      barePeak = Math.max(barePeak, b.peak);
      const common = { workload: "viral-read-burst", dialect: ctx.target.dialect, ceilingIs: `bare node:http, same bytes, ${concurrency} clients` };
      ctx.add(result({ ...common, metric: `${u.name} requests/s (${ctx.target.dialect})`, value: w.r.rps, unit: "req/s", better: "higher", ceiling: b.r.rps, target: { ratio: RPS_RATIO_TARGET } }));
      ctx.add(result({ ...common, metric: `${u.name} p99 (${ctx.target.dialect})`, value: w.r.latency.p99, unit: "ms", better: "lower", ceiling: b.r.latency.p99, target: { value: P99_TARGET_MS } }));
      ctx.log(`  Weft ${w.r.rps.toFixed(0)} req/s p99 ${w.r.latency.p99.toFixed(1)} ms; bare ${b.r.rps.toFixed(0)} req/s p99 ${b.r.latency.p99.toFixed(1)} ms`);
    }
    ctx.add(
      result({
        workload: "viral-read-burst",
        dialect: ctx.target.dialect,
        metric: `server peak RSS (${ctx.target.dialect})`,
        value: weftPeak,
        unit: "MiB",
        better: "lower",
        ceiling: barePeak,
        ceilingIs: "bare node:http under the same load",
      }),
    );
  } finally {
    await bare.stop();
  }
}
