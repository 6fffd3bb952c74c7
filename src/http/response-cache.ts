// A per-process store of finished public responses (ActivityPub documents, WebFinger,
// logged-out profile and post pages), so a viral burst of identical GETs is answered with
// stored bytes instead of a database read, a render and Fedify's JSON-LD work each time.
// Entries carry tags (the ids of the accounts and posts they show); a domain event drops
// every entry tagged with one of its ids. Each entry also has a short lifetime, which
// bounds what no event announces (counts changed by remote likes, another process's
// change while its event is still queued). ADR 0007 explains the choice.

export interface StoredResponse {
  readonly status: number;
  /** Plain header record with content-length: @hono/node-server writes it as is. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array<ArrayBuffer>;
}

interface Entry extends StoredResponse {
  readonly tags: readonly string[];
  readonly expires: number;
}

export interface ResponseCacheOptions {
  /** Bound on the stored bodies; the oldest entries go first. */
  maxBytes: number;
  maxEntries: number;
  now?: () => number;
}

export class ResponseCache {
  readonly #entries = new Map<string, Entry>();
  readonly #byTag = new Map<string, Set<string>>();
  readonly #opts: ResponseCacheOptions;
  readonly #now: () => number;
  #bytes = 0;
  /**
   * Bumped by every invalidation. A response rendered while an invalidation happened may
   * show the state from before it, so it is not stored (see `generation`).
   */
  #generation = 0;

  constructor(opts: ResponseCacheOptions) {
    this.#opts = opts;
    this.#now = opts.now ?? Date.now;
  }

  /** Take this before rendering and hand it to `set`: a render that raced an invalidation is dropped. */
  get generation(): number {
    return this.#generation;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: string): StoredResponse | null {
    const e = this.#entries.get(key);
    if (!e) return null;
    if (e.expires <= this.#now()) {
      this.#delete(key);
      return null;
    }
    return e;
  }

  set(key: string, res: StoredResponse, tags: readonly string[], ttlMs: number, generation: number): boolean {
    if (generation !== this.#generation || res.body.byteLength > this.#opts.maxBytes / 8) return false;
    this.#delete(key);
    this.#entries.set(key, { ...res, tags, expires: this.#now() + ttlMs });
    this.#bytes += res.body.byteLength;
    for (const t of tags) {
      let keys = this.#byTag.get(t);
      if (!keys) this.#byTag.set(t, (keys = new Set()));
      keys.add(key);
    }
    // Map order is insertion order: the first keys are the oldest.
    for (const oldest of this.#entries.keys()) {
      if (this.#bytes <= this.#opts.maxBytes && this.#entries.size <= this.#opts.maxEntries) break;
      this.#delete(oldest);
    }
    return true;
  }

  /** Drops every entry that shows one of these accounts or posts. */
  invalidate(tags: Iterable<string>): void {
    this.#generation++;
    for (const t of tags) {
      const keys = this.#byTag.get(t);
      if (!keys) continue;
      for (const k of [...keys]) this.#delete(k);
    }
  }

  clear(): void {
    this.#generation++;
    this.#entries.clear();
    this.#byTag.clear();
    this.#bytes = 0;
  }

  #delete(key: string): void {
    const e = this.#entries.get(key);
    if (!e) return;
    this.#entries.delete(key);
    this.#bytes -= e.body.byteLength;
    for (const t of e.tags) {
      const keys = this.#byTag.get(t);
      keys?.delete(key);
      if (keys?.size === 0) this.#byTag.delete(t);
    }
  }
}
