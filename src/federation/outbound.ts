// Domain events -> activities: the only place that sends. Each event is checked against
// the sharing gate; deliveries go through Fedify's queue (Weft's durable jobs table),
// signed, one per shared inbox.
import type { Context, Federation, SenderKeyPair } from "@fedify/fedify";
import type { Recipient } from "@fedify/vocab";
import type { WeftContext } from "../app.ts";
import type { DomainEvent } from "../domain/events.ts";
import { isShared } from "../domain/fediverse.ts";
import { findAccountById } from "../db/repositories/accounts.ts";
import { findPostById } from "../db/repositories/posts.ts";
import * as A from "./activities.ts";
import type { FedData } from "./context.ts";
import { actorKeyPairs } from "./keys.ts";
import { accountToAsPerson, accountActorUri } from "./mappers/domain-to-as.ts";
import { loadNote, postObjectUri } from "./notes.ts";
import { clearTally, registerOptOutWorker, startOptOut } from "./optout.ts";
import { recipientsOf, remoteAccounts, remoteFollowers } from "./recipients.ts";
import { actorUri, noteUri } from "./uris.ts";

export type FedCtx = Context<FedData>;

/** Signing keys by id, not through the actor dispatcher: opt-out signs for an account that no longer shares. */
export async function senderKeys(weft: WeftContext, accountId: string): Promise<SenderKeyPair[]> {
  const actor = actorUri(weft.config.origin, accountId);
  const pairs = await actorKeyPairs(weft.db, accountId);
  // The ids the actor document publishes: the RSA key as publicKey #main-key (HTTP
  // signatures), the Ed25519 key as Multikey #multikey-2 (FEP-8b32 proofs name it).
  return pairs.map((p, i) => ({ keyId: new URL(`${actor}#${p.kind === "rsa" ? "main-key" : `multikey-${i + 1}`}`), privateKey: p.privateKey }));
}

export async function deliver(
  ctx: FedCtx,
  accountId: string,
  recipients: Recipient[],
  activity: Parameters<FedCtx["sendActivity"]>[2],
  opts: { immediate?: boolean } = {},
): Promise<void> {
  if (recipients.length === 0) return;
  await ctx.sendActivity(await senderKeys(ctx.data.weft, accountId), recipients, activity, { preferSharedInbox: true, immediate: opts.immediate });
}

export function registerOutbound(weft: WeftContext, federation: Federation<FedData>, data: FedData): void {
  weft.eventListeners.push(async (event) => {
    const ctx = federation.createContext(new URL(weft.config.origin), data);
    await handleEvent(ctx, event);
  });
  registerOptOutWorker(
    weft,
    () => federation.createContext(new URL(weft.config.origin), data),
    (ctx, accountId, recipients, activity) => deliver(ctx, accountId, recipients, activity, { immediate: true }),
  );
}

async function sharedLocal(ctx: FedCtx, id: string) {
  const a = await findAccountById(ctx.data.weft.db.kysely, id);
  return a && isShared(a, ctx.data.weft.config) ? a : null;
}

async function handleEvent(ctx: FedCtx, event: DomainEvent): Promise<void> {
  const { weft } = ctx.data;
  const db = weft.db.kysely;
  const origin = weft.config.origin;
  switch (event.type) {
    case "post.created":
    case "post.updated": {
      const author = await sharedLocal(ctx, event.accountId);
      const post = await findPostById(db, event.postId);
      if (!author || !post || !post.local || post.repostOfId || post.visibility !== "public") return;
      if (event.type === "post.updated") {
        const row = await db.selectFrom("posts").select("federated_at").where("id", "=", post.id).executeTakeFirst();
        if (!row?.federated_at) return;
      }
      const note = await loadNote(db, origin, post);
      const mentions = await db.selectFrom("post_mentions").select("account_id").where("post_id", "=", post.id).execute();
      const parentAuthor = post.inReplyToAccountId;
      const quoted = post.quoteOfId ? await findPostById(db, post.quoteOfId) : null;
      const rows = [
        ...(await remoteFollowers(db, author.id)),
        ...(await remoteAccounts(db, [...mentions.map((m) => m.account_id), parentAuthor, quoted?.accountId])),
      ];
      const activity = event.type === "post.created" ? A.createNote(note) : A.updateNote(note, post.editedAt ?? new Date().toISOString());
      await deliver(ctx, author.id, recipientsOf(rows), activity);
      if (event.type === "post.created") {
        await db.updateTable("posts").set({ federated_at: new Date().toISOString() }).where("id", "=", post.id).execute();
      }
      return;
    }
    case "post.deleted": {
      if (!event.federated) return;
      const author = await sharedLocal(ctx, event.accountId);
      if (!author) return; // opt-out already asked for these deletions
      const rows = [...(await remoteFollowers(db, author.id)), ...(await remoteAccounts(db, [...event.mentionedAccountIds, event.inReplyToAccountId]))];
      await deliver(ctx, author.id, recipientsOf(rows), A.deleteNote(origin, author.id, noteUri(origin, event.postId)));
      return;
    }
    case "post.liked":
    case "post.unliked": {
      const liker = await sharedLocal(ctx, event.accountId);
      const post = await findPostById(db, event.postId);
      if (!liker || !post || post.local) return;
      const [author] = await remoteAccounts(db, [post.accountId]);
      if (!author?.uri) return;
      const args = [origin, event.likeId, liker.id, post.uri!, author.uri] as const;
      await deliver(ctx, liker.id, recipientsOf([author]), event.type === "post.liked" ? A.like(...args) : A.undoLike(...args));
      return;
    }
    case "post.reposted":
    case "post.unreposted": {
      const reposter = await sharedLocal(ctx, event.accountId);
      const original = await findPostById(db, event.postId);
      if (!reposter || !original || original.visibility !== "public") return;
      // Announcing a local post exposes it: only posts that are themselves shared.
      if (original.local && !(await sharedLocal(ctx, original.accountId))) return;
      const originalAuthor = (await findAccountById(db, original.accountId))!;
      const rows = [...(await remoteFollowers(db, reposter.id)), ...(await remoteAccounts(db, [original.accountId]))];
      const args = [origin, event.repostId, reposter.id, postObjectUri(origin, original), accountActorUri(origin, originalAuthor), new Date().toISOString()] as const;
      await deliver(ctx, reposter.id, recipientsOf(rows), event.type === "post.reposted" ? A.announce(...args) : A.undoAnnounce(...args));
      return;
    }
    case "follow.requested":
    case "follow.undone": {
      const follower = await sharedLocal(ctx, event.followerId);
      const [followee] = await remoteAccounts(db, [event.followeeId]);
      if (!follower || !followee?.uri) return;
      const activity = event.type === "follow.requested"
        ? A.ourFollow(origin, event.followId, follower.id, followee.uri)
        : A.undoOurFollow(origin, event.followId, follower.id, followee.uri);
      await deliver(ctx, follower.id, recipientsOf([followee]), activity);
      return;
    }
    case "follow.accepted":
    case "follow.rejected": {
      const [follower] = await remoteAccounts(db, [event.followerId]);
      if (!follower && event.type === "follow.rejected") {
        // Our own follow of a remote account was dropped (a block): take it back.
        const ours = await sharedLocal(ctx, event.followerId);
        const [followee] = await remoteAccounts(db, [event.followeeId]);
        if (ours && followee?.uri) await deliver(ctx, ours.id, recipientsOf([followee]), A.undoOurFollow(origin, event.followId, ours.id, followee.uri));
        return;
      }
      if (!follower?.uri || !event.uri) return;
      const followee = await sharedLocal(ctx, event.followeeId);
      if (!followee) return;
      const follow = A.theirFollow(event.uri, follower.uri, actorUri(origin, followee.id));
      const activity = event.type === "follow.accepted"
        ? A.acceptFollow(origin, followee.id, follow, event.followId)
        : A.rejectFollow(origin, followee.id, follow, event.followId);
      await deliver(ctx, followee.id, recipientsOf([follower]), activity);
      return;
    }
    case "account.updated": {
      const account = await sharedLocal(ctx, event.accountId);
      if (!account) return;
      const keys = await ctx.getActorKeyPairs(account.id);
      const person = accountToAsPerson(ctx, account, { cryptographicKey: keys[0]?.cryptographicKey, multikeys: keys.map((k) => k.multikey) });
      await deliver(ctx, account.id, recipientsOf(await remoteFollowers(db, account.id)), A.updatePerson(person, new Date().toISOString()));
      return;
    }
    case "block.created":
    case "block.removed": {
      // Mastodon hides the blocker from the blocked account when told (Block), and the
      // follows between them were already removed (Reject/Undo went out with them).
      const blocker = await sharedLocal(ctx, event.accountId);
      const [target] = await remoteAccounts(db, [event.targetId]);
      if (!blocker || !target?.uri) return;
      const at = new Date().toISOString();
      const activity = event.type === "block.created" ? A.block(origin, blocker.id, target.uri, at) : A.undoBlock(origin, blocker.id, target.uri, at);
      await deliver(ctx, blocker.id, recipientsOf([target]), activity);
      return;
    }
    case "sharing.disabled":
      await startOptOut(ctx, event.accountId);
      return;
    case "sharing.enabled":
      // Turning sharing on again starts fresh: the old tally goes.
      await clearTally(weft.db, event.accountId);
      return;
    default:
      return;
  }
}
