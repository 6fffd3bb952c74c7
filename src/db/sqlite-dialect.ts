// Kysely over node:sqlite (built into Node 24): no native addon to build against the
// machine's older Node headers. Kysely's own SqliteDriver hands every caller the same
// connection at once; with async code between statements, two transactions would then
// interleave ("cannot start a transaction within a transaction"), so this driver gives the
// one connection to one caller at a time.
import { DatabaseSync, type StatementSync } from "node:sqlite";
import {
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  type QueryResult,
} from "kysely";
import { WalCheckpointer } from "./sqlite-checkpointer.ts";

const STATEMENT_CACHE_SIZE = 500;

function checkBindable(value: unknown): void {
  // node:sqlite reads an object as the first parameter as a map of named parameters and
  // then silently matches nothing: refuse anything that is not a plain SQL value.
  if (
    value === null ||
    typeof value === "string" ||
    typeof value === "number" ||
    typeof value === "bigint" ||
    value instanceof Uint8Array
  ) {
    return;
  }
  if (typeof value === "boolean") throw new TypeError("bind booleans as 0/1, not true/false");
  throw new TypeError(`cannot bind a ${typeof value} (${Object.prototype.toString.call(value)}) to SQLite`);
}

/** A prepared statement and whether it returns rows (columns() builds its metadata on every call). */
interface Prepared {
  stmt: StatementSync;
  returnsRows: boolean;
}

class NodeSqliteConnection implements DatabaseConnection {
  readonly #db: DatabaseSync;
  readonly #cache = new Map<string, Prepared>();
  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  #prepare(sql: string): Prepared {
    let prepared = this.#cache.get(sql);
    if (prepared) {
      // Map keeps insertion order: re-insert to mark as recently used.
      this.#cache.delete(sql);
      this.#cache.set(sql, prepared);
      return prepared;
    }
    const stmt = this.#db.prepare(sql);
    prepared = { stmt, returnsRows: stmt.columns().length > 0 };
    this.#cache.set(sql, prepared);
    if (this.#cache.size > STATEMENT_CACHE_SIZE) {
      const oldest = this.#cache.keys().next().value as string;
      this.#cache.delete(oldest);
    }
    return prepared;
  }

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    const params = compiled.parameters as unknown[];
    for (const p of params) checkBindable(p);
    const { stmt, returnsRows } = this.#prepare(compiled.sql);
    if (returnsRows) {
      return { rows: stmt.all(...(params as never[])) as R[] };
    }
    const { changes, lastInsertRowid } = stmt.run(...(params as never[]));
    return {
      rows: [],
      numAffectedRows: BigInt(changes),
      insertId: BigInt(lastInsertRowid),
    };
  }

  async *streamQuery<R>(compiled: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    const params = compiled.parameters as unknown[];
    for (const p of params) checkBindable(p);
    const stmt = this.#db.prepare(compiled.sql);
    for (const row of stmt.iterate(...(params as never[]))) yield { rows: [row as R] };
  }
}

class NodeSqliteDriver implements Driver {
  readonly #file: string;
  #db?: DatabaseSync;
  #conn?: NodeSqliteConnection;
  #queue: Array<() => void> = [];
  #checkpointer?: WalCheckpointer;
  #busy = false;

  constructor(file: string) {
    this.#file = file;
  }

  async init(): Promise<void> {
    this.#db = new DatabaseSync(this.#file, { enableForeignKeyConstraints: true } as never);
    // WAL: readers do not block the writer; NORMAL sync is durable across process crashes.
    this.#db.exec("PRAGMA journal_mode = WAL");
    this.#db.exec("PRAGMA synchronous = NORMAL");
    this.#db.exec("PRAGMA busy_timeout = 5000");
    // Checkpoint every 10,000 WAL pages (40 MB), not SQLite's 1,000: a checkpoint copies
    // each page once however many commits rewrote it (the hot index pages of posts and
    // jobs), and syncs the file once. Under an inbox flood the default made commits and
    // the claims after them pay 1-2 ms; the WAL file is cut back to 64 MB after each.
    // While the server writes, a thread of its own checkpoints every 200 ms instead
    // (sqlite-checkpointer.ts): a 10,000-page checkpoint held the event loop 50-100 ms.
    this.#db.exec("PRAGMA wal_autocheckpoint = 10000");
    this.#db.exec("PRAGMA journal_size_limit = 67108864");
    this.#db.exec("PRAGMA foreign_keys = ON");
    this.#conn = new NodeSqliteConnection(this.#db);
    if (this.#file !== ":memory:") this.#checkpointer = new WalCheckpointer(this.#file);
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    if (this.#busy) await new Promise<void>((resolve) => this.#queue.push(resolve));
    this.#busy = true;
    return this.#conn!;
  }

  async releaseConnection(): Promise<void> {
    const next = this.#queue.shift();
    if (next) next();
    else this.#busy = false;
  }

  async beginTransaction(conn: DatabaseConnection): Promise<void> {
    // IMMEDIATE takes the write lock up front, so a second process cannot make our
    // transaction fail half-way with SQLITE_BUSY on its first write.
    await conn.executeQuery(CompiledQuery.raw("begin immediate"));
  }
  async commitTransaction(conn: DatabaseConnection): Promise<void> {
    await conn.executeQuery(CompiledQuery.raw("commit"));
    this.#checkpointer?.committed();
  }
  async rollbackTransaction(conn: DatabaseConnection): Promise<void> {
    await conn.executeQuery(CompiledQuery.raw("rollback"));
  }
  async destroy(): Promise<void> {
    await this.#checkpointer?.stop();
    this.#db?.close();
  }
}

export class NodeSqliteDialect implements Dialect {
  readonly #file: string;
  constructor(file: string) {
    this.#file = file;
  }
  createDriver(): Driver {
    return new NodeSqliteDriver(this.#file);
  }
  createQueryCompiler() {
    return new SqliteQueryCompiler();
  }
  createAdapter() {
    return new SqliteAdapter();
  }
  createIntrospector(db: Kysely<any>) {
    return new SqliteIntrospector(db);
  }
}
