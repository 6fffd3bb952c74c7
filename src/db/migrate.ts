// Forward-only migrations, applied at start (and by `weft migrate`). The list is static:
// no directory scan, so the set that runs is exactly the set that was reviewed.
import { Migrator, type Migration, type MigrationProvider } from "kysely/migration";
import { PostgresAdapter, SqliteAdapter, sql, type Kysely } from "kysely";
import * as m0001 from "./migrations/0001-core.ts";
import * as m0002 from "./migrations/0002-federation.ts";
import * as m0003 from "./migrations/0003-oauth.ts";
import * as m0004 from "./migrations/0004-media.ts";
import * as m0005 from "./migrations/0005-video.ts";
import * as m0006 from "./migrations/0006-notification-filter.ts";
import * as m0007 from "./migrations/0007-account-stats.ts";
import * as m0008 from "./migrations/0008-job-claim-order.ts";
import * as m0009 from "./migrations/0009-job-claim-per-queue.ts";
import * as m0010 from "./migrations/0010-sparse-post-indexes.ts";
import * as m0011 from "./migrations/0011-follows-by-follower.ts";
import * as m0012 from "./migrations/0012-shared-job-payloads.ts";

const migrations: Record<string, Migration> = {
  "0001-core": m0001,
  "0002-federation": m0002,
  "0003-oauth": m0003,
  "0004-media": m0004,
  "0005-video": m0005,
  "0006-notification-filter": m0006,
  "0007-account-stats": m0007,
  "0008-job-claim-order": m0008,
  "0009-job-claim-per-queue": m0009,
  "0010-sparse-post-indexes": m0010,
  "0011-follows-by-follower": m0011,
  "0012-shared-job-payloads": m0012,
};

class StaticProvider implements MigrationProvider {
  readonly #set: Record<string, Migration>;
  constructor(set: Record<string, Migration>) {
    this.#set = set;
  }
  async getMigrations(): Promise<Record<string, Migration>> {
    return this.#set;
  }
}

export async function migrate(db: Kysely<any>): Promise<string[]> {
  return applyMigrations(db, migrations);
}

/** Applies a set of migrations: the list above, or (tests building an older site) its first few. */
export async function applyMigrations(db: Kysely<any>, set: Record<string, Migration>): Promise<string[]> {
  // Unless told a schema, Kysely's Migrator looks for its bookkeeping tables in *every*
  // schema: with several sites (or concurrent test runs) in one PostgreSQL database it
  // then sees another schema's kysely_migration_lock and never creates its own. Name the
  // schema in use (public by default, or the one from `?schema=`).
  let migrationTableSchema: string | undefined;
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    const r = await sql<{ s: string }>`SELECT current_schema() AS s`.execute(db);
    migrationTableSchema = r.rows[0]?.s ?? undefined;
  }
  const migrator = new Migrator({ db, provider: new StaticProvider(set), ...(migrationTableSchema ? { migrationTableSchema } : {}) });
  let { error, results } = await migrator.migrateToLatest();
  // Kysely's introspection scans the tables of every schema; another schema dropped at that
  // moment (a finished test's cleanup, another site's removal) fails it with 3F000 "schema
  // ... does not exist" or 42P01 "relation ... does not exist". Nothing was applied
  // (PostgreSQL migrations are transactional): try again.
  for (let attempt = 1; error && attempt < 5 && vanishedDuringIntrospection(error); attempt++) {
    await new Promise((r) => setTimeout(r, 50 * attempt));
    ({ error, results } = await migrator.migrateToLatest());
  }
  if (error) {
    const failed = results?.find((r) => r.status === "Error");
    throw new Error(`migration ${failed?.migrationName ?? "?"} failed: ${String(error)}`, { cause: error });
  }
  const applied = (results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName);
  // SQLite checkpoints its WAL only every 10,000 pages (sqlite-dialect.ts): the pages the
  // migrations wrote would stay in the WAL and cost an idle server 3-4 MiB more (measured).
  // A checkpoint held up by another process waits at most the busy timeout, then reports
  // busy (a result row, not an error), and the WAL is checkpointed later as usual.
  if (applied.length > 0 && db.getExecutor().adapter instanceof SqliteAdapter) await sql`PRAGMA wal_checkpoint(TRUNCATE)`.execute(db);
  return applied;
}

function vanishedDuringIntrospection(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return code === "3F000" || code === "42P01";
}
