// Inbound interactions from remote accounts: likes and reposts of our posts, follows in
// both directions, blocks and reports. Each is one transaction, idempotent on the remote
// uri, and only ever acts on what the signer itself owns.
import { sql } from "kysely";
import { newId } from "../domain/ids.ts";
import type { Post } from "../domain/post.ts";
import { findPostById, rowToPost } from "../db/repositories/posts.ts";
import { nowIso, recordEvent, transaction, type ServiceDeps } from "./deps.ts";
import type { FollowService } from "./follows.ts";
import { notify, unnotify } from "./notify.ts";
import { blocksServerOf } from "./remote-server-blocks.ts";
import type { PostService } from "./posts.ts";

export class RemoteInteractionService {
  readonly #deps: ServiceDeps;
  readonly #posts: PostService;
  readonly #follows: FollowService;
  constructor(deps: ServiceDeps, posts: PostService, follows: FollowService) {
    this.#deps = deps;
    this.#posts = posts;
    this.#follows = follows;
  }
  get #db() {
    return this.#deps.db.kysely;
  }

  async like(accountId: string, post: Post, uri: string, emoji: string | null): Promise<boolean> {
    const existing = await this.#db
      .selectFrom("likes")
      .select("id")
      .where((eb) => eb.or([eb("uri", "=", uri), eb.and([eb("account_id", "=", accountId), eb("post_id", "=", post.id)])]))
      .executeTakeFirst();
    if (existing) return false;
    await transaction(this.#deps, async (tx) => {
      await tx.insertInto("likes").values({ id: newId(), account_id: accountId, post_id: post.id, created_at: nowIso(), uri, emoji }).execute();
      await tx.updateTable("posts").set({ likes_count: sql`likes_count + 1` }).where("id", "=", post.id).execute();
      await notify(tx, { recipientId: post.accountId, fromId: accountId, type: "like", postId: post.id });
    });
    return true;
  }

  /** Undo(Like): only the like's own author can take it back (SECURITY-CASES 24). */
  async unlike(accountId: string, likeUri: string | null, postId: string | null): Promise<boolean> {
    let q = this.#db.selectFrom("likes").selectAll().where("account_id", "=", accountId);
    q = likeUri ? q.where("uri", "=", likeUri) : q.where("post_id", "=", postId ?? "");
    const like = await q.executeTakeFirst();
    if (!like) return false;
    const post = await findPostById(this.#db, like.post_id);
    await transaction(this.#deps, async (tx) => {
      await tx.deleteFrom("likes").where("id", "=", like.id).execute();
      await tx.updateTable("posts").set({ likes_count: sql`likes_count - 1` }).where("id", "=", like.post_id).where("likes_count", ">", 0).execute();
      if (post) await unnotify(tx, { recipientId: post.accountId, fromId: accountId, type: "like", postId: post.id });
    });
    return true;
  }

  async repost(accountId: string, post: Post, uri: string, createdAt: string): Promise<boolean> {
    if (await this.#db.selectFrom("posts").select("id").where("uri", "=", uri).executeTakeFirst()) return false;
    const dup = await this.#db.selectFrom("posts").select("id").where("repost_of_id", "=", post.id).where("account_id", "=", accountId).executeTakeFirst();
    if (dup) return false;
    await transaction(this.#deps, async (tx) => {
      await tx
        .insertInto("posts")
        .values({
          id: newId(), account_id: accountId, local: 0, text: "", html: "", summary: null, sensitive: 0, language: null,
          visibility: "public", reply_policy: "anyone", in_reply_to_id: null, in_reply_to_account_id: null, in_reply_to_uri: null,
          quote_of_id: null, repost_of_id: post.id, replies_count: 0, likes_count: 0, reposts_count: 0, quotes_count: 0,
          created_at: createdAt, edited_at: null, uri, url: null, object_type: null, title: null, federated_at: null,
        })
        .execute();
      await tx.updateTable("posts").set({ reposts_count: sql`reposts_count + 1` }).where("id", "=", post.id).execute();
      await notify(tx, { recipientId: post.accountId, fromId: accountId, type: "repost", postId: post.id });
    });
    return true;
  }

  /** Undo(Announce): only by the reposter. */
  async unrepost(accountId: string, uri: string): Promise<boolean> {
    const row = await this.#db.selectFrom("posts").selectAll().where("uri", "=", uri).where("account_id", "=", accountId).where("repost_of_id", "is not", null).executeTakeFirst();
    if (!row) return false;
    const repost = rowToPost(row);
    const original = await findPostById(this.#db, repost.repostOfId!);
    await transaction(this.#deps, async (tx) => {
      await this.#posts.deleteIn(tx, repost);
      if (original) await unnotify(tx, { recipientId: original.accountId, fromId: accountId, type: "repost", postId: original.id });
    });
    return true;
  }

  /** A remote Follow of a shared local account: accepted at once (shared accounts are public). */
  async receiveFollow(followerId: string, followeeId: string, uri: string): Promise<void> {
    // From a server the account blocked for itself: refused (no Accept goes out).
    if (await blocksServerOf(this.#deps, followeeId, followerId)) return;
    const existing = await this.#db.selectFrom("follows").selectAll().where("follower_id", "=", followerId).where("followee_id", "=", followeeId).executeTakeFirst();
    await transaction(this.#deps, async (tx) => {
      if (existing) {
        // A re-sent Follow (the remote lost our Accept): answer again with its new id.
        await tx.updateTable("follows").set({ uri, state: "accepted" }).where("id", "=", existing.id).execute();
        await recordEvent(this.#deps, tx, { type: "follow.accepted", followId: existing.id, followerId, followeeId, uri });
        return;
      }
      const id = newId();
      await tx.insertInto("follows").values({ id, follower_id: followerId, followee_id: followeeId, state: "accepted", created_at: nowIso(), uri }).execute();
      await notify(tx, { recipientId: followeeId, fromId: followerId, type: "follow" });
      await recordEvent(this.#deps, tx, { type: "follow.accepted", followId: id, followerId, followeeId, uri });
    });
  }

  /** Undo(Follow) by the follower. */
  async undoFollow(followerId: string, followeeId: string): Promise<boolean> {
    const f = await this.#db.selectFrom("follows").selectAll().where("follower_id", "=", followerId).where("followee_id", "=", followeeId).executeTakeFirst();
    if (!f) return false;
    await transaction(this.#deps, async (tx) => {
      await tx.deleteFrom("follows").where("id", "=", f.id).execute();
      await unnotify(tx, { recipientId: followeeId, fromId: followerId, type: "follow" });
    });
    return true;
  }

  /** Accept of our Follow, from the account that was followed (SECURITY-CASES 27). */
  async followAccepted(followId: string, byAccountId: string): Promise<boolean> {
    const f = await this.#db.selectFrom("follows").selectAll().where("id", "=", followId).executeTakeFirst();
    if (!f || f.followee_id !== byAccountId) return false;
    await transaction(this.#deps, (tx) => this.#follows.acceptIn(tx, f.id));
    return true;
  }

  /** Reject of our Follow (before or after an Accept): the follow goes. */
  async followRejected(followerId: string, byAccountId: string): Promise<boolean> {
    const f = await this.#db.selectFrom("follows").selectAll().where("follower_id", "=", followerId).where("followee_id", "=", byAccountId).executeTakeFirst();
    if (!f) return false;
    await transaction(this.#deps, async (tx) => {
      await tx.deleteFrom("follows").where("id", "=", f.id).execute();
    });
    return true;
  }

  /**
   * A verified Move of `fromId` to `toId`: local followers of the old account follow the
   * new one (pending until it accepts), and their old follow is undone.
   */
  async moveFollowers(fromId: string, toId: string): Promise<number> {
    await this.#db.updateTable("accounts").set({ moved_to_id: toId }).where("id", "=", fromId).execute();
    const follows = await this.#db
      .selectFrom("follows")
      .innerJoin("accounts", "accounts.id", "follows.follower_id")
      .select("follows.follower_id")
      .where("follows.followee_id", "=", fromId)
      .where("accounts.domain", "is", null)
      .execute();
    let moved = 0;
    for (const f of follows) {
      await this.#follows.unfollow(f.follower_id, fromId);
      if ((await this.#follows.follow(f.follower_id, toId)).ok) moved++;
    }
    return moved;
  }

  async block(remoteId: string, localId: string, uri: string): Promise<void> {
    await transaction(this.#deps, async (tx) => {
      await tx.insertInto("blocks").values({ account_id: remoteId, target_id: localId, created_at: nowIso(), uri }).onConflict((oc) => oc.columns(["account_id", "target_id"]).doNothing()).execute();
      await tx
        .deleteFrom("follows")
        .where((eb) => eb.or([
          eb.and([eb("follower_id", "=", remoteId), eb("followee_id", "=", localId)]),
          eb.and([eb("follower_id", "=", localId), eb("followee_id", "=", remoteId)]),
        ]))
        .execute();
    });
  }

  async unblock(remoteId: string, localId: string): Promise<void> {
    await this.#db.deleteFrom("blocks").where("account_id", "=", remoteId).where("target_id", "=", localId).execute();
  }

  /** A Flag: kept as a report for the moderators. */
  async report(reporterId: string | null, targetId: string, postIds: string[], comment: string, uri: string | null): Promise<void> {
    if (uri) {
      const dup = await this.#db.selectFrom("reports").select("id").where("uri", "=", uri).executeTakeFirst();
      if (dup) return;
    }
    await this.#db
      .insertInto("reports")
      .values({ id: newId(), reporter_id: reporterId, target_account_id: targetId, post_ids_json: JSON.stringify(postIds), comment: comment.slice(0, 5000), uri, created_at: nowIso(), resolved_at: null })
      .execute();
  }
}
