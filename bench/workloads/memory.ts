// Workload 5, memory and start: `weft serve` on a fresh data dir (SQLite, migrations run on
// the first start) against a bare Node 24 process running an idle node:http server (`node
// -e`). Figures: time from spawn to the first 200 on /health, and RSS once idle after
// start. Starts are repeated and the median kept: one start is at the mercy of the disk
// cache and the other core's neighbour. (Peak RSS under load is reported by each workload.)
import { readRss, startBare, startWeft, type Child } from "../lib/procs.ts";
import { result } from "../lib/results.ts";
import { tempDir } from "../lib/targets.ts";
import { rmSync } from "node:fs";
import path from "node:path";
import type { WorkloadContext } from "./context.ts";

// Let start-up garbage be collected and lazy work finish before reading RSS.
const IDLE_SETTLE_MS = 1000;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function measure(start: () => Promise<Child>, runs: number, settleMs: number): Promise<{ startMs: number; rssMiB: number }> {
  const starts: number[] = [];
  const rss: number[] = [];
  for (let i = 0; i < runs; i++) {
    const child = await start();
    try {
      starts.push(child.startMs);
      await new Promise((r) => setTimeout(r, settleMs));
      rss.push(readRss(child.pid).rss);
    } finally {
      await child.stop();
    }
  }
  return { startMs: median(starts), rssMiB: median(rss) };
}

/** Returns the bare process's idle RSS, the ceiling other workloads' memory figures use. */
export async function memory(ctx: WorkloadContext): Promise<{ bareIdleRssMiB: number }> {
  const runs = ctx.quick ? 1 : 3;
  const settle = ctx.quick ? 300 : IDLE_SETTLE_MS;
  ctx.log(`memory: ${runs} starts of weft serve on a fresh data dir, ${runs} of a bare node:http`);
  const weft = await measure(async () => {
    const dir = tempDir("start");
    try {
      return await startWeft({ dataDir: dir, databaseUrl: `sqlite:${path.join(dir, "weft.sqlite")}` }).then((c) => ({
        ...c,
        stop: () => c.stop().then(() => rmSync(dir, { recursive: true, force: true })),
      }));
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
  }, runs, settle);
  const bare = await measure(() => startBare(), runs, settle);
  const ceilingIs = "bare Node process (node -e idle node:http)";
  ctx.add(result({ workload: "memory-start", metric: "start to first 200 on /health", value: weft.startMs, unit: "ms", better: "lower", ceiling: bare.startMs, ceilingIs, dialect: "sqlite" }));
  ctx.add(result({ workload: "memory-start", metric: "RSS idle after start", value: weft.rssMiB, unit: "MiB", better: "lower", ceiling: bare.rssMiB, ceilingIs, dialect: "sqlite" }));
  ctx.log(`  Weft start ${weft.startMs.toFixed(0)} ms, idle ${weft.rssMiB.toFixed(1)} MiB; bare start ${bare.startMs.toFixed(0)} ms, idle ${bare.rssMiB.toFixed(1)} MiB`);
  return { bareIdleRssMiB: bare.rssMiB };
}
