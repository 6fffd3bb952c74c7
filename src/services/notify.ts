// Notifications are written in the same transaction as what caused them, so the unread
// count is right the moment a page reloads. Nobody is notified of their own actions, nor
// by someone they block or mute.
import { sql } from "kysely";
import { idAtTime, newId } from "../domain/ids.ts";
import { FILTERABLE_TYPES, holdReason } from "../domain/notification-filter.ts";
import { isFollowing } from "../db/views/relations.ts";
import { nowIso, type Tx } from "./deps.ts";

export type NotificationType =
  | "like"
  | "reply"
  | "mention"
  | "repost"
  | "quote"
  | "follow"
  | "follow_request";

export async function notify(
  tx: Tx,
  n: { recipientId: string; fromId: string; type: NotificationType; postId?: string | null },
): Promise<void> {
  if (n.recipientId === n.fromId) return;
  const recipient = await tx.selectFrom("accounts").select("domain").where("id", "=", n.recipientId).executeTakeFirst();
  if (!recipient || recipient.domain !== null) return; // remote accounts are told by federation
  const silenced = await tx
    .selectFrom("blocks")
    .select(sql`1`.as("x"))
    .where((eb) =>
      eb.or([
        eb.and([eb("account_id", "=", n.recipientId), eb("target_id", "=", n.fromId)]),
        eb.and([eb("account_id", "=", n.fromId), eb("target_id", "=", n.recipientId)]),
      ]),
    )
    .unionAll(
      tx.selectFrom("mutes").select(sql`1`.as("x")).where("account_id", "=", n.recipientId).where("target_id", "=", n.fromId),
    )
    .executeTakeFirst();
  if (silenced) return;
  // Nor from a server the recipient blocked for themselves.
  const from = await tx.selectFrom("accounts").select(["domain", "created_at", "published_at"]).where("id", "=", n.fromId).executeTakeFirst();
  let filtered = false;
  if (from?.domain) {
    const serverBlocked = await tx.selectFrom("domain_blocks").select("domain").where("account_id", "=", n.recipientId).where("domain", "=", from.domain).executeTakeFirst();
    if (serverBlocked) return;
    if (FILTERABLE_TYPES.has(n.type)) {
      const reason = holdReason({
        remote: true,
        followedByRecipient: await isFollowing(tx, n.recipientId, n.fromId),
        publishedAt: from.published_at,
        firstSeenAt: from.created_at,
        recentFromServer: await unsolicitedFromServer(tx, n.recipientId, from.domain),
      });
      filtered = reason !== null;
    }
  }
  await tx
    .insertInto("notifications")
    .values({
      id: newId(),
      account_id: n.recipientId,
      type: n.type,
      from_account_id: n.fromId,
      post_id: n.postId ?? null,
      created_at: nowIso(),
      read: 0,
      filtered: filtered ? 1 : 0,
    })
    .execute();
}

/** Filterable notifications (mentions) the recipient got in the last hour from accounts on `domain` it does not follow. */
async function unsolicitedFromServer(tx: Tx, recipientId: string, domain: string): Promise<number> {
  const r = await tx
    .selectFrom("notifications as n")
    .innerJoin("accounts as a", "a.id", "n.from_account_id")
    .select((eb) => eb.fn.countAll<number>().as("c"))
    .where("n.account_id", "=", recipientId)
    .where("a.domain", "=", domain)
    .where("n.type", "in", [...FILTERABLE_TYPES])
    // Ids are time-ordered: this reads the last hour through notifications_account (account_id, id).
    .where("n.id", ">=", idAtTime(Date.now() - 3_600_000))
    .where((eb) =>
      eb.not(eb.exists(eb.selectFrom("follows as f").select("f.id").where("f.follower_id", "=", recipientId).whereRef("f.followee_id", "=", "a.id").where("f.state", "=", "accepted"))),
    )
    .executeTakeFirstOrThrow();
  return Number(r.c);
}

/** Removes the notification an undone action caused (unlike, unrepost, unfollow). */
export async function unnotify(
  tx: Tx,
  n: { recipientId: string; fromId: string; type: NotificationType; postId?: string | null },
): Promise<void> {
  let q = tx
    .deleteFrom("notifications")
    .where("account_id", "=", n.recipientId)
    .where("from_account_id", "=", n.fromId)
    .where("type", "=", n.type);
  if (n.postId) q = q.where("post_id", "=", n.postId);
  await q.execute();
}
