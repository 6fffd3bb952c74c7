// followers, following, outbox (paged), featured. Followers lists only remote followers'
// ids: it is also what Fedify fans out to, and local followers need no delivery.
import { Create, type Recipient } from "@fedify/vocab";
import type { FederationBuilder } from "@fedify/fedify";
import { rowToPost } from "../../db/repositories/posts.ts";
import { profileCounts } from "../../db/views/profiles.ts";
import { sharedAccount, type FedData } from "../context.ts";
import { loadNote } from "../notes.ts";
import { recipientsOf, remoteFollowers } from "../recipients.ts";
import { actorUri, PATHS } from "../uris.ts";

const PAGE = 20;

export function registerCollections(builder: FederationBuilder<FedData>): void {
  builder
    .setFollowersDispatcher(PATHS.followers, async (ctx, identifier) => {
      const account = await sharedAccount(ctx.data.weft, identifier);
      if (!account) return null;
      const items: Recipient[] = recipientsOf(await remoteFollowers(ctx.data.weft.db.kysely, account.id));
      return { items };
    })
    .setCounter(async (ctx, identifier) => {
      const account = await sharedAccount(ctx.data.weft, identifier);
      return account ? (await profileCounts(ctx.data.weft.db.kysely, account.id)).followers : null;
    });

  builder
    .setFollowingDispatcher(PATHS.following, async (ctx, identifier) => {
      const { weft } = ctx.data;
      const account = await sharedAccount(weft, identifier);
      if (!account) return null;
      const rows = await weft.db.kysely
        .selectFrom("follows as f")
        .innerJoin("accounts as a", "a.id", "f.followee_id")
        .select(["a.id", "a.uri", "a.domain", "a.fediverse_sharing"])
        .where("f.follower_id", "=", account.id)
        .where("f.state", "=", "accepted")
        .execute();
      // Local followees appear only when they share too: nothing of a non-shared account leaks.
      const items = rows
        .filter((r) => r.domain !== null || Number(r.fediverse_sharing) === 1)
        .map((r) => new URL(r.domain === null ? actorUri(ctx.origin, r.id) : r.uri!));
      return { items };
    });

  builder
    .setOutboxDispatcher(PATHS.outbox, async (ctx, identifier, cursor) => {
      const { weft } = ctx.data;
      const account = await sharedAccount(weft, identifier);
      if (!account || cursor === null) return null;
      let q = weft.db.kysely
        .selectFrom("posts")
        .selectAll()
        .where("account_id", "=", account.id)
        .where("visibility", "=", "public")
        .where("repost_of_id", "is", null);
      if (cursor !== "") q = q.where("id", "<", cursor);
      const rows = await q.orderBy("id", "desc").limit(PAGE).execute();
      const items = [];
      for (const r of rows) {
        const note = await loadNote(weft.db.kysely, ctx.origin, rowToPost(r));
        items.push(new Create({ id: new URL(`${note.id!.href}#create`), actor: note.attributionId, object: note, tos: note.toIds, ccs: note.ccIds, published: note.published }));
      }
      return { items, nextCursor: rows.length === PAGE ? rows[rows.length - 1].id : null };
    })
    .setFirstCursor(() => "")
    .setCounter(async (ctx, identifier) => {
      const account = await sharedAccount(ctx.data.weft, identifier);
      if (!account) return null;
      const r = await ctx.data.weft.db.kysely
        .selectFrom("posts")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where("account_id", "=", account.id)
        .where("visibility", "=", "public")
        .where("repost_of_id", "is", null)
        .executeTakeFirstOrThrow();
      return Number(r.n);
    });

  // Weft has no pinned posts yet: an empty featured collection keeps Mastodon happy.
  builder.setFeaturedDispatcher(PATHS.featured, async (ctx, identifier) => {
    const account = await sharedAccount(ctx.data.weft, identifier);
    return account ? { items: [] } : null;
  });
}
