// Runs the benchmark harness in quick mode, so it cannot rot: every workload must run
// against a real `weft serve` child and its ceilings, and the results file must hold every
// expected figure with its ceiling and ratio. No timing thresholds: this machine's load
// during the suite says nothing about Weft.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { TEST_PG_URL } from "../helpers/server.ts";
import type { ResultsFile } from "../../bench/lib/results.ts";

const root = path.resolve(import.meta.dirname, "..", "..");

function runBench(out: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    // The suite runs once per dialect; so does the harness (the memory workload always
    // starts a fresh SQLite site).
    const child = spawn(process.execPath, ["bench/run.ts", "--quick", `--out=${out}`, `--db=${TEST_PG_URL ? "postgres" : "sqlite"}`], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: "", WEFT_BENCH_DATABASE_URL: TEST_PG_URL },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (b) => (output += b));
    child.stderr.on("data", (b) => (output += b));
    child.on("exit", (code) => resolve({ code, output }));
  });
}

test("npm run bench -- --quick measures every workload beside its ceiling", { timeout: 240_000 }, async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "weft-bench-test-"));
  try {
    const out = path.join(dir, "results.json");
    const run = await runBench(out);
    assert.equal(run.code, 0, run.output);
    const data = JSON.parse(readFileSync(out, "utf8")) as ResultsFile;

    assert.equal(data.mode, "quick");
    assert.ok(data.machine.cpu.length > 0);
    assert.ok(data.machine.cores >= 1);
    assert.match(data.machine.node, /^v\d+\./);
    assert.ok(Number.isFinite(Date.parse(data.machine.date)));

    const dialects = [TEST_PG_URL ? "postgres" : "sqlite"];
    const expected = [
      "memory-start / start to first 200 on /health",
      "memory-start / RSS idle after start",
      ...dialects.flatMap((d) => [
        ...["following page", "API home timeline"].flatMap((p) => [
          `timelines / ${p} p50 (${d})`,
          `timelines / ${p} p99 (${d})`,
          `timelines / server peak RSS, ${p} (${d})`,
        ]),
        ...["profile page", "post page", "WebFinger", "actor", "Note"].flatMap((u) => [
          `viral-read-burst / ${u} requests/s (${d})`,
          `viral-read-burst / ${u} p99 (${d})`,
        ]),
        `viral-read-burst / server peak RSS (${d})`,
        ...["warm", "cold"].flatMap((k) => [
          `inbox-flood / ${k} keys: activities verified, stored and answered/s (${d})`,
          `inbox-flood / ${k} keys: answered (202)/s (${d})`,
          `inbox-flood / ${k} keys: p99, open loop at half of Weft's capacity (${d})`,
          `inbox-flood / ${k} keys: server CPU per activity (${d})`,
        ]),
        `inbox-flood / cold keys: stored/s against a ceiling that fetches keys too (${d})`,
        `inbox-flood / cold keys: server CPU per activity against a ceiling that fetches keys too (${d})`,
        `inbox-flood / activities stored exactly once (${d})`,
        `inbox-flood / server peak RSS (${d})`,
        ...["all live", "20% dead"].flatMap((s) =>
          ["50% acknowledged", "99% acknowledged", "100% acknowledged", "live servers acknowledged", "Weft CPU time until 100%", "posting request", "server peak RSS until 100%"].map((m) => `fanout / ${s}: ${m} (${d})`),
        ),
      ]),
    ];
    assert.deepEqual(data.results.map((r) => `${r.workload} / ${r.metric}`).sort(), expected.sort());

    for (const r of data.results) {
      const name = `${r.workload} / ${r.metric}`;
      // A share of servers reached may be 0 (all deliveries stuck): a figure, not a failure.
      assert.ok(Number.isFinite(r.value) && (r.value > 0 || r.unit === "%"), `${name}: value ${r.value}`);
      assert.ok(Number.isFinite(r.ceiling) && r.ceiling > 0, `${name}: ceiling ${r.ceiling}`);
      assert.ok(r.unit && r.ceilingIs, `${name}: unit and ceiling description`);
      // The ratio is "fraction of the ceiling achieved", whichever way the metric points.
      const ratio = r.better === "higher" ? r.value / r.ceiling : r.ceiling / r.value;
      assert.ok(Math.abs(r.ratio - ratio) <= 0.002 + ratio * 0.01, `${name}: ratio ${r.ratio}, expected ${ratio}`);
      if (r.target) assert.equal(typeof r.met, "boolean", `${name}: target verdict`);
    }
    // Figures in the right units: throughput against the bare server, memory in MiB.
    for (const r of data.results.filter((x) => x.unit === "req/s")) assert.equal(r.better, "higher");
    for (const r of data.results.filter((x) => x.unit === "ms" || x.unit === "MiB")) assert.equal(r.better, "lower");
    // The inbox flood's no-loss check held: every activity sent was stored exactly once.
    for (const r of data.results.filter((x) => x.metric.startsWith("activities stored exactly once"))) {
      assert.equal(r.value, 100, `${r.metric}`);
      assert.equal(r.met, true);
    }
    assert.match(run.output, /workload\s+metric\s+value\s+ceiling\s+ratio/, "prints the table");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
