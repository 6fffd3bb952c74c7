// SQLite's WAL checkpoints, run on a thread of their own while the server writes. A
// checkpoint copies the WAL's pages into the database file and syncs it: with checkpoints
// every 10,000 pages (sqlite-dialect.ts), the commit that triggered one held the event
// loop for 50-100 ms, and every request that arrived meanwhile waited (the inbox flood's
// p99 at half capacity was 62-123 ms, against 10 ms for the bare ceiling; bench inbox,
// issue 7). Here a second connection runs PASSIVE checkpoints every 200 ms, which never
// wait for the writer nor make it wait, so the main connection's own checkpoint (still
// set, as a safety net) seldom finds anything left to copy.
//
// The thread starts once the server has committed a few hundred transactions and stops
// after a minute without new WAL pages, so an idle server does not carry it. Its code is
// inline: it needs nothing but node:sqlite, and the bundle (ADR 0011) has no file for it.
import { Worker } from "node:worker_threads";

/** Commits between two checks that the thread runs. */
const COMMITS_PER_CHECK = 256;
const IDLE_MS = 60_000;
const PERIOD_MS = 200;

const WORKER_CODE = `
const { workerData } = require("node:worker_threads");
const { DatabaseSync } = require("node:sqlite");
const db = new DatabaseSync(workerData.file);
const checkpoint = db.prepare("PRAGMA wal_checkpoint(PASSIVE)");
let seen = "";
let changedAt = Date.now();
function tick() {
  let state = "";
  try {
    const r = checkpoint.get();
    state = r.log + "/" + r.checkpointed;
  } catch {}
  const now = Date.now();
  if (state !== seen) (seen = state), (changedAt = now);
  if (now - changedAt > workerData.idleMs) return db.close();
  setTimeout(tick, workerData.periodMs);
}
tick();
`;

export class WalCheckpointer {
  readonly #file: string;
  #worker: Worker | null = null;
  #commits = 0;
  #stopped = false;

  constructor(file: string) {
    this.#file = file;
  }

  /** Called after each commit: starts the thread when writes come and it is not running. */
  committed(): void {
    if (++this.#commits % COMMITS_PER_CHECK !== 0 || this.#worker || this.#stopped) return;
    const worker = new Worker(WORKER_CODE, { eval: true, workerData: { file: this.#file, idleMs: IDLE_MS, periodMs: PERIOD_MS } });
    // A checkpoint thread must never keep the process alive, nor bring it down: without
    // it the main connection still checkpoints itself.
    worker.unref();
    worker.on("error", () => {});
    worker.on("exit", () => {
      if (this.#worker === worker) this.#worker = null;
    });
    this.#worker = worker;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#worker?.terminate();
    this.#worker = null;
  }
}
