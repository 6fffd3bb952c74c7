// WAL checkpoints on their own thread (src/db/sqlite-checkpointer.ts): once a server has
// written a few hundred transactions, the WAL's pages reach the database file without the
// main connection copying them (its own checkpoint waits for 10,000 pages).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql } from "kysely";
import { openDatabase, type Db } from "../../src/db/kysely.ts";

const PAGE = 4096;

async function until(check: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}

/** A fresh SQLite database with a table `t`, closed and removed afterwards. */
async function withTable(run: (db: Db, file: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), "weft-ckpt-"));
  const file = path.join(dir, "weft.sqlite");
  const db = await openDatabase(`sqlite:${file}`);
  try {
    await sql`CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT NOT NULL)`.execute(db.kysely);
    await run(db, file);
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `n` transactions, each adding a row three pages long. */
async function commit(db: Db, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await db.kysely.transaction().execute((tx) => sql`INSERT INTO t (body) VALUES (${"x".repeat(3 * PAGE)})`.execute(tx));
}

test("after a few hundred commits, a thread copies the WAL into the database file", async () => {
  await withTable(async (db, file) => {
    const before = statSync(file).size;
    const rows = 400;
    await commit(db, rows);
    // 400 commits of 3-4 pages each stay far under the main connection's 10,000 pages:
    // only the thread's checkpoints can have put them into the file.
    const copied = await until(() => statSync(file).size - before >= rows * 3 * PAGE, 5_000);
    assert.ok(copied, `the database file grew by ${statSync(file).size - before} bytes, expected at least ${rows * 3 * PAGE}`);
    const count = await sql<{ n: number }>`SELECT COUNT(*) AS n FROM t`.execute(db.kysely);
    assert.equal(Number(count.rows[0].n), rows);
  });
});

test("a database with fewer commits than the thread's threshold gets no thread: its WAL stays until the main connection checkpoints", async () => {
  await withTable(async (db, file) => {
    const before = statSync(file).size;
    await commit(db, 100);
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(statSync(file).size, before, "nothing copied: no thread started");
  });
});
