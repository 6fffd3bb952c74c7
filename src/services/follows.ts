// Follow use-cases. A follow of a public local account is accepted at once; of a private
// account, or of a remote one, it stays pending until accepted (by the person, or by an
// Accept from the remote server).
import type { Account } from "../domain/account.ts";
import { newId } from "../domain/ids.ts";
import { fail, ok, type Result } from "../domain/result.ts";
import { isShared } from "../domain/fediverse.ts";
import { findAccountById } from "../db/repositories/accounts.ts";
import { isBlockedEitherWay } from "../db/views/relations.ts";
import { nowIso, recordEvent, transaction, type ServiceDeps, type Tx } from "./deps.ts";
import { notify, unnotify } from "./notify.ts";

export type FollowState = "pending" | "accepted";

export class FollowService {
  readonly #deps: ServiceDeps;
  constructor(deps: ServiceDeps) {
    this.#deps = deps;
  }
  get #db() {
    return this.#deps.db.kysely;
  }

  async follow(followerId: string, targetId: string): Promise<Result<FollowState>> {
    if (followerId === targetId) return fail("invalid", "You cannot follow yourself.");
    const [follower, target] = await Promise.all([findAccountById(this.#db, followerId), findAccountById(this.#db, targetId)]);
    if (!follower || !target || (target.suspended && target.domain === null)) return fail("not_found", "No such account.");
    if (follower.suspended) return fail("forbidden", "This account is suspended.");
    // Nothing is sent for an account that does not share: the follow would hang pending.
    if (target.domain !== null && !isShared(follower, this.#deps.config)) {
      return fail("forbidden", "Turn on fediverse sharing (Settings > Fediverse sharing) to follow people on other servers.");
    }
    if (await isBlockedEitherWay(this.#db, followerId, targetId)) return fail("forbidden", "You cannot follow this account.");
    const existing = await this.#db.selectFrom("follows").select("state").where("follower_id", "=", followerId).where("followee_id", "=", targetId).executeTakeFirst();
    if (existing) return ok(existing.state);
    const state: FollowState = target.isPrivate || target.domain !== null ? "pending" : "accepted";
    const id = newId();
    await transaction(this.#deps, async (tx) => {
      await tx.insertInto("follows").values({ id, follower_id: followerId, followee_id: targetId, state, created_at: nowIso(), uri: null }).execute();
      await notify(tx, { recipientId: targetId, fromId: followerId, type: state === "accepted" ? "follow" : "follow_request" });
      await recordEvent(this.#deps, tx, { type: "follow.requested", followId: id, followerId, followeeId: targetId });
    });
    return ok(state);
  }

  async unfollow(followerId: string, targetId: string): Promise<Result<true>> {
    const f = await this.#db.selectFrom("follows").selectAll().where("follower_id", "=", followerId).where("followee_id", "=", targetId).executeTakeFirst();
    if (!f) return ok(true);
    await transaction(this.#deps, async (tx) => {
      await tx.deleteFrom("follows").where("id", "=", f.id).execute();
      await unnotify(tx, { recipientId: targetId, fromId: followerId, type: f.state === "accepted" ? "follow" : "follow_request" });
      await recordEvent(this.#deps, tx, { type: "follow.undone", followId: f.id, followerId, followeeId: targetId, uri: f.uri });
    });
    return ok(true);
  }

  async approve(accountId: string, followerId: string): Promise<Result<true>> {
    const f = await this.#db.selectFrom("follows").selectAll().where("follower_id", "=", followerId).where("followee_id", "=", accountId).executeTakeFirst();
    if (!f || f.state !== "pending") return fail("not_found", "There is no such follow request.");
    await transaction(this.#deps, (tx) => this.acceptIn(tx, f.id));
    return ok(true);
  }

  /** Marks a pending follow accepted (local approval, or a remote Accept). */
  async acceptIn(tx: Tx, followId: string): Promise<void> {
    const f = await tx.selectFrom("follows").selectAll().where("id", "=", followId).executeTakeFirst();
    if (!f || f.state === "accepted") return;
    await tx.updateTable("follows").set({ state: "accepted" }).where("id", "=", f.id).execute();
    await tx.deleteFrom("notifications").where("account_id", "=", f.followee_id).where("from_account_id", "=", f.follower_id).where("type", "=", "follow_request").execute();
    await notify(tx, { recipientId: f.followee_id, fromId: f.follower_id, type: "follow" });
    await recordEvent(this.#deps, tx, { type: "follow.accepted", followId: f.id, followerId: f.follower_id, followeeId: f.followee_id, uri: f.uri });
  }

  async deny(accountId: string, followerId: string): Promise<Result<true>> {
    return this.#removeFollow(accountId, followerId, "pending");
  }

  /** Removes a follower (accepted or pending); remote ones get a Reject(Follow). */
  async removeFollower(accountId: string, followerId: string): Promise<Result<true>> {
    return this.#removeFollow(accountId, followerId, null);
  }

  async #removeFollow(accountId: string, followerId: string, onlyState: FollowState | null): Promise<Result<true>> {
    const f = await this.#db.selectFrom("follows").selectAll().where("follower_id", "=", followerId).where("followee_id", "=", accountId).executeTakeFirst();
    if (!f || (onlyState && f.state !== onlyState)) return fail("not_found", "There is no such follow request.");
    await transaction(this.#deps, (tx) => this.rejectIn(tx, f.id));
    return ok(true);
  }

  async rejectIn(tx: Tx, followId: string): Promise<void> {
    const f = await tx.selectFrom("follows").selectAll().where("id", "=", followId).executeTakeFirst();
    if (!f) return;
    await tx.deleteFrom("follows").where("id", "=", f.id).execute();
    await tx.deleteFrom("notifications").where("account_id", "=", f.followee_id).where("from_account_id", "=", f.follower_id).where("type", "in", ["follow", "follow_request"]).execute();
    await recordEvent(this.#deps, tx, { type: "follow.rejected", followId: f.id, followerId: f.follower_id, followeeId: f.followee_id, uri: f.uri });
  }

  async pendingRequests(accountId: string): Promise<Account[]> {
    const rows = await this.#db
      .selectFrom("follows")
      .select("follower_id")
      .where("followee_id", "=", accountId)
      .where("state", "=", "pending")
      .orderBy("id", "desc")
      .limit(200)
      .execute();
    const accounts = await Promise.all(rows.map((r) => findAccountById(this.#db, r.follower_id)));
    return accounts.filter((a): a is Account => a !== null);
  }
}
