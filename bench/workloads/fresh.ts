// A site under test: migrations run by a built Weft, rows seeded directly through its db,
// then `weft serve` in a child process. The 1M-post site of the read workloads and the
// empty sites of the federation workloads (which also let Weft reach the fake fleet on
// loopback: WEFT_ALLOW_PRIVATE_ADDRESS) are both made here.
import { createWeft } from "../../src/app.ts";
import { loadConfig } from "../../src/config.ts";
import { openDatabase, type Db } from "../../src/db/kysely.ts";
import { startWeft, type Child } from "../lib/procs.ts";
import type { BenchTarget } from "../lib/targets.ts";
import type { WorkloadContext } from "./context.ts";

export interface FreshSite {
  target: BenchTarget;
  server: Child;
  /** The bench process's own connection to the site's database. */
  db: Db;
}

export async function withSite<T>(
  ctx: WorkloadContext,
  target: BenchTarget,
  opts: { label: string; env?: Record<string, string> },
  seed: (db: Db) => Promise<T>,
  run: (site: FreshSite, seeded: T) => Promise<void>,
): Promise<void> {
  const builder = await createWeft(loadConfig({ WEFT_DATA_DIR: target.dataDir, DATABASE_URL: target.databaseUrl, PORT: "0" }, { workers: false, logLevel: "error" }));
  let seeded: T;
  try {
    seeded = await seed(builder.db);
  } finally {
    await builder.close();
  }
  const db = await openDatabase(target.databaseUrl);
  let server: Child | null = null;
  try {
    server = await startWeft({
      dataDir: target.dataDir,
      databaseUrl: target.databaseUrl,
      nodeArgs: ctx.profileArgs?.(opts.label) ?? [],
      env: opts.env,
    });
    await run({ target, server, db }, seeded);
  } catch (err) {
    if (server) console.error(`--- server output ---\n${server.output()}`);
    throw err;
  } finally {
    await server?.stop();
    await db.close();
  }
}

/** An empty site whose server may fetch from and deliver to the fake fleet on loopback. */
export function withFederationSite<T>(ctx: WorkloadContext, target: BenchTarget, name: string, seed: (db: Db) => Promise<T>, run: (site: FreshSite, seeded: T) => Promise<void>): Promise<void> {
  return withSite(ctx, target, { label: `${name}-${target.dialect}`, env: { WEFT_ALLOW_PRIVATE_ADDRESS: "true" } }, seed, run);
}
