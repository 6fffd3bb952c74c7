// One query layer, two dialects: node:sqlite (the default, a file under the data dir) and
// PostgreSQL for larger sites. Built by the composition root, never at import time.
import fs from "node:fs";
import path from "node:path";
import { Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import { NodeSqliteDialect } from "./sqlite-dialect.ts";
import type { Database } from "./schema.ts";

export type Dialect = "sqlite" | "postgres";

export interface Db {
  readonly kysely: Kysely<Database>;
  readonly dialect: Dialect;
  /** The PostgreSQL pool, for LISTEN/NOTIFY; undefined on SQLite. */
  readonly pool?: pg.Pool;
  close(): Promise<void>;
}

export type Tx = Kysely<Database>;

/** int8 (bigint, count(*)) as a JS number: every such value here is a count or epoch ms. */
const pgTypes = {
  getTypeParser(oid: number, format?: string) {
    if (oid === 20) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format as never);
  },
};

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//.test(url);
}

export async function openDatabase(databaseUrl: string): Promise<Db> {
  if (isPostgresUrl(databaseUrl)) return openPostgres(databaseUrl);
  const file = databaseUrl === ":memory:" ? ":memory:" : databaseUrl.replace(/^sqlite:/, "");
  if (file !== ":memory:") fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const kysely = new Kysely<Database>({ dialect: new NodeSqliteDialect(file) });
  return { kysely, dialect: "sqlite", close: () => kysely.destroy() };
}

async function openPostgres(databaseUrl: string): Promise<Db> {
  // `?schema=name` keeps a site (or a test) in its own schema of a shared database.
  const url = new URL(databaseUrl);
  const schema = url.searchParams.get("schema");
  url.searchParams.delete("schema");
  if (schema !== null && !/^[a-z_][a-z0-9_]*$/.test(schema)) {
    throw new Error(`DATABASE_URL schema must be a plain lower-case identifier, got "${schema}"`);
  }
  const poolConfig: pg.PoolConfig = {
    connectionString: url.toString(),
    max: 10,
    types: pgTypes,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  };
  if (schema) {
    const admin = new pg.Client({ connectionString: url.toString() });
    await admin.connect();
    try {
      await admin.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    } finally {
      await admin.end();
    }
  }
  const pool = new pg.Pool(poolConfig);
  // An idle client losing its connection must not crash the process.
  pool.on("error", () => {});
  const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { kysely, dialect: "postgres", pool, close: () => kysely.destroy() };
}

/** Drops a test schema; refuses anything but the throwaway ones tests make. */
export async function dropSchema(databaseUrl: string, schema: string): Promise<void> {
  if (!/^weft_test_[a-z0-9_]+$/.test(schema)) throw new Error(`refusing to drop ${schema}`);
  const client = new pg.Client({ connectionString: databaseUrl.replace(/\?.*$/, "") });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}

export { sql };
