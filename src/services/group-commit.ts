// Group commit: writes asked for within one turn of the event loop share one transaction.
// Under an inbox flood each post was a transaction of its own, and its BEGIN and COMMIT
// were a fifth of the time spent on it (a COMMIT writes the WAL on SQLite and waits for
// a flush on PostgreSQL). Callers still wait for their own write to be committed.

export class GroupCommit<T, R> {
  readonly #write: (items: T[]) => Promise<R[]>;
  readonly #max: number;
  #pending: { item: T; resolve: (r: R) => void; reject: (e: unknown) => void }[] = [];
  #scheduled = false;

  /** `write` runs one transaction for the items and returns a result for each, in order. */
  constructor(write: (items: T[]) => Promise<R[]>, max = 64) {
    this.#write = write;
    this.#max = max;
  }

  /**
   * Resolves once the item's transaction committed. If it fails, every item of that
   * transaction is rejected with its error, and nothing of it was written.
   */
  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.#pending.push({ item, resolve, reject });
      if (this.#pending.length >= this.#max) void this.#flush();
      else if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => void this.#flush());
      }
    });
  }

  async #flush(): Promise<void> {
    this.#scheduled = false;
    const batch = this.#pending.splice(0);
    if (!batch.length) return;
    try {
      const results = await this.#write(batch.map((b) => b.item));
      batch.forEach((b, i) => b.resolve(results[i]));
    } catch (error) {
      for (const b of batch) b.reject(error);
    }
  }
}
