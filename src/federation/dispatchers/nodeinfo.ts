// NodeInfo 2.1, read by stats crawlers (fedidb.org) and by Mastodon to label the server.
import type { FederationBuilder } from "@fedify/fedify";
import type { FedData } from "../context.ts";

export const WEFT_VERSION = "0.1.0";

export function registerNodeInfo(builder: FederationBuilder<FedData>): void {
  builder.setNodeInfoDispatcher("/nodeinfo/2.1", async (ctx) => {
    const { weft } = ctx.data;
    const db = weft.db.kysely;
    const now = Date.now();
    const since = (days: number) => new Date(now - days * 86400_000).toISOString();
    const count = async (q: { executeTakeFirstOrThrow(): Promise<{ n: unknown }> }) => Number((await q.executeTakeFirstOrThrow()).n);
    const users = db.selectFrom("accounts").select((eb) => eb.fn.countAll<number>().as("n")).where("domain", "is", null).where("suspended_at", "is", null);
    const activeSince = (days: number) =>
      users.where("id", "in", db.selectFrom("posts").select("account_id").where("local", "=", 1).where("created_at", ">=", since(days)));
    const [total, activeMonth, activeHalfyear, localPosts] = await Promise.all([
      count(users),
      count(activeSince(30)),
      count(activeSince(180)),
      count(db.selectFrom("posts").select((eb) => eb.fn.countAll<number>().as("n")).where("local", "=", 1).where("repost_of_id", "is", null)),
    ]);
    return {
      software: { name: "weft", version: WEFT_VERSION, homepage: new URL("https://github.com/weft-social/weft") },
      protocols: ["activitypub"],
      openRegistrations: weft.config.registrationMode === "open",
      usage: { users: { total, activeMonth, activeHalfyear }, localPosts, localComments: 0 },
      metadata: { nodeName: weft.config.siteName },
    };
  });
}
