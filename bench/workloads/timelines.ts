// Workload 4, timelines: the Following feed page (GET / logged in) and the client API's
// home timeline (GET /api/v1/timelines/home with a bearer token) at full size: 1,000,000
// posts, 10,000 accounts, 1,000 follows each. Latency is measured one request at a time
// (concurrency 1), rotating over several logged-in viewers, so p50/p99 are what one reader
// waits for on an otherwise idle server.
//
// Ceiling: the same read done directly on the database, in this process: the view
// function the page calls (followingFeed: the feed query plus its batched hydration
// queries), with no HTTP, no session lookup and no rendering. The ratio says how much of a
// page's time is the database's; a bare HTTP server replaying the bytes would only measure
// Node's HTTP stack, which the viral workload already does.
import { followingFeed } from "../../src/db/views/timelines.ts";
import { mergeLoads, runLoad, timeCalls } from "../lib/load.ts";
import { summarize } from "../lib/stats.ts";
import { result } from "../lib/results.ts";
import { sampleRss } from "../lib/procs.ts";
import { API, PAGES, sessionCookie } from "../lib/site.ts";
import { createToken } from "../../src/api/mastodon/tokens.ts";
import type { SiteContext } from "./context.ts";

const P99_TARGET_MS = 20;

interface TimelinePage {
  name: string;
  path: () => string;
  /** Headers that log viewer i in (a cookie for the web UI, a bearer token for the API). */
  auth: (ctx: SiteContext, accountId: string) => Promise<Record<string, string>>;
  /** Logins per viewer, taken in turn: the API's rate limit counts per token. */
  logins: number;
  /** The same read straight from the database. */
  direct: (ctx: SiteContext, accountId: string) => Promise<unknown>;
}

// Both read the same view; the API serializes Mastodon JSON where the page renders HTML.
const PAGES_UNDER_TEST: TimelinePage[] = [
  {
    name: "following page",
    path: PAGES.following,
    auth: async (ctx, id) => ({ cookie: await sessionCookie(ctx.db, id) }),
    logins: 1,
    direct: (ctx, id) => followingFeed(ctx.db.kysely, id, {}),
  },
  {
    name: "API home timeline",
    path: API.homeTimeline,
    auth: async (ctx, id) => ({ authorization: `Bearer ${await createToken(ctx.db, id, "read")}` }),
    // 300 requests per token per 5 minutes, as Mastodon: one token per viewer ran into it
    // once a page took under about 2.5 ms (20 viewers, 15 s of requests back to back).
    // Ten tokens each keep the limiter in the measured path without it answering 429.
    logins: 10,
    direct: (ctx, id) => followingFeed(ctx.db.kysely, id, {}),
  },
];

export async function timelines(ctx: SiteContext): Promise<void> {
  const viewers = Array.from({ length: ctx.quick ? 5 : 20 }, (_, i) => ctx.seed.accountId(i * 7));
  const d = ctx.quick ? { warmupMs: 200, measureMs: 1000, slices: 1 } : { warmupMs: 1000, measureMs: 15_000, slices: 3 };
  for (const page of PAGES_UNDER_TEST.filter((p) => !ctx.match || p.name.includes(ctx.match))) {
    // Login j is viewer j mod the viewer count, so request i reads viewer i's feed as the direct reads do.
    const headers = await Promise.all(Array.from({ length: viewers.length * page.logins }, (_, j) => page.auth(ctx, viewers[j % viewers.length])));
    await checkPage(ctx, page, viewers[0], headers[0]);
    ctx.log(`timelines/${ctx.target.dialect}: ${page.name} over HTTP and directly on the database, ${d.slices} alternating slices`);
    const rss = sampleRss(ctx.server.pid);
    const httpSlices = [];
    const directSamples: number[] = [];
    for (let s = 0; s < d.slices; s++) {
      httpSlices.push(
        await runLoad({
          origin: ctx.server.origin,
          request: (i) => ({ path: page.path(), headers: headers[i % headers.length] }),
          concurrency: 1,
          durationMs: d.measureMs / d.slices,
          warmupMs: d.warmupMs,
        }),
      );
      const r = await timeCalls((i) => page.direct(ctx, viewers[i % viewers.length]), { durationMs: d.measureMs / d.slices, warmupMs: d.warmupMs });
      directSamples.push(...r.samples);
    }
    const peak = rss.stop();
    const http = mergeLoads(httpSlices);
    const direct = { latency: summarize(directSamples) };
    if (http.errors || Object.keys(http.statuses).some((s) => s !== "200")) {
      throw new Error(`${page.name}: non-200 answers ${JSON.stringify(http.statuses)}, errors ${http.errors} ${http.firstError ?? ""}`);
    }
    const common = { workload: "timelines", dialect: ctx.target.dialect, unit: "ms", better: "lower" as const, ceilingIs: "same view on the db, no HTTP/render" };
    ctx.add(result({ ...common, metric: `${page.name} p50 (${ctx.target.dialect})`, value: http.latency.p50, ceiling: direct.latency.p50 }));
    ctx.add(result({ ...common, metric: `${page.name} p99 (${ctx.target.dialect})`, value: http.latency.p99, ceiling: direct.latency.p99, target: { value: P99_TARGET_MS } }));
    ctx.add(
      result({
        workload: "timelines",
        dialect: ctx.target.dialect,
        metric: `server peak RSS, ${page.name} (${ctx.target.dialect})`,
        value: peak,
        unit: "MiB",
        better: "lower",
        ceiling: ctx.bareIdleRssMiB,
        ceilingIs: "bare node:http process, idle",
      }),
    );
    ctx.log(`  ${http.requests} requests, p50 ${http.latency.p50.toFixed(2)} ms, p99 ${http.latency.p99.toFixed(2)} ms; direct p50 ${direct.latency.p50.toFixed(2)} ms, p99 ${direct.latency.p99.toFixed(2)} ms`);
  }
}

/** A figure for a page that is not the feed would be a lie: check the page shows it. */
async function checkPage(ctx: SiteContext, page: TimelinePage, viewerId: string, headers: Record<string, string>): Promise<void> {
  const res = await fetch(ctx.server.origin + page.path(), { headers, redirect: "manual" });
  const body = await res.text();
  const feed = (await page.direct(ctx, viewerId)) as Awaited<ReturnType<typeof followingFeed>>;
  const newest = feed[0]?.post.text ?? "";
  if (res.status !== 200 || !newest || !body.includes(newest)) {
    throw new Error(`${page.name} (${page.path()}) does not show the viewer's feed: HTTP ${res.status}, newest post ${JSON.stringify(newest)} ${body.includes(newest) ? "found" : "not found"} in the page`);
  }
}
