// How two accounts stand to each other, and the SQL filter that decides which posts a
// viewer may see. The filter mirrors domain/post.ts canSee(); keep the two in step.
import { sql, type ExpressionBuilder, type Kysely } from "kysely";
import type { Database } from "../schema.ts";

export interface Relationship {
  following: "none" | "pending" | "accepted";
  followedBy: "none" | "pending" | "accepted";
  blocking: boolean;
  blockedBy: boolean;
  muting: boolean;
}

export async function relationship(db: Kysely<Database>, viewerId: string, targetId: string): Promise<Relationship> {
  const [out, inc, blocks, mute] = await Promise.all([
    db.selectFrom("follows").select("state").where("follower_id", "=", viewerId).where("followee_id", "=", targetId).executeTakeFirst(),
    db.selectFrom("follows").select("state").where("follower_id", "=", targetId).where("followee_id", "=", viewerId).executeTakeFirst(),
    db
      .selectFrom("blocks")
      .select(["account_id", "target_id"])
      .where((eb) =>
        eb.or([
          eb.and([eb("account_id", "=", viewerId), eb("target_id", "=", targetId)]),
          eb.and([eb("account_id", "=", targetId), eb("target_id", "=", viewerId)]),
        ]),
      )
      .execute(),
    db.selectFrom("mutes").select("target_id").where("account_id", "=", viewerId).where("target_id", "=", targetId).executeTakeFirst(),
  ]);
  return {
    following: out?.state ?? "none",
    followedBy: inc?.state ?? "none",
    blocking: blocks.some((b) => b.account_id === viewerId),
    blockedBy: blocks.some((b) => b.account_id === targetId),
    muting: !!mute,
  };
}

export async function isBlockedEitherWay(db: Kysely<Database>, a: string, b: string): Promise<boolean> {
  const r = await db
    .selectFrom("blocks")
    .select("account_id")
    .where((eb) =>
      eb.or([
        eb.and([eb("account_id", "=", a), eb("target_id", "=", b)]),
        eb.and([eb("account_id", "=", b), eb("target_id", "=", a)]),
      ]),
    )
    .executeTakeFirst();
  return !!r;
}

export async function isFollowing(db: Kysely<Database>, followerId: string, followeeId: string): Promise<boolean> {
  const r = await db
    .selectFrom("follows")
    .select("id")
    .where("follower_id", "=", followerId)
    .where("followee_id", "=", followeeId)
    .where("state", "=", "accepted")
    .executeTakeFirst();
  return !!r;
}

type PostEB = ExpressionBuilder<Database & { p: Database["posts"]; a: Database["accounts"] }, "p" | "a">;

/**
 * The posts (aliased `p`, joined to their author `a`) that `viewerId` may see. With a
 * null viewer: public and unlisted posts of public, unsuspended accounts.
 */
export function visibleTo(eb: PostEB, viewerId: string | null) {
  const publicPost = eb.and([
    eb("p.visibility", "in", ["public", "unlisted"]),
    eb("a.is_private", "=", 0),
  ]);
  const notSuspended = eb("a.suspended_at", "is", null);
  if (viewerId === null) return eb.and([publicPost, notSuspended]);
  const notBlocked = eb.not(
    eb.exists(
      eb
        .selectFrom("blocks as b")
        .select(sql`1`.as("x"))
        .where((e) =>
          e.or([
            e.and([e("b.account_id", "=", viewerId), e("b.target_id", "=", e.ref("p.account_id"))]),
            e.and([e("b.target_id", "=", viewerId), e("b.account_id", "=", e.ref("p.account_id"))]),
          ]),
        ),
    ),
  );
  // A server the viewer blocked for themselves: its accounts' posts are hidden everywhere.
  const notServerBlocked = eb.not(
    eb.exists(
      eb.selectFrom("domain_blocks as dbk").select(sql`1`.as("x")).where("dbk.account_id", "=", viewerId).whereRef("dbk.domain", "=", "a.domain"),
    ),
  );
  const follower = eb.exists(
    eb
      .selectFrom("follows as f")
      .select(sql`1`.as("x"))
      .where("f.follower_id", "=", viewerId)
      .whereRef("f.followee_id", "=", "p.account_id")
      .where("f.state", "=", "accepted"),
  );
  const mentioned = eb.exists(
    eb
      .selectFrom("post_mentions as pm")
      .select(sql`1`.as("x"))
      .whereRef("pm.post_id", "=", "p.id")
      .where("pm.account_id", "=", viewerId),
  );
  return eb.or([
    eb("p.account_id", "=", viewerId),
    eb.and([
      notSuspended,
      notBlocked,
      notServerBlocked,
      eb.or([
        publicPost,
        eb.and([eb("p.visibility", "in", ["public", "unlisted", "followers"]), follower]),
        eb.and([eb("p.visibility", "=", "direct"), mentioned]),
      ]),
    ]),
  ]);
}

/** Hides posts by accounts the viewer muted (feeds only; a direct link still shows them). */
export function notMutedBy(eb: PostEB, viewerId: string | null) {
  if (viewerId === null) return sql<boolean>`1 = 1`;
  return eb.not(
    eb.exists(
      eb
        .selectFrom("mutes as m")
        .select(sql`1`.as("x"))
        .where("m.account_id", "=", viewerId)
        .whereRef("m.target_id", "=", "p.account_id"),
    ),
  );
}
