// The fetching half of reaching out (services/remote-reach.ts holds the rules): resolving
// handles and URLs, reading an outbox when someone follows, and walking a remote thread.
// Every GET is signed by the instance actor: GoToSocial, Threads and Mastodon in secure
// mode refuse unsigned fetches. Everything is bounded in count, depth and time, since a
// remote server decides how big its collections are.
import { Announce, Collection, Create, isActor, type Object as ASObject } from "@fedify/vocab";
import type { DocumentLoader, Federation } from "@fedify/fedify";
import type { WeftContext } from "../app.ts";
import type { Account } from "../domain/account.ts";
import type { Post } from "../domain/post.ts";
import { findAccountById } from "../db/repositories/accounts.ts";
import type { RemoteFetcher } from "../services/remote-reach.ts";
import type { FedData } from "./context.ts";
import { log, type Ctx } from "./inbox/common.ts";
import { ownedBy, resolvePostInput } from "./inbox/create.ts";
import { fetchRemotePost } from "./inbox/fetch-post.ts";
import { asActorToAccountFields, asObjectToPostFields, isPostLike } from "./mappers/as-to-domain.ts";
import { isLocalUri, INSTANCE_ACTOR } from "./uris.ts";
import { votePoll } from "./poll-vote.ts";

/** Recent posts read from an outbox when someone here follows its owner. */
export const BACKFILL_POSTS = 20;
const OUTBOX_ITEMS_SEEN = 60;
const THREAD_MAX_POSTS = 60;
const THREAD_MAX_DEPTH = 5;
const ANCESTORS_MAX = 15;
const TIME_BUDGET_MS = 15_000;

async function signedLoader(ctx: Ctx): Promise<DocumentLoader> {
  return ctx.getDocumentLoader({ identifier: INSTANCE_ACTOR });
}

async function storeActor(ctx: Ctx, object: unknown, expectHost: string | null): Promise<Account | null> {
  if (!isActor(object) || !object.id || isLocalUri(ctx.origin, object.id)) return null;
  // A handle resolves only to an actor on the domain that was asked (SECURITY-CASES 35, 36).
  if (expectHost && object.id.host.toLowerCase() !== expectHost.toLowerCase()) return null;
  const fields = await asActorToAccountFields(object);
  if (!fields) return null;
  const account = await ctx.data.remote.upsertAccount(fields);
  // The profile shows the counts the actor's own server reports (Threads omits some
  // collections, and some servers hide them: those stay unknown).
  const documentLoader = await signedLoader(ctx);
  const total = async (id: URL | null) => {
    if (!id || id.origin !== object.id!.origin) return null;
    const c = await ctx.lookupObject(id.href, { documentLoader }).catch(() => null);
    return c instanceof Collection ? (c.totalItems ?? null) : null;
  };
  const [followers, following, posts] = await Promise.all([total(object.followersId), total(object.followingId), total(object.outboxId)]);
  await ctx.data.remote.setRemoteCounts(account.id, { followers, following, posts });
  return account;
}

/**
 * An actor reached through a redirect to another server lives on that server only if its
 * WebFinger there names it: a 404 is an answer, not something to step over (GoToSocial
 * #1627 stored such accounts under the first host; SECURITY-CASES 35).
 */
async function webFingerConfirms(ctx: Ctx, actor: { id: URL | null; preferredUsername: { toString(): string } | null }): Promise<boolean> {
  const name = actor.preferredUsername?.toString();
  if (!actor.id || !name) return false;
  const jrd = await ctx.lookupWebFinger(`acct:${name}@${actor.id.host}`).catch(() => null);
  return (jrd?.links ?? []).some((l) => l.rel === "self" && l.href === actor.id!.href);
}

async function resolve(ctx: Ctx, query: string): ReturnType<RemoteFetcher["resolve"]> {
  const documentLoader = await signedLoader(ctx);
  const handle = /^([^@\s/]+)@([^@\s/]+)$/.exec(query);
  if (handle) {
    const actor = await ctx.lookupObject(`acct:${handle[1]}@${handle[2]}`, { documentLoader }).catch(() => null);
    const account = await storeActor(ctx, actor, handle[2]);
    return account ? { account } : null;
  }
  const url = new URL(query);
  if (isLocalUri(ctx.origin, url)) return null;
  // Fedify drops a document whose id is on another origin than the URL it was finally
  // served from (crossOrigin "ignore"), so an actor's host is the verified final host.
  const object = await ctx.lookupObject(url.href, { documentLoader }).catch(() => null);
  const redirected = isActor(object) && object.id !== null && object.id.host !== url.host;
  if (redirected && !(await webFingerConfirms(ctx, object))) return null;
  const account = await storeActor(ctx, object, redirected ? object.id!.host : url.host);
  if (account) return { account };
  if (!isPostLike(object) || !object.id) return null;
  const post = await fetchRemotePost(ctx, object.id);
  const author = post ? await findAccountById(ctx.data.weft.db.kysely, post.accountId) : null;
  return post && author ? { post, author } : null;
}

async function refresh(ctx: Ctx, account: Account): Promise<Account | null> {
  if (!account.uri) return null;
  const actor = await ctx.lookupObject(account.uri, { documentLoader: await signedLoader(ctx) }).catch(() => null);
  return storeActor(ctx, actor, new URL(account.uri).host);
}

/** Stores a post found embedded in a document its author's server served (an outbox page). */
async function storeEmbedded(ctx: Ctx, object: ASObject, author: Account): Promise<boolean> {
  if (!isPostLike(object) || !ownedBy(object, author)) return false;
  if (await ctx.data.remote.findPostByUri(object.id!.href)) return false;
  const row = await ctx.data.weft.db.kysely.selectFrom("accounts").select("followers_url").where("id", "=", author.id).executeTakeFirst();
  const fields = await asObjectToPostFields(object, row?.followers_url ?? null);
  // Only public posts: the outbox is public, but a follow is still pending.
  if (!fields || fields.visibility !== "public") return false;
  const input = await resolvePostInput(ctx, fields);
  return input ? (await ctx.data.remote.createPost(author.id, input)) !== null : false;
}

async function backfillOutbox(ctx: Ctx, account: Account, limit: number): Promise<number> {
  const row = await ctx.data.weft.db.kysely.selectFrom("accounts").select("outbox_url").where("id", "=", account.id).executeTakeFirst();
  // Threads' actors have no outbox: nothing to read.
  if (!row?.outbox_url || !account.uri || new URL(row.outbox_url).origin !== new URL(account.uri).origin) return 0;
  const documentLoader = await signedLoader(ctx);
  const outbox = await ctx.lookupObject(row.outbox_url, { documentLoader }).catch(() => null);
  if (!(outbox instanceof Collection)) return 0;
  const deadline = Date.now() + TIME_BUDGET_MS;
  let stored = 0;
  let seen = 0;
  try {
    for await (const item of ctx.traverseCollection(outbox, { documentLoader, suppressError: true })) {
      if (++seen > OUTBOX_ITEMS_SEEN || stored >= limit || Date.now() > deadline) break;
      if (item instanceof Create) {
        const object = await item.getObject({ documentLoader, suppressError: true }).catch(() => null);
        if (object && (await storeEmbedded(ctx, object, account))) stored++;
      } else if (item instanceof Announce) {
        continue; // reposts would each need a fetch from another server; the feed shows their own posts
      } else if (isPostLike(item) && (await storeEmbedded(ctx, item, account))) {
        stored++;
      }
    }
  } catch (err) {
    log.info("outbox of {uri} not read: {error}", { uri: account.uri, error: String(err) });
  }
  return stored;
}

async function backfillThread(ctx: Ctx, post: Post): Promise<number> {
  const { remote } = ctx.data;
  const deadline = Date.now() + TIME_BUDGET_MS;
  let fetched = 0;
  // Up: missing ancestors, one by one (each stored parent links its waiting child).
  let top = post;
  for (let i = 0; i < ANCESTORS_MAX && Date.now() < deadline; i++) {
    if (top.inReplyToId) {
      const parent = await remote.findPostById(top.inReplyToId);
      if (!parent) break;
      top = parent;
      continue;
    }
    if (!top.inReplyToUri || isLocalUri(ctx.origin, top.inReplyToUri)) break;
    const parent = await fetchRemotePost(ctx, new URL(top.inReplyToUri)).catch(() => null);
    if (!parent) break;
    fetched++;
    top = parent;
  }
  // Down: the replies collections from the top, breadth first, bounded.
  const documentLoader = await signedLoader(ctx);
  const queue: { uri: string; depth: number }[] = top.uri && !top.local ? [{ uri: top.uri, depth: 0 }] : [];
  const seen = new Set<string>();
  let contextUri: URL | null = null;
  while (queue.length && seen.size < THREAD_MAX_POSTS && Date.now() < deadline) {
    const { uri, depth } = queue.shift()!;
    if (seen.has(uri)) continue;
    seen.add(uri);
    const object = await ctx.lookupObject(uri, { documentLoader }).catch(() => null);
    if (!isPostLike(object)) continue;
    if (depth === 0) contextUri = object.contextIds[0] ?? null;
    const replies = await object.getReplies({ documentLoader, suppressError: true }).catch(() => null);
    if (!replies || depth >= THREAD_MAX_DEPTH) continue;
    try {
      for await (const item of ctx.traverseCollection(replies, { documentLoader, suppressError: true })) {
        if (seen.size + queue.length >= THREAD_MAX_POSTS || Date.now() > deadline) break;
        const id = item.id ?? ("href" in item ? (item as { href: URL | null }).href : null);
        if (!id || isLocalUri(ctx.origin, id)) continue;
        // Only what each reply's own server serves under its id is stored (SECURITY-CASES 25).
        const known = await remote.findPostByUri(id.href);
        if (!known && (await fetchRemotePost(ctx, id).catch(() => null))) fetched++;
        queue.push({ uri: id.href, depth: depth + 1 });
      }
    } catch (err) {
      log.info("replies of {uri} not read: {error}", { uri, error: String(err) });
    }
  }
  // FEP-7888: the conversation's `context`, where offered as a collection (Mastodon 4.4+,
  // NodeBB, Discourse), lists posts the replies tree may miss (replies to hidden posts).
  if (contextUri && !isLocalUri(ctx.origin, contextUri) && Date.now() < deadline) {
    const collection = await ctx.lookupObject(contextUri.href, { documentLoader }).catch(() => null);
    if (collection instanceof Collection) {
      try {
        for await (const item of ctx.traverseCollection(collection, { documentLoader, suppressError: true })) {
          if (seen.size >= THREAD_MAX_POSTS || Date.now() > deadline) break;
          const id = item instanceof Create ? item.objectId : (item.id ?? null);
          if (!id || seen.has(id.href) || isLocalUri(ctx.origin, id)) continue;
          seen.add(id.href);
          if (!(await remote.findPostByUri(id.href)) && (await fetchRemotePost(ctx, id).catch(() => null))) fetched++;
        }
      } catch (err) {
        log.info("context of {uri} not read: {error}", { uri: contextUri.href, error: String(err) });
      }
    }
  }
  return fetched;
}

export function wireReach(weft: WeftContext, federation: Federation<FedData>, data: FedData): void {
  const ctx = () => federation.createContext(new URL(weft.config.origin), data) as unknown as Ctx;
  weft.services.reach.fetcher = {
    resolve: (q) => resolve(ctx(), q),
    refresh: (a) => refresh(ctx(), a),
    backfillOutbox: (a, limit) => backfillOutbox(ctx(), a, limit),
    backfillThread: (p) => backfillThread(ctx(), p),
    vote: (voter, p, choices) => votePoll(ctx(), voter, p, choices),
  };
  // On follow, their recent public posts, so the profile and the feeds are not empty.
  // In the worker, after the Follow went out; a failure leaves the follow as it is.
  weft.eventListeners.push(async (event) => {
    if (event.type !== "follow.requested") return;
    const followee = await findAccountById(weft.db.kysely, event.followeeId);
    if (!followee || followee.domain === null) return;
    await backfillOutbox(ctx(), followee, BACKFILL_POSTS).catch(() => 0);
  });
}
