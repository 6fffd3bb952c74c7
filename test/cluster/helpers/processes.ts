// Real Weft processes for the cluster tests: `node bin/weft.js serve [--no-workers]` and
// `node bin/weft.js worker` as child processes sharing one database, plus a Weft built in
// the test process over the same database (never started: no worker) for setup and checks.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { createWeft, type Weft } from "../../../src/app.ts";
import { dropSchema, type Db } from "../../../src/db/kysely.ts";
import { countJobs } from "../../../src/jobs/queue.ts";
import { MEDIA_PURGE_QUEUE } from "../../../src/media/housekeeping.ts";
import { loadConfig } from "../../../src/config.ts";
import { TEST_PG_URL } from "../../helpers/server.ts";

const root = path.resolve(import.meta.dirname, "../../..");

/**
 * Jobs still to do: everything in the jobs table but the hourly media clean-up, which is
 * always waiting for its next hour (src/media/housekeeping.ts).
 */
export async function workLeft(db: Db): Promise<number> {
  return (await countJobs(db)) - (await countJobs(db, MEDIA_PURGE_QUEUE));
}

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export async function waitFor(what: string, cond: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export interface WeftProcess {
  name: string;
  child: ChildProcess;
  /** http://127.0.0.1:<port> for web processes. */
  url: string | null;
  output(): string;
  exited: Promise<number | null>;
  kill(signal: NodeJS.Signals): Promise<number | null>;
}

export interface Site {
  /** The database every process shares: a fresh PostgreSQL schema, or an SQLite file. */
  databaseUrl: string;
  /** The canonical origin (the first web process's address, as a proxy would present it). */
  origin: string;
  /** A Weft in the test process over the same database, for setup and checks (no worker). */
  weft: Weft;
  env: Record<string, string>;
  processes: WeftProcess[];
  /** `weft serve --no-workers` (or with workers when `workers` is set). */
  web(name: string, opts?: { workers?: boolean; port?: number }): Promise<WeftProcess>;
  worker(name: string): Promise<WeftProcess>;
  close(): Promise<void>;
}

/** A site for child processes; on PostgreSQL a throwaway schema, on SQLite a file (one process). */
export async function startSite(extraEnv: Record<string, string> = {}): Promise<Site> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "weft-cluster-"));
  const schema = `weft_test_${randomBytes(6).toString("hex")}`;
  const databaseUrl = TEST_PG_URL ? `${TEST_PG_URL}${TEST_PG_URL.includes("?") ? "&" : "?"}schema=${schema}` : `sqlite:${path.join(dir, "weft.sqlite")}`;
  const originPort = await freePort();
  const origin = `http://127.0.0.1:${originPort}`;
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    DATABASE_URL: databaseUrl,
    WEFT_ORIGIN: origin,
    WEFT_DATA_DIR: dir,
    WEFT_LISTEN_HOST: "127.0.0.1",
    WEFT_ALLOW_PRIVATE_ADDRESS: "true",
    // info: a worker says when it has started (it has no port to poll).
    WEFT_LOG_LEVEL: "info",
    WEFT_API_RATE_LIMIT: "0",
    // A killed worker's jobs are taken over after 1.5 s instead of a minute.
    WEFT_JOB_LEASE_MS: "1500",
    ...extraEnv,
  };
  // Migrates the schema once, before any child starts, and serves setup and checks.
  const weft = await createWeft(loadConfig(env, { logLevel: "error" }));
  const processes: WeftProcess[] = [];

  const spawnWeft = async (name: string, args: string[], port: number | null): Promise<WeftProcess> => {
    const child = spawn(process.execPath, [path.join(root, "bin/weft.js"), ...args], {
      env: { ...env, PORT: String(port ?? 0) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout!.on("data", (d) => (out += d));
    child.stderr!.on("data", (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    let done = false;
    void exited.then(() => (done = true));
    const p: WeftProcess = {
      name,
      child,
      url: port ? `http://127.0.0.1:${port}` : null,
      output: () => out,
      exited,
      async kill(signal) {
        if (!done) child.kill(signal);
        return exited;
      },
    };
    processes.push(p);
    if (port) {
      // Generous: on a loaded 2-core CI machine a Node process takes seconds to start.
      await waitFor(`${name} to answer /health`, async () => {
        if (done) throw new Error(`${name} exited: ${out}`);
        try {
          return (await fetch(`${p.url}/health`)).ok;
        } catch {
          return false;
        }
      }, 45_000);
    } else {
      // A worker has no port: its JSON log says when it runs (logged after the worker started).
      await waitFor(`${name} to start`, () => {
        if (done) throw new Error(`${name} exited: ${out}`);
        return /worker started/.test(out);
      }, 45_000);
    }
    return p;
  };

  return {
    databaseUrl,
    origin,
    weft,
    env,
    processes,
    // The first web process listens on the origin's port; others on their own (as behind a proxy).
    web: async (name, opts = {}) => {
      const port = opts.port ?? (processes.some((p) => p.url === origin) ? await freePort() : originPort);
      return spawnWeft(name, ["serve", ...(opts.workers ? [] : ["--no-workers"])], port);
    },
    worker: (name) => spawnWeft(name, ["worker"], null),
    async close() {
      await Promise.all(processes.map((p) => p.kill("SIGKILL")));
      await weft.close();
      if (TEST_PG_URL) await dropSchema(TEST_PG_URL, schema);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
