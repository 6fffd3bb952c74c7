// Summarises a .cpuprofile (from `npm run bench -- --profile`): where the server's CPU
// time went, as self time per function or per package/file, or inclusive time per package
// or per function; `timeline` prints busy time per second, to find a phase's window.
// WINDOW=a,b (seconds from the profile's start) limits any mode to that window.
// Frames in the bundle that `weft serve` runs (dist/cli.js, ADR 0011) are mapped back to
// their source file and line through the bundle's source map.
//   node scripts/cpuprofile-summary.ts bench/profiles/<file>.cpuprofile [fn|url|incl|incl-fn|timeline] [rows]
import { existsSync, readFileSync, statSync } from "node:fs";
import { SourceMap } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

const [file, mode = "fn", rowsArg = "40"] = process.argv.slice(2);
const MODES = ["fn", "url", "incl", "incl-fn", "timeline"];
if (!file || !MODES.includes(mode)) {
  console.error(`usage: [WINDOW=a,b] node scripts/cpuprofile-summary.ts <file.cpuprofile> [${MODES.join("|")}] [rows]`);
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;

// One SourceMap per bundled file met; frames get the original file, line and name (V8's
// profiler reports the minified name even where the bundle keeps `.name`).
const maps = new Map<string, SourceMap | null>();
function sourceMapOf(url: string): SourceMap | null {
  if (!maps.has(url)) {
    const mapFile = url.startsWith("file:") ? `${fileURLToPath(url)}.map` : "";
    const found = mapFile && existsSync(mapFile);
    if (found && statSync(mapFile).mtimeMs > statSync(file).mtimeMs) {
      console.error(`warning: ${mapFile} is newer than the profile (the bundle was rebuilt since): attributions may be wrong`);
    }
    maps.set(url, found ? new SourceMap(JSON.parse(readFileSync(mapFile, "utf8"))) : null);
  }
  return maps.get(url)!;
}
for (const n of profile.nodes) {
  const map = n.callFrame.url.endsWith("/dist/cli.js") ? sourceMapOf(n.callFrame.url) : null;
  const entry = map?.findEntry(n.callFrame.lineNumber, n.callFrame.columnNumber) as ({ originalSource: string; originalLine: number; name?: string } | undefined);
  if (!entry || !("originalSource" in entry)) continue;
  const bundleDir = path.dirname(fileURLToPath(n.callFrame.url));
  n.callFrame.url = pathToFileURL(path.resolve(bundleDir, entry.originalSource)).href;
  n.callFrame.lineNumber = entry.originalLine;
  if (entry.name) n.callFrame.functionName = entry.name;
}
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

// Microseconds spent with each node on top of the stack, within the window.
const [from, to] = (process.env.WINDOW ?? "0,1e9").split(",").map((v) => Number(v) * 1e6);
const self = new Map<number, number>();
const busyPerSecond: number[] = [];
let total = 0;
let at = 0;
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0;
  at += dt;
  if (at < from || at > to) return;
  self.set(id, (self.get(id) ?? 0) + dt);
  total += dt;
  if (byId.get(id)!.callFrame.functionName !== "(idle)") busyPerSecond[Math.floor(at / 1e6)] = (busyPerSecond[Math.floor(at / 1e6)] ?? 0) + dt;
});
if (mode === "timeline") {
  busyPerSecond.forEach((t, s) => console.log(`${String(s).padStart(4)} s  ${((100 * (t ?? 0)) / 1e6).toFixed(0).padStart(3)}% busy`));
  process.exit(0);
}

const shorten = (url: string) => url.replace(/^file:\/\/.*?node_modules\//, "npm:").replace(/^file:\/\/.*?\/(src|bench)\//, "$1/");
/** A package name for node_modules files, the file otherwise; idle, GC and native calls by name. */
const packageOf = (n: Node) => {
  const s = shorten(n.callFrame.url);
  if (!s) return n.callFrame.functionName.startsWith("(") ? n.callFrame.functionName : `(native) ${n.callFrame.functionName}`;
  if (!s.startsWith("npm:")) return s;
  return s.split("/").slice(0, s.startsWith("npm:@") ? 2 : 1).join("/");
};
const fnKey = (n: Node) => `${n.callFrame.functionName || "(anonymous)"} ${shorten(n.callFrame.url)}:${n.callFrame.lineNumber}`;

const totals = new Map<string, number>();
for (const [id, t] of self) {
  if (mode === "incl" || mode === "incl-fn") {
    // Each package (function) counted once per sample, however deep it recurses.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const k = mode === "incl" ? packageOf(byId.get(cur)!) : fnKey(byId.get(cur)!);
      if (!seen.has(k)) totals.set(k, (totals.get(k) ?? 0) + t);
      seen.add(k);
    }
  } else {
    const n = byId.get(id)!;
    const k = mode === "url" ? packageOf(n) : fnKey(n);
    totals.set(k, (totals.get(k) ?? 0) + t);
  }
}
for (const [k, t] of [...totals].sort((a, b) => b[1] - a[1]).slice(0, Number(rowsArg))) {
  console.log(`${((100 * t) / total).toFixed(1).padStart(5)}%  ${k}`);
}
console.log(`total ${(total / 1000).toFixed(0)} ms sampled`);
