// `npm run bench`: Weft's figures, each beside a ceiling measured in the same run on the
// same machine. Writes bench/results.json and prints a table. See bench/README.md.
//
//   node bench/run.ts [--quick] [--only=memory,timelines,viral,inbox,fanout] [--db=sqlite|postgres]
//                     [--out=file.json] [--profile] [--markdown] [--match=<url name>]
import { mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { ROOT } from "./lib/procs.ts";
import { formatMarkdown, formatTable, machineInfo, writeResults, type BenchResult, type ResultsFile } from "./lib/results.ts";
import { seed, type SeedSize } from "./lib/seed.ts";
import { targetsFromEnv, tempDir, type BenchDialect, type BenchTarget } from "./lib/targets.ts";
import type { SiteContext, WorkloadContext } from "./workloads/context.ts";
import { fanout } from "./workloads/fanout.ts";
import { inbox } from "./workloads/inbox.ts";
import { withSite } from "./workloads/fresh.ts";
import { memory } from "./workloads/memory.ts";
import { timelines } from "./workloads/timelines.ts";
import { viral } from "./workloads/viral.ts";

const WORKLOADS = ["memory", "timelines", "viral", "inbox", "fanout"] as const;
type Workload = (typeof WORKLOADS)[number];

export const SIZES: Record<"quick" | "full", SeedSize> = {
  quick: { accounts: 500, followsEach: 50, posts: 10_000 },
  full: { accounts: 10_000, followsEach: 1_000, posts: 1_000_000 },
};

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    only: { type: "string" },
    db: { type: "string" },
    out: { type: "string", default: path.join(ROOT, "bench", "results.json") },
    profile: { type: "boolean", default: false },
    markdown: { type: "boolean", default: false },
    match: { type: "string" },
  },
  strict: true,
});

const only = new Set<Workload>((values.only?.split(",") ?? WORKLOADS) as Workload[]);
for (const w of only) if (!WORKLOADS.includes(w)) throw new Error(`unknown workload "${w}" (known: ${WORKLOADS.join(", ")})`);
if (values.db && values.db !== "sqlite" && values.db !== "postgres") throw new Error(`--db must be sqlite or postgres`);
const quick = values.quick!;
const mode = quick ? "quick" : "full";
const size = SIZES[mode];
const started = performance.now();
const log = (msg: string) => console.error(`[${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s] ${msg}`);
const results: BenchResult[] = [];
const seedSeconds: Record<string, number> = {};
const scratchDir = tempDir("scratch");
const profileDir = path.join(ROOT, "bench", "profiles");
const profileArgs = (label: string) => {
  if (!values.profile) return [];
  mkdirSync(profileDir, { recursive: true });
  return ["--cpu-prof", `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=weft-${label}-${Date.now()}.cpuprofile`];
};
const base: WorkloadContext = { quick, log, add: (r) => results.push(r), match: values.match, profileArgs };

async function site(target: BenchTarget, bareIdleRssMiB: number): Promise<void> {
  log(`${target.dialect}: seeding ${size.accounts} accounts, ${size.followsEach} follows each, ${size.posts} posts`);
  await withSite(base, target, { label: target.dialect }, async (db) => {
    const info = await seed(db, size, (m) => log(`  ${m}`));
    seedSeconds[target.dialect] = Math.round(info.seconds * 10) / 10;
    log(`${target.dialect}: seeded in ${info.seconds.toFixed(1)} s`);
    return info;
  }, async ({ server, db }, info) => {
    const ctx: SiteContext = { ...base, target, seed: info, server, db, bareIdleRssMiB, scratchDir };
    if (only.has("timelines")) await timelines(ctx);
    if (only.has("viral")) await viral(ctx);
  });
}

async function main(): Promise<void> {
  const machine = machineInfo();
  log(`Weft bench, ${mode} mode, on ${machine.cpu} (${machine.cores} cores), Node ${machine.node}`);
  const { bareIdleRssMiB } = await memory({ ...base, add: (r) => only.has("memory") && results.push(r) });
  if (only.has("timelines") || only.has("viral")) {
    for (const target of targetsFromEnv(values.db as BenchDialect | undefined)) {
      try {
        await site(target, bareIdleRssMiB);
      } finally {
        await target.cleanup();
      }
    }
  }
  // The federation workloads each start from an empty site of their own: a fan-out's
  // deliveries still hanging on dead servers must not meet the inbox flood.
  for (const [name, run] of [["inbox", inbox], ["fanout", fanout]] as const) {
    if (!only.has(name)) continue;
    for (const target of targetsFromEnv(values.db as BenchDialect | undefined)) {
      try {
        await run(base, target);
      } finally {
        await target.cleanup();
      }
    }
  }
  const file: ResultsFile = { machine, mode, sizes: { ...size, seedSeconds }, results };
  writeResults(values.out!, file);
  console.log(formatTable(results));
  if (values.markdown) console.log(`\n${formatMarkdown(file)}`);
  log(`wrote ${path.relative(process.cwd(), values.out!) || values.out}`);
}

try {
  await main();
} finally {
  rmSync(scratchDir, { recursive: true, force: true });
}
