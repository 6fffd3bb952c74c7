// What every workload gets from the runner.
import type { BenchResult } from "../lib/results.ts";
import type { Child } from "../lib/procs.ts";
import type { SeedInfo } from "../lib/seed.ts";
import type { BenchTarget } from "../lib/targets.ts";
import type { Db } from "../../src/db/kysely.ts";

export interface Durations {
  warmupMs: number;
  measureMs: number;
}

export interface WorkloadContext {
  quick: boolean;
  /** Only the URLs/pages whose name contains this (for profiling one of them). */
  match?: string;
  log(msg: string): void;
  add(r: BenchResult): void;
  /** Node flags for a server child under test (--cpu-prof with --profile), by a file label. */
  profileArgs?(label: string): string[];
}

/** A seeded site with its server running in a child process. */
export interface SiteContext extends WorkloadContext {
  target: BenchTarget;
  seed: SeedInfo;
  server: Child;
  /** The bench process's own connection to the same database (for SQL ceilings, sessions). */
  db: Db;
  /** RSS of an idle bare Node process (MiB), the memory ceiling where no loaded one exists. */
  bareIdleRssMiB: number;
  /** Where the bench may write scratch files (recorded responses). */
  scratchDir: string;
}
