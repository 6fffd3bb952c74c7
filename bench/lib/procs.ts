// Servers under test run in CHILD processes, so the load generator and the server do not
// share one event loop (they still share the machine's cores: see bench/README.md).
// Here: spawning `weft serve` and the bare node:http ceiling server, waiting for the
// first 200 on /health, sampling a child's resident memory from /proc.
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { BARE_SERVER_JS } from "./bare.ts";

export const ROOT = path.resolve(import.meta.dirname, "..", "..");

export interface Child {
  proc: ChildProcess;
  pid: number;
  origin: string;
  port: number;
  /** Milliseconds from spawn() to the first 200 answer on /health. */
  startMs: number;
  /** The last output of the child, for error messages. */
  output(): string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function getStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", () => resolve(0));
    req.setTimeout(2000, () => req.destroy());
  });
}

async function startChild(args: string[], env: NodeJS.ProcessEnv, port: number, timeoutMs: number): Promise<Child> {
  const origin = `http://127.0.0.1:${port}`;
  let out = "";
  const t0 = performance.now();
  const proc = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  const keep = (b: Buffer) => {
    out = (out + b.toString("utf8")).slice(-8000);
  };
  proc.stdout!.on("data", keep);
  proc.stderr!.on("data", keep);
  let exited = false;
  const exit = new Promise<void>((r) => proc.once("exit", () => ((exited = true), r())));
  let startMs = NaN;
  while (performance.now() - t0 < timeoutMs) {
    if (exited) break;
    if ((await getStatus(`${origin}/health`)) === 200) {
      startMs = performance.now() - t0;
      break;
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  const stop = async () => {
    if (exited) return;
    proc.kill("SIGTERM");
    const killer = setTimeout(() => proc.kill("SIGKILL"), 10_000);
    await exit;
    clearTimeout(killer);
  };
  if (!Number.isFinite(startMs)) {
    await stop();
    throw new Error(`${args.join(" ")} did not answer /health within ${timeoutMs} ms:\n${out}`);
  }
  return { proc, pid: proc.pid!, origin, port, startMs, output: () => out, stop };
}

export interface WeftChildOptions {
  dataDir: string;
  databaseUrl: string;
  /** Extra node flags, e.g. --cpu-prof for profiling. */
  nodeArgs?: string[];
  /** Extra environment, e.g. WEFT_ALLOW_PRIVATE_ADDRESS for a fleet on loopback. */
  env?: Record<string, string>;
}

/**
 * The environment and Node flags of `npm start` (package.json), so the bench measures the
 * process an operator runs: `[NAME=value ...] exec node <flags> bin/weft.js serve`.
 */
function startCommand(): { env: Record<string, string>; flags: string[] } {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: { start: string } };
  const m = /^((?:\w+=\S+\s+)*)exec node((?:\s+--\S+)*)\s+bin\/weft\.js serve$/.exec(pkg.scripts.start);
  if (!m) throw new Error(`bench: cannot read the environment and node flags of "npm start": ${pkg.scripts.start}`);
  const words = (s: string) => s.trim().split(/\s+/).filter(Boolean);
  return { env: Object.fromEntries(words(m[1]).map((w) => [w.slice(0, w.indexOf("=")), w.slice(w.indexOf("=") + 1)])), flags: words(m[2]) };
}

/** `node <npm start's flags> bin/weft.js serve` with its own data dir, database, port and origin. */
export async function startWeft(opts: WeftChildOptions): Promise<Child> {
  const port = await freePort();
  const start = startCommand();
  const env: NodeJS.ProcessEnv = {
    ...start.env,
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    WEFT_DATA_DIR: opts.dataDir,
    DATABASE_URL: opts.databaseUrl,
    PORT: String(port),
    WEFT_ORIGIN: `http://127.0.0.1:${port}`,
    WEFT_LISTEN_HOST: "127.0.0.1",
    // Logging every request would measure the terminal, not Weft.
    WEFT_LOG_LEVEL: "warning",
    ...opts.env,
  };
  return startChild([...start.flags, ...(opts.nodeArgs ?? []), path.join(ROOT, "bin", "weft.js"), "serve"], env, port, 60_000);
}

/**
 * The ceiling server: a bare node:http process (no framework, no database) that answers
 * recorded responses byte for byte, and /health. With no file it is the idle bare Node
 * process used as the memory and start-time ceiling.
 */
export async function startBare(responsesFile?: string): Promise<Child> {
  const port = await freePort();
  const args = ["-e", BARE_SERVER_JS];
  if (responsesFile) args.push(responsesFile);
  return startChild(args, { PATH: process.env.PATH, PORT: String(port) }, port, 20_000);
}

/** A bench script (a ceiling server) as a child process that answers /health on PORT. */
export async function startScript(file: string, env: Record<string, string>, nodeArgs: string[] = []): Promise<Child> {
  const port = await freePort();
  return startChild([...nodeArgs, file], { PATH: process.env.PATH, HOME: process.env.HOME, ...env, PORT: String(port) }, port, 20_000);
}

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name (which may hold spaces) start at field 3: utime and stime
  // are fields 14 and 15, in clock ticks (100 per second on Linux).
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * Waits until `pid` has used less than a tenth of a core over 200 ms (at most `maxMs`):
 * work a server does after a phase's last answer (a WAL checkpoint on a thread of its
 * own, a JIT compile) must not run beside the next phase's server and slow it.
 */
export async function settled(pid: number, maxMs = 10_000): Promise<void> {
  const end = performance.now() + maxMs;
  let before = cpuSeconds(pid);
  while (performance.now() < end) {
    await new Promise((r) => setTimeout(r, 200));
    const now = cpuSeconds(pid);
    if (now - before < 0.02) return;
    before = now;
  }
}

/** Resident set size now (VmRSS) and its high-water mark (VmHWM), in MiB. */
export function readRss(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
  return { rss: kb("VmRSS") / 1024, hwm: kb("VmHWM") / 1024 };
}

/** Samples a child's RSS every `everyMs` until stopped; returns the peak seen (MiB). */
export function sampleRss(pid: number, everyMs = 20): { stop(): number } {
  let peak = NaN;
  // A child spawned a moment ago may not show VmRSS yet (NaN), and one that exited has no
  // /proc entry: both keep the peak seen so far.
  const sample = () => {
    try {
      const { rss } = readRss(pid);
      if (!Number.isNaN(rss)) peak = Number.isNaN(peak) ? rss : Math.max(peak, rss);
    } catch {}
  };
  sample();
  // Never what keeps the bench alive: a workload that throws before stop() still exits.
  const timer = setInterval(sample, everyMs).unref();
  return {
    stop() {
      clearInterval(timer);
      sample();
      return peak;
    },
  };
}
