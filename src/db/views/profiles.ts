// A profile's header: the account with its counts.
import type { Kysely } from "kysely";
import type { Account } from "../../domain/account.ts";
import type { Database } from "../schema.ts";
import { rowToAccount } from "../repositories/accounts.ts";

export interface ProfileView {
  account: Account;
  followers: number;
  following: number;
  posts: number;
}

export async function profileCounts(db: Kysely<Database>, accountId: string): Promise<Omit<ProfileView, "account">> {
  const r = await db.selectFrom("account_stats").select(["followers_count", "following_count", "posts_count"]).where("account_id", "=", accountId).executeTakeFirst();
  return { followers: Number(r?.followers_count ?? 0), following: Number(r?.following_count ?? 0), posts: Number(r?.posts_count ?? 0) };
}

export async function followList(
  db: Kysely<Database>,
  accountId: string,
  direction: "followers" | "following",
  opts: { maxId?: string | null; limit?: number } = {},
): Promise<{ account: Account; followId: string }[]> {
  const [mine, theirs] = direction === "followers" ? (["followee_id", "follower_id"] as const) : (["follower_id", "followee_id"] as const);
  let q = db
    .selectFrom("follows as f")
    .innerJoin("accounts as a", "a.id", `f.${theirs}`)
    .selectAll("a")
    .select("f.id as follow_id")
    .where(`f.${mine}`, "=", accountId)
    .where("f.state", "=", "accepted");
  if (opts.maxId) q = q.where("f.id", "<", opts.maxId);
  const rows = await q.orderBy("f.id", "desc").limit(Math.min(opts.limit ?? 40, 80)).execute();
  return rows.map((r) => ({ account: rowToAccount(r as never), followId: (r as { follow_id: string }).follow_id }));
}
