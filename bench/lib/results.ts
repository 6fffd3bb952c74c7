// The results file and the printed table. Every figure sits beside a ceiling measured in
// the same run on the same machine; `ratio` says how close Weft comes to it, always as
// "fraction of the ceiling achieved" so that 1 means as good as the ceiling:
//   higher-is-better metrics (requests/s): ratio = value / ceiling
//   lower-is-better metrics (ms, MiB):     ratio = ceiling / value
import { writeFileSync } from "node:fs";
import os from "node:os";
import { round } from "./stats.ts";

export type Better = "higher" | "lower";

export interface BenchResult {
  workload: string;
  metric: string;
  value: number;
  unit: string;
  ceiling: number;
  ratio: number;
  /** What the ceiling is, in a few words. */
  ceilingIs: string;
  better: Better;
  /** The goal from the issue, when it names one (same unit as value). */
  target?: { value?: number; ratio?: number };
  /** Whether the target was met; absent when there is none. */
  met?: boolean;
  dialect?: string;
}

export interface Machine {
  cpu: string;
  cores: number;
  node: string;
  date: string;
  memoryGiB: number;
  platform: string;
  /** 1-minute load average when the run started: other work on the machine skews figures. */
  loadAverage: number;
}

export interface ResultsFile {
  machine: Machine;
  mode: "quick" | "full";
  sizes: Record<string, unknown>;
  results: BenchResult[];
}

export function machineInfo(): Machine {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? "unknown",
    cores: cpus.length,
    node: process.version,
    date: new Date().toISOString(),
    memoryGiB: round(os.totalmem() / 2 ** 30, 1),
    platform: `${os.platform()} ${os.release()}`,
    loadAverage: round(os.loadavg()[0], 2),
  };
}

export function result(r: Omit<BenchResult, "ratio" | "met"> & { target?: BenchResult["target"] }): BenchResult {
  const ratio = r.better === "higher" ? r.value / r.ceiling : r.ceiling / r.value;
  let met: boolean | undefined;
  if (r.target) {
    met = true;
    if (r.target.value !== undefined) met &&= r.better === "higher" ? r.value >= r.target.value : r.value <= r.target.value;
    if (r.target.ratio !== undefined) met &&= ratio >= r.target.ratio;
  }
  return { ...r, value: round(r.value), ceiling: round(r.ceiling), ratio: round(ratio, 3), ...(met === undefined ? {} : { met }) };
}

export function writeResults(file: string, data: ResultsFile): void {
  writeFileSync(file, JSON.stringify(data, null, 2) + "\n");
}

export function formatTable(results: BenchResult[]): string {
  const head = ["workload", "metric", "value", "ceiling", "ratio", "target", ""];
  const rows = results.map((r) => [
    r.workload,
    r.metric,
    `${r.value} ${r.unit}`,
    `${r.ceiling} ${r.unit}`,
    r.ratio.toFixed(3),
    [r.target?.value !== undefined ? `${r.better === "higher" ? ">=" : "<"} ${r.target.value} ${r.unit}` : "", r.target?.ratio !== undefined ? `ratio >= ${r.target.ratio}` : ""]
      .filter(Boolean)
      .join(", "),
    r.met === undefined ? "" : r.met ? "ok" : "MISSED",
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
  return [line(head), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

/** The same table as markdown, for reports and issues. */
export function formatMarkdown(data: ResultsFile): string {
  const m = data.machine;
  const out = [`Weft bench (${data.mode}) ${m.date}: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}, load average ${m.loadAverage} at start`, ""];
  out.push("| workload | metric | value | ceiling | ratio | target met |", "|---|---|---|---|---|---|");
  for (const r of data.results) {
    out.push(`| ${r.workload} | ${r.metric} | ${r.value} ${r.unit} | ${r.ceiling} ${r.unit} (${r.ceilingIs}) | ${r.ratio} | ${r.met === undefined ? "" : r.met ? "yes" : "no"} |`);
  }
  return out.join("\n");
}
