// Which requests the response cache answers, what their entries are tagged with, and the
// events that drop them (ADR 0007). Only requests that carry no credentials at all (no
// Cookie, no Authorization) are answered from the cache, so nothing personal is ever
// stored or served; the key is the path with its query plus the exact Accept header, so
// content negotiation keeps its variants apart. Only 200 answers without Set-Cookie are
// stored: a 404 (sharing off, deleted post) is always asked afresh. Signatures on GETs
// are not checked by any dispatcher (no authorized fetch), so a signed and an unsigned
// GET get the same document; if authorized fetch is added, signed GETs must bypass this.
import type { Context, MiddlewareHandler, Next } from "hono";
import type { Db } from "../db/kysely.ts";
import { findLocalAccount } from "../db/repositories/accounts.ts";
import type { DomainEvent } from "../domain/events.ts";
import type { ResponseCache, StoredResponse } from "./response-cache.ts";

/** ActivityPub documents and WebFinger: Mastodon itself lets peers cache them for 3 minutes. */
export const DOCUMENT_TTL_MS = 30_000;
/** Logged-out pages show counts and replies that no local event announces: keep them briefly. */
export const PAGE_TTL_MS = 5_000;

const ID = "\\d{18}";
const NAME = "[A-Za-z0-9_]{1,30}";
const ACTOR = new RegExp(`^/ap/users/(${ID})$`);
const NOTE = new RegExp(`^/ap/posts/(${ID})$`);
const PROFILE = new RegExp(`^/@(${NAME})(?:/replies)?/?$`);
const POST_PAGE = new RegExp(`^/@(${NAME})/posts/(${ID})/?$`);
const WEBFINGER = "/.well-known/webfinger";

/** The ids of the accounts and posts a response shows, looked up once when it is stored; null: do not store. */
async function tagsFor(db: Db, url: URL): Promise<string[] | null> {
  const path = url.pathname;
  let m = ACTOR.exec(path);
  if (m) return [m[1]];
  if ((m = NOTE.exec(path))) {
    const post = await db.kysely.selectFrom("posts").select("account_id").where("id", "=", m[1]).executeTakeFirst();
    return post ? [m[1], post.account_id] : null;
  }
  if ((m = POST_PAGE.exec(path))) {
    const account = await findLocalAccount(db.kysely, m[1]);
    return account ? [m[2], account.id] : null;
  }
  if ((m = PROFILE.exec(path))) {
    const account = await findLocalAccount(db.kysely, m[1]);
    return account ? [account.id] : null;
  }
  if (path === WEBFINGER) return webfingerTags(db, url.searchParams.get("resource") ?? "");
  return null;
}

async function webfingerTags(db: Db, resource: string): Promise<string[] | null> {
  const acct = /^acct:([^@]+)@/.exec(resource);
  let name = acct?.[1];
  if (!name) {
    let target: URL;
    try {
      target = new URL(resource);
    } catch {
      return null;
    }
    const id = ACTOR.exec(target.pathname);
    if (id) return [id[1]];
    name = PROFILE.exec(target.pathname)?.[1];
  }
  if (!name) return null;
  const account = await findLocalAccount(db.kysely, name);
  return account ? [account.id] : null;
}

function mightBeCached(path: string): boolean {
  if (path === WEBFINGER) return true;
  if (path.startsWith("/ap/")) return ACTOR.test(path) || NOTE.test(path);
  return path.startsWith("/@") && (PROFILE.test(path) || POST_PAGE.test(path));
}

/** Every account and post id an event names: the entries showing any of them are stale. */
export function eventIds(event: DomainEvent): string[] {
  const ids: string[] = [];
  for (const [key, value] of Object.entries(event)) {
    if (typeof value === "string" && key.endsWith("Id")) ids.push(value);
    else if (Array.isArray(value) && key.endsWith("Ids")) for (const v of value) if (typeof v === "string") ids.push(v);
  }
  return ids;
}

/**
 * `hearChanges` starts listening to other processes' events and resolves once it does.
 * Nothing is rendered for storing before that: an event broadcast earlier was committed
 * before the render began, so the render already shows it.
 */
export function responseCacheMiddleware(db: Db, cache: ResponseCache, hearChanges: () => Promise<void>): MiddlewareHandler {
  /**
   * Renders in progress by key: when an entry expires under a burst, the requests that
   * arrive meanwhile wait for the one render instead of each making their own.
   */
  const rendering = new Map<string, Promise<StoredResponse | null>>();
  const answer = (r: StoredResponse) => new Response(r.body, { status: r.status, headers: r.headers });
  return async (c, next) => {
    const req = c.req.raw;
    const headers = req.headers;
    if (req.method !== "GET" || headers.has("cookie") || headers.has("authorization")) return next();
    const url = new URL(req.url);
    if (!mightBeCached(url.pathname)) return next();
    const key = `${headers.get("accept") ?? ""}\n${url.pathname}${url.search}`;
    const hit = cache.get(key);
    if (hit) return answer(hit);
    const pending = rendering.get(key);
    if (pending) {
      const shared = await pending;
      if (shared) return answer(shared);
      return next(); // not storable (a 404, a cookie): everyone asks for themselves
    }
    let done!: (r: StoredResponse | null) => void;
    rendering.set(key, new Promise((resolve) => (done = resolve)));
    let stored: StoredResponse | null = null;
    try {
      // Without the broadcast (no database connection for it) nothing is stored.
      if (await hearChanges().then(() => true, () => false)) stored = await renderAndStore(db, cache, url, key, c, next);
      else await next();
    } finally {
      rendering.delete(key);
      done(stored);
    }
  };
}

async function renderAndStore(db: Db, cache: ResponseCache, url: URL, key: string, c: Context, next: Next): Promise<StoredResponse | null> {
  const generation = cache.generation;
  await next();
  const res = c.res;
  const type = res.headers.get("content-type") ?? "";
  if (res.status !== 200 || res.headers.has("set-cookie") || !type) return null;
  const tags = await tagsFor(db, url);
  if (!tags) return null;
  const body = new Uint8Array(await res.arrayBuffer());
  const headers: Record<string, string> = {};
  res.headers.forEach((v, k) => (headers[k] = v));
  headers["content-length"] = String(body.byteLength);
  const stored: StoredResponse = { status: 200, headers, body };
  const ttl = type.startsWith("text/html") ? PAGE_TTL_MS : DOCUMENT_TTL_MS;
  const kept = cache.set(key, stored, tags, ttl, generation);
  c.res = new Response(body, { status: 200, headers });
  // A render that overlapped an invalidation is not handed to the requests waiting for it
  // either: they arrived after the change and render afresh.
  return kept ? stored : null;
}
