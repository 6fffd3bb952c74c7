// Where a run's databases live: a SQLite file in a temporary data dir always, and a
// throwaway PostgreSQL schema when WEFT_BENCH_DATABASE_URL (or DATABASE_URL) names a
// server. Both are removed when the run ends.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { isPostgresUrl } from "../../src/db/kysely.ts";

export type BenchDialect = "sqlite" | "postgres";

export interface BenchTarget {
  dialect: BenchDialect;
  /** WEFT_DATA_DIR of the server under test. */
  dataDir: string;
  databaseUrl: string;
  cleanup(): Promise<void>;
}

export function postgresUrlFromEnv(env = process.env): string | null {
  const url = env.WEFT_BENCH_DATABASE_URL || env.DATABASE_URL || "";
  return isPostgresUrl(url) ? url : null;
}

export function tempDir(prefix: string): string {
  return mkdtempSync(path.join(os.tmpdir(), `weft-bench-${prefix}-`));
}

export function sqliteTarget(): BenchTarget {
  const dataDir = tempDir("sqlite");
  return {
    dialect: "sqlite",
    dataDir,
    databaseUrl: `sqlite:${path.join(dataDir, "weft.sqlite")}`,
    async cleanup() {
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function postgresTarget(serverUrl: string): BenchTarget {
  const schema = `weft_bench_${randomBytes(5).toString("hex")}`;
  const base = serverUrl.replace(/\?.*$/, "");
  const dataDir = tempDir("pg");
  return {
    dialect: "postgres",
    dataDir,
    databaseUrl: `${base}?schema=${schema}`,
    async cleanup() {
      rmSync(dataDir, { recursive: true, force: true });
      await dropBenchSchema(base, schema);
    },
  };
}

async function dropBenchSchema(serverUrl: string, schema: string): Promise<void> {
  // Only ever the schemas this harness made.
  if (!/^weft_bench_[a-z0-9]+$/.test(schema)) throw new Error(`refusing to drop ${schema}`);
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}

export function targetsFromEnv(only?: BenchDialect): BenchTarget[] {
  const out: BenchTarget[] = [];
  if (only !== "postgres") out.push(sqliteTarget());
  const pgUrl = postgresUrlFromEnv();
  if (pgUrl && only !== "sqlite") out.push(postgresTarget(pgUrl));
  if (only === "postgres" && !pgUrl) throw new Error("--db=postgres needs WEFT_BENCH_DATABASE_URL or DATABASE_URL");
  return out;
}
