// Reaching out from Weft: looking up `@user@host`, a profile URL or a post URL on another
// server, refreshing a stale remote profile and filling in a remote thread. The fetching
// itself is federation's (it needs Fedify's signed fetches); federation/reach.ts plugs it
// in as `fetcher`. This service owns the rules: only accounts that share may reach out,
// lookups are rate-limited per account (rate_limits table) and stored actors are reused
// until a day old.
import { countHit } from "../db/rate-limits.ts";
import type { Account } from "../domain/account.ts";
import { isShared } from "../domain/fediverse.ts";
import type { Post } from "../domain/post.ts";
import { fail, ok, type Result } from "../domain/result.ts";
import { findAccountById, rowToAccount } from "../db/repositories/accounts.ts";
import type { ServiceDeps } from "./deps.ts";

export interface RemoteFetcher {
  /** Resolves a handle (`user@host`) or an https URL to a stored account or post. */
  resolve(query: string): Promise<{ account: Account } | { post: Post; author: Account } | null>;
  /** Re-reads a stored remote actor from its server. */
  refresh(account: Account): Promise<Account | null>;
  /** Reads up to `limit` recent public posts from the account's outbox. */
  backfillOutbox(account: Account, limit: number): Promise<number>;
  /** Fetches missing ancestors and walks the replies collections of a remote post. */
  backfillThread(post: Post): Promise<number>;
  /** Sends `voter`'s answer to a remote poll. */
  vote(voter: Account, post: Post, choices: string[]): Promise<Result<string[]>>;
}

const BACKFILL_ON_LOOKUP = 20;
export const LOOKUP_LIMIT = { max: 30, windowMs: 5 * 60_000 };
/** Remote actors are re-read when older than this. */
export const ACTOR_STALE_MS = 24 * 3600_000;
/** A thread is walked again at most this often. */
export const THREAD_STALE_MS = 10 * 60_000;

const HANDLE = /^@?[A-Za-z0-9_.-]{1,64}@(?:[A-Za-z0-9-]+\.)+[A-Za-z0-9-]+(?::\d{1,5})?$/;

/** Whether a search query names something on another server (a handle or an https URL). */
export function looksRemote(q: string): boolean {
  const s = q.trim();
  return HANDLE.test(s) || /^https:\/\/[^\s]+$/.test(s);
}

export class RemoteReach {
  readonly #deps: ServiceDeps;
  /** Set by the federation layer; absent when federation is off. */
  fetcher: RemoteFetcher | null = null;
  constructor(deps: ServiceDeps) {
    this.#deps = deps;
  }
  get #db() {
    return this.#deps.db.kysely;
  }

  /** Null when the account may reach out; else why not, in words for the user. */
  async cannotReach(viewerId: string): Promise<string | null> {
    if (!this.fetcher || !this.#deps.config.federation) return "This server does not federate: its operator turned federation off.";
    const me = await findAccountById(this.#db, viewerId);
    if (!me || !isShared(me, this.#deps.config)) {
      return "Turn on fediverse sharing (Settings > Fediverse sharing) to find and follow people on other servers.";
    }
    return null;
  }

  /** Looks up a handle or URL for `viewerId`: stored and fresh first, else fetched. */
  async lookup(viewerId: string, query: string): Promise<Result<{ account: Account } | { post: Post; author: Account }>> {
    const q = query.trim().replace(/^@/, "");
    if (!looksRemote(q)) return fail("invalid", "Enter a handle like @name@example.social, or an https link to a profile or post.");
    const why = await this.cannotReach(viewerId);
    if (why) return fail("forbidden", why);
    const cached = await this.#cached(q);
    if (cached) return ok({ account: cached });
    if (!(await this.#take(viewerId))) return fail("rate_limited", "Too many lookups. Wait a few minutes and try again.");
    const found = await this.fetcher!.resolve(q).catch(() => null);
    if (!found) return fail("not_found", `Could not find ${query.trim()} on the fediverse.`);
    // A profile found for the first time shows its recent posts, read from its outbox.
    if ("account" in found) {
      const any = await this.#db.selectFrom("posts").select("id").where("account_id", "=", found.account.id).limit(1).executeTakeFirst();
      if (!any) await this.fetcher!.backfillOutbox(found.account, BACKFILL_ON_LOOKUP).catch(() => 0);
    }
    return ok(found);
  }

  /** A stored remote account, re-read from its server when older than a day. */
  async refreshIfStale(account: Account): Promise<Account> {
    if (account.domain === null || !this.fetcher || !this.#deps.config.federation) return account;
    const row = await this.#db.selectFrom("accounts").select("fetched_at").where("id", "=", account.id).executeTakeFirst();
    if (row?.fetched_at && Date.now() - Date.parse(row.fetched_at) < ACTOR_STALE_MS) return account;
    return (await this.fetcher.refresh(account).catch(() => null)) ?? account;
  }

  /** Fills in a remote post's thread for a viewer who may reach out; at most every few minutes per post. */
  async backfillThread(viewerId: string, post: Post): Promise<number> {
    if (post.local || (await this.cannotReach(viewerId))) return 0;
    const key = `thread:${post.id}`;
    const now = Date.now();
    const row = await this.#db.selectFrom("rate_limits").select("reset_at").where("key", "=", key).executeTakeFirst();
    if (row && Number(row.reset_at) > now) return 0;
    await this.#db
      .insertInto("rate_limits")
      .values({ key, count: 1, reset_at: now + THREAD_STALE_MS })
      .onConflict((oc) => oc.column("key").doUpdateSet({ count: 1, reset_at: now + THREAD_STALE_MS }))
      .execute();
    return this.fetcher!.backfillThread(post).catch(() => 0);
  }

  /** A vote in a remote poll, by an account that may reach out. */
  async vote(viewerId: string, post: Post, choices: string[]): Promise<Result<string[]>> {
    const why = await this.cannotReach(viewerId);
    if (why) return fail("forbidden", why);
    if (post.objectType !== "Question") return fail("invalid", "That post is not a poll.");
    const me = (await findAccountById(this.#db, viewerId))!;
    return this.fetcher!.vote(me, post, choices);
  }

  async #cached(q: string): Promise<Account | null> {
    const m = /^([^@\s/]+)@([^@\s/]+)$/.exec(q);
    let row;
    if (m) {
      row = await this.#db.selectFrom("accounts").selectAll().where("username_lower", "=", m[1].toLowerCase()).where("domain", "=", m[2].toLowerCase()).executeTakeFirst();
    } else {
      row = await this.#db.selectFrom("accounts").selectAll().where("domain", "is not", null).where((eb) => eb.or([eb("uri", "=", q), eb("url", "=", q)])).executeTakeFirst();
    }
    if (!row || !row.fetched_at || Date.now() - Date.parse(row.fetched_at) >= ACTOR_STALE_MS) return null;
    return rowToAccount(row);
  }

  /** Counts one lookup against the account's window; false when over the limit. */
  async #take(viewerId: string): Promise<boolean> {
    const { count } = await countHit(this.#db, `lookup:${viewerId}`, LOOKUP_LIMIT.windowMs);
    return count <= LOOKUP_LIMIT.max;
  }
}
