// Shared steps of every inbox listener: who sent this (a stored remote account), and
// which local things an id names. Fedify has already verified the signature and that the
// signing key belongs to `activity.actor` (SECURITY-CASES 1-7).
import { isActor, type Activity } from "@fedify/vocab";
import type { InboxContext } from "@fedify/fedify";
import type { Account } from "../../domain/account.ts";
import type { Post } from "../../domain/post.ts";
import { findPostById } from "../../db/repositories/posts.ts";
import { logger } from "../../log.ts";
import { asActorToAccountFields } from "../mappers/as-to-domain.ts";
import { sharedAccount, type FedData } from "../context.ts";
import { isLocalUri, localIdOf } from "../uris.ts";
import { verifiedActor } from "../verified-actor.ts";

export type Ctx = InboxContext<FedData>;
/** What reading local ids needs of a context: the inbox's direct path has no Fedify one. */
export type PostContext = Pick<Ctx, "origin" | "data">;

export const log = logger("federation", "inbox");

const REFRESH_MS = 24 * 3600_000;

/** A stored actor fetched within a day is used as it is; an older one is fetched again. */
export function freshlyFetched(fetchedAt: string | null | undefined): boolean {
  return !!fetchedAt && Date.now() - Date.parse(fetchedAt) < REFRESH_MS;
}

/**
 * The sender as a stored remote account, or null when the activity must be refused. Every
 * listener calls this first: it is also where an activity verified by Weft's shortcut for
 * another actor than the one Fedify parsed is dropped (verified-actor.ts).
 */
export async function senderOf(ctx: Ctx, activity: Activity): Promise<Account | null> {
  // An activity claiming an id on our own domain is forged (SECURITY-CASES 26, Lemmy#4611).
  if (isLocalUri(ctx.origin, activity.id) || !activity.actorId || isLocalUri(ctx.origin, activity.actorId)) return null;
  // The activity's id must be on its actor's server.
  if (activity.id && activity.id.origin !== activity.actorId.origin) return null;
  // Verified by Weft's shortcut for one actor, read by Fedify as another (verified-actor.ts).
  const verified = verifiedActor();
  if (verified !== undefined && verified !== activity.actorId.href) {
    log.warn("dropped {id}: signed by {verified}, but its JSON-LD names {actor}", { id: activity.id?.href, verified, actor: activity.actorId.href });
    return null;
  }
  const { remote } = ctx.data;
  const known = await remote.findAccountByUri(activity.actorId.href);
  if (known) {
    const row = await ctx.data.weft.db.kysely.selectFrom("accounts").select("fetched_at").where("id", "=", known.id).executeTakeFirst();
    if (freshlyFetched(row?.fetched_at)) return known;
  }
  const actor = await activity.getActor({ suppressError: true }).catch(() => null);
  if (!actor || !isActor(actor) || actor.id?.href !== activity.actorId.href) return known;
  const fields = await asActorToAccountFields(actor);
  return fields ? remote.upsertAccount(fields) : known;
}

/** A shared local account named by one of our actor URLs. */
export async function localActor(ctx: PostContext, uri: URL | string | null | undefined): Promise<Account | null> {
  return sharedAccount(ctx.data.weft, localIdOf(ctx.origin, uri, "users"));
}

/** A post named by an id: one of ours (only if its author shares) or a stored remote one. */
export async function postByUri(ctx: PostContext, uri: URL | string | null | undefined): Promise<Post | null> {
  if (!uri) return null;
  const { weft, remote } = ctx.data;
  const localId = localIdOf(ctx.origin, uri, "posts");
  if (localId) {
    const post = await findPostById(weft.db.kysely, localId);
    if (!post || !post.local || !(await sharedAccount(weft, post.accountId))) return null;
    if (post.visibility !== "public" && post.visibility !== "unlisted") return null;
    return post;
  }
  if (isLocalUri(ctx.origin, uri)) return null;
  return remote.findPostByUri(String(uri));
}
