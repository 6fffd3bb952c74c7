// `weft db copy --to <url>`: moves a site from one database to another (SQLite to
// PostgreSQL, usually). The target is migrated to the same schema, every table is copied in
// foreign-key order, then each table is verified by row count and an order-independent
// checksum computed the same way on both sides (the storage conventions of ADR 2 make
// values compare equal across dialects).
import { createHash } from "node:crypto";
import { sql, type Kysely } from "kysely";
import type { Db } from "./kysely.ts";
import { migrate } from "./migrate.ts";

const BATCH = 500;
const SKIP = new Set(["kysely_migration", "kysely_migration_lock"]);
/** Kept by the target's triggers while the rows they count are copied: verified, not copied. */
const DERIVED = new Set(["account_stats"]);

export interface TableReport {
  table: string;
  rows: number;
  checksum: string;
  verified: boolean;
}

async function tableNames(db: Db): Promise<string[]> {
  const tables = await db.kysely.introspection.getTables();
  return tables.map((t) => t.name).filter((n) => !SKIP.has(n));
}

/** Parent tables first, from the target's foreign keys. */
async function foreignKeys(db: Db): Promise<Map<string, Set<string>>> {
  const deps = new Map<string, Set<string>>();
  for (const t of await tableNames(db)) deps.set(t, new Set());
  if (db.dialect === "sqlite") {
    for (const t of deps.keys()) {
      const r = await sql<{ table: string }>`SELECT "table" FROM pragma_foreign_key_list(${t})`.execute(db.kysely);
      for (const row of r.rows) if (row.table !== t) deps.get(t)!.add(row.table);
    }
  } else {
    const r = await sql<{ child: string; parent: string }>`
      SELECT tc.table_name AS child, ccu.table_name AS parent
      FROM information_schema.table_constraints tc
      JOIN information_schema.constraint_column_usage ccu
        ON tc.constraint_name = ccu.constraint_name AND tc.constraint_schema = ccu.constraint_schema
      WHERE tc.constraint_type = 'FOREIGN KEY' AND tc.table_schema = current_schema()`.execute(db.kysely);
    for (const row of r.rows) if (row.child !== row.parent) deps.get(row.child)?.add(row.parent);
  }
  return deps;
}

function topoOrder(deps: Map<string, Set<string>>): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const visit = (t: string) => {
    if (seen.has(t)) return;
    seen.add(t);
    for (const p of deps.get(t) ?? []) visit(p);
    out.push(t);
  };
  for (const t of [...deps.keys()].sort()) visit(t);
  return out;
}

function normalize(v: unknown): string {
  if (v === null || v === undefined) return "\u0000null";
  if (v instanceof Date) return v.toISOString();
  if (typeof v === "bigint" || typeof v === "number") return String(Number(v));
  return String(v);
}

/** Sum of per-row SHA-256 prefixes mod 2^64: independent of row order and collation. */
async function checksum(db: Kysely<any>, table: string): Promise<{ rows: number; checksum: string }> {
  let sum = 0n;
  let rows = 0;
  for (let offset = 0; ; offset += BATCH) {
    const batch = await db.selectFrom(table).selectAll().orderBy(sql`1`).limit(BATCH).offset(offset).execute();
    for (const row of batch) {
      const keys = Object.keys(row).sort();
      const h = createHash("sha256").update(keys.map((k) => `${k}=${normalize(row[k])}`).join("\u0001")).digest();
      sum = (sum + h.readBigUInt64BE(0)) & 0xffffffffffffffffn;
      rows++;
    }
    if (batch.length < BATCH) break;
  }
  return { rows, checksum: sum.toString(16).padStart(16, "0") };
}

export async function copyDatabase(source: Db, target: Db, log: (line: string) => void = () => {}): Promise<TableReport[]> {
  await migrate(source.kysely);
  await migrate(target.kysely);
  const order = topoOrder(await foreignKeys(target));
  const sourceTables = new Set(await tableNames(source));
  for (const t of order) {
    if (!sourceTables.has(t) || DERIVED.has(t)) continue;
    const existing = await target.kysely.selectFrom(t as never).select(sql<number>`count(*)`.as("n")).executeTakeFirstOrThrow();
    if (Number((existing as { n: number }).n) > 0 && t !== "site_settings") {
      throw new Error(`the target's table ${t} is not empty: copy only into a new, empty database`);
    }
  }
  // One transaction: a failed copy leaves the target as it was.
  await target.kysely.transaction().execute(async (tx) => {
    await tx.deleteFrom("site_settings").execute();
    for (const t of order) {
      if (!sourceTables.has(t) || DERIVED.has(t)) continue;
      let copied = 0;
      for (let offset = 0; ; offset += BATCH) {
        const batch = await source.kysely.selectFrom(t as never).selectAll().orderBy(sql`1`).limit(BATCH).offset(offset).execute();
        if (batch.length) await tx.insertInto(t as never).values(batch as never).execute();
        copied += batch.length;
        if (batch.length < BATCH) break;
      }
      log(`copied ${t}: ${copied} rows`);
    }
  });
  const reports: TableReport[] = [];
  for (const t of order) {
    if (!sourceTables.has(t)) continue;
    const [a, b] = await Promise.all([checksum(source.kysely, t), checksum(target.kysely, t)]);
    reports.push({ table: t, rows: a.rows, checksum: a.checksum, verified: a.rows === b.rows && a.checksum === b.checksum });
  }
  return reports;
}
