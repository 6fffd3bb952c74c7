// Migration 0007 on a site that already has data: the stored counters are backfilled from
// the rows, and the triggers keep them from then on. The "old" site is built by applying
// migrations 0001-0004 only and loading rows with the benchmark's bulk seeder.
import { test } from "node:test";
import assert from "node:assert/strict";
import { openDatabase } from "../../src/db/kysely.ts";
import { applyMigrations, migrate } from "../../src/db/migrate.ts";
import * as m0001 from "../../src/db/migrations/0001-core.ts";
import * as m0002 from "../../src/db/migrations/0002-federation.ts";
import * as m0003 from "../../src/db/migrations/0003-oauth.ts";
import * as m0004 from "../../src/db/migrations/0004-media.ts";
import { seed } from "../../bench/lib/seed.ts";
import { testDatabaseUrl } from "../helpers/server.ts";

test("migration 0007 backfills the counters of existing accounts, then keeps them", async (t) => {
  const url = testDatabaseUrl();
  const db = await openDatabase(url.url);
  t.after(async () => {
    await db.close();
    await url.cleanup();
  });
  // Through the same retries as `migrate` (another test's schema vanishing mid-introspection).
  await applyMigrations(db.kysely, { "0001-core": m0001, "0002-federation": m0002, "0003-oauth": m0003, "0004-media": m0004 });
  const info = await seed(db, { accounts: 40, followsEach: 7, posts: 300 });
  // Some follows still pending: they must not count.
  await db.kysely.updateTable("follows").set({ state: "pending" }).where("follower_id", "=", info.accountId(3)).execute();

  assert.ok((await migrate(db.kysely)).includes("0007-account-stats"));

  const recount = async () => {
    const k = db.kysely;
    const followers = await k.selectFrom("follows").select(["followee_id as id", (eb) => eb.fn.countAll<number>().as("n")]).where("state", "=", "accepted").groupBy("followee_id").execute();
    const following = await k.selectFrom("follows").select(["follower_id as id", (eb) => eb.fn.countAll<number>().as("n")]).where("state", "=", "accepted").groupBy("follower_id").execute();
    const posts = await k.selectFrom("posts").select(["account_id as id", (eb) => eb.fn.countAll<number>().as("n"), (eb) => eb.fn.max("id").as("last")]).groupBy("account_id").execute();
    const out = new Map<string, { followers: number; following: number; posts: number; last: string | null }>();
    for (const a of await k.selectFrom("accounts").select("id").execute()) out.set(a.id, { followers: 0, following: 0, posts: 0, last: null });
    for (const r of followers) out.get(r.id)!.followers = Number(r.n);
    for (const r of following) out.get(r.id)!.following = Number(r.n);
    for (const r of posts) Object.assign(out.get(r.id)!, { posts: Number(r.n), last: r.last as string });
    return out;
  };
  const stored = async () => {
    const rows = await db.kysely.selectFrom("account_stats").selectAll().execute();
    return new Map(rows.map((r) => [r.account_id, { followers: Number(r.followers_count), following: Number(r.following_count), posts: Number(r.posts_count), last: r.last_post_id }]));
  };
  const want = await recount();
  assert.equal(want.size, 40);
  assert.equal(want.get(info.accountId(3))!.following, 0);
  assert.ok([...want.values()].some((v) => v.followers > 0 && v.posts > 0));
  assert.deepEqual(await stored(), want);

  // From here on the triggers keep them: a bulk delete of follows and of posts, a bulk accept.
  await db.kysely.updateTable("follows").set({ state: "accepted" }).where("follower_id", "=", info.accountId(3)).execute();
  await db.kysely.deleteFrom("follows").where("followee_id", "=", info.accountId(5)).execute();
  const newest = await db.kysely.selectFrom("posts").select("id").where("account_id", "=", info.accountId(7)).orderBy("id", "desc").limit(2).execute();
  await db.kysely.deleteFrom("posts").where("id", "in", newest.map((p) => p.id)).execute();
  assert.deepEqual(await stored(), await recount());
});
