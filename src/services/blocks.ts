// Block and mute. A block removes follows both ways and hides each from the other; a mute
// only quiets the muted account in the muter's feeds and notifications.
import { fail, ok, type Result } from "../domain/result.ts";
import { findAccountById } from "../db/repositories/accounts.ts";
import { nowIso, recordEvent, transaction, type ServiceDeps } from "./deps.ts";
import type { FollowService } from "./follows.ts";

export class BlockService {
  readonly #deps: ServiceDeps;
  readonly #follows: FollowService;
  constructor(deps: ServiceDeps, follows: FollowService) {
    this.#deps = deps;
    this.#follows = follows;
  }
  get #db() {
    return this.#deps.db.kysely;
  }

  async block(accountId: string, targetId: string): Promise<Result<true>> {
    if (accountId === targetId) return fail("invalid", "You cannot block yourself.");
    if (!(await findAccountById(this.#db, targetId))) return fail("not_found", "No such account.");
    const existing = await this.#db.selectFrom("blocks").select("account_id").where("account_id", "=", accountId).where("target_id", "=", targetId).executeTakeFirst();
    if (existing) return ok(true);
    await transaction(this.#deps, async (tx) => {
      await tx.insertInto("blocks").values({ account_id: accountId, target_id: targetId, created_at: nowIso(), uri: null }).execute();
      const follows = await tx
        .selectFrom("follows")
        .select("id")
        .where((eb) =>
          eb.or([
            eb.and([eb("follower_id", "=", accountId), eb("followee_id", "=", targetId)]),
            eb.and([eb("follower_id", "=", targetId), eb("followee_id", "=", accountId)]),
          ]),
        )
        .execute();
      for (const f of follows) await this.#follows.rejectIn(tx, f.id);
      await tx
        .deleteFrom("notifications")
        .where("account_id", "=", accountId)
        .where("from_account_id", "=", targetId)
        .execute();
      await recordEvent(this.#deps, tx, { type: "block.created", accountId, targetId });
    });
    return ok(true);
  }

  async unblock(accountId: string, targetId: string): Promise<Result<true>> {
    const r = await this.#db.deleteFrom("blocks").where("account_id", "=", accountId).where("target_id", "=", targetId).executeTakeFirst();
    if (Number(r.numDeletedRows) > 0) {
      await transaction(this.#deps, (tx) => recordEvent(this.#deps, tx, { type: "block.removed", accountId, targetId }));
    }
    return ok(true);
  }

  async mute(accountId: string, targetId: string): Promise<Result<true>> {
    if (accountId === targetId) return fail("invalid", "You cannot mute yourself.");
    if (!(await findAccountById(this.#db, targetId))) return fail("not_found", "No such account.");
    await this.#db
      .insertInto("mutes")
      .values({ account_id: accountId, target_id: targetId, created_at: nowIso() })
      .onConflict((oc) => oc.columns(["account_id", "target_id"]).doNothing())
      .execute();
    return ok(true);
  }

  async unmute(accountId: string, targetId: string): Promise<Result<true>> {
    await this.#db.deleteFrom("mutes").where("account_id", "=", accountId).where("target_id", "=", targetId).execute();
    return ok(true);
  }
}
