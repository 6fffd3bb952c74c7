// Accounts: the caller's own (verify/update credentials), others' profiles and posts,
// relationships, follow lists, and follow/block/mute through the same services the web UI
// uses.
import type { Hono } from "hono";
import type { WeftContext } from "../../../app.ts";
import type { Account } from "../../../domain/account.ts";
import { findAccountByHandle, findAccountById } from "../../../db/repositories/accounts.ts";
import { followList } from "../../../db/views/profiles.ts";
import { relationship } from "../../../db/views/relations.ts";
import { searchAccounts } from "../../../db/views/timelines.ts";
import { attachmentUrls } from "../../../media/urls.ts";
import { optionalUser, requireUser, type ApiEnv, type ApiContext } from "../auth.ts";
import { ApiError, bool, list, must, notFound, pageParams, setLinkHeader, str } from "../http.ts";
import { loadStats, renderAccounts, renderAccount } from "../render.ts";
import { accountToCredentialAccount, NO_STATS } from "../serializers/account.ts";
import { relationshipToMastodon } from "../serializers/relationship.ts";
import { accountStatuses } from "./account-statuses.ts";

export function mountAccounts(api: Hono<ApiEnv>, ctx: WeftContext): void {
  const db = ctx.db.kysely;

  const credentialAccount = async (account: Account) => {
    const [stats, requests] = await Promise.all([loadStats(ctx, [account.id]), ctx.services.follows.pendingRequests(account.id)]);
    return accountToCredentialAccount(account, stats.get(account.id) ?? NO_STATS, ctx.config.origin, requests.length);
  };

  /** An account the caller may see: suspended ones are gone, and blocks hide nothing here (Mastodon shows them). */
  const target = async (id: string): Promise<Account> => {
    const a = await findAccountById(db, id);
    if (!a || (a.suspended && a.domain === null) || !a.approved) throw notFound();
    return a;
  };

  const rel = async (me: Account, id: string) => relationshipToMastodon(id, await relationship(db, me.id, id));

  api.get("/api/v1/accounts/verify_credentials", async (c) => {
    const me = requireUser(c, "profile");
    return c.json(await credentialAccount(me));
  });

  api.patch("/api/v1/accounts/update_credentials", async (c) => {
    const me = requireUser(c, "write:accounts");
    const p = c.get("params");
    const displayName = str(p, "display_name");
    const note = str(p, "note");
    const locked = bool(p, "locked");
    // Pictures come as multipart files; they go through the media pipeline (cropped, stripped).
    const pictures: { avatarUrl?: string; headerUrl?: string } = {};
    for (const [field, purpose, key] of [["avatar", "avatar", "avatarUrl"], ["header", "header", "headerUrl"]] as const) {
      const file = p[field];
      if (!(file instanceof File)) continue;
      if (file.size > ctx.services.media.limits.maxImageBytes) throw new ApiError(422, `Validation failed: ${field} is too large`);
      const media = must(await ctx.services.media.upload(me.id, new Uint8Array(await file.arrayBuffer()), { purpose, filename: file.name, declaredType: file.type }));
      pictures[key] = attachmentUrls(ctx, media).url;
    }
    if (displayName !== undefined || note !== undefined || locked !== undefined || pictures.avatarUrl || pictures.headerUrl) {
      must(await ctx.services.accounts.updateProfile(me.id, { displayName, bio: note, isPrivate: locked, ...pictures }));
    }
    // Weft's extension: fediverse sharing on or off, with the same rules as the settings page.
    const sharing = bool(p, "fediverse_sharing");
    if (sharing !== undefined) must(await ctx.services.accounts.setFediverseSharing(me.id, sharing));
    return c.json(await credentialAccount((await findAccountById(db, me.id))!));
  });

  api.get("/api/v1/accounts/relationships", async (c) => {
    const me = requireUser(c, "read:follows");
    const ids = list(c.get("params"), "id").slice(0, 40);
    return c.json(await Promise.all(ids.map((id) => rel(me, id))));
  });

  // Elk calls lookup and search logged out (GTS#2238): no token needed.
  api.get("/api/v1/accounts/lookup", async (c) => {
    optionalUser(c, "read:accounts");
    const acct = (str(c.get("params"), "acct") ?? "").trim().replace(/^@/, "");
    const [username, domainRaw] = acct.split("@");
    if (!username) throw notFound();
    const domain = domainRaw && domainRaw.toLowerCase() !== ctx.config.host.toLowerCase() ? domainRaw : null;
    const a = await findAccountByHandle(db, username, domain);
    if (!a || (a.suspended && a.domain === null) || !a.approved) throw notFound();
    return c.json(await renderAccount(ctx, a));
  });

  api.get("/api/v1/accounts/search", async (c) => {
    optionalUser(c, "read:accounts");
    const p = c.get("params");
    const limit = pageParams(p, 40, 80).limit;
    return c.json(await renderAccounts(ctx, await searchAccounts(db, str(p, "q") ?? "", limit)));
  });

  // Mastodon 4.3's multi-get: GET /api/v1/accounts?id[]=1&id[]=2 (unknown ids are skipped).
  api.get("/api/v1/accounts", async (c) => {
    optionalUser(c, "read:accounts");
    const ids = list(c.get("params"), "id").slice(0, 40);
    const found = await Promise.all(ids.map((id) => findAccountById(db, id)));
    return c.json(await renderAccounts(ctx, found.filter((a): a is Account => !!a && !(a.suspended && a.domain === null) && a.approved)));
  });

  // Followers of the target that the caller follows: not computed yet, so none (Elk, Ivory call it).
  api.get("/api/v1/accounts/familiar_followers", (c) => {
    requireUser(c, "read:follows");
    return c.json(list(c.get("params"), "id").slice(0, 40).map((id) => ({ id, accounts: [] })));
  });

  api.get("/api/v1/accounts/:id", async (c) => {
    optionalUser(c, "read:accounts");
    return c.json(await renderAccount(ctx, await target(c.req.param("id"))));
  });

  api.get("/api/v1/accounts/:id/statuses", (c) => accountStatuses(ctx, c as ApiContext));
  for (const empty of ["featured_tags", "lists", "identity_proofs"]) api.get(`/api/v1/accounts/:id/${empty}`, (c) => c.json([]));

  for (const direction of ["followers", "following"] as const) {
    api.get(`/api/v1/accounts/:id/${direction}`, async (c) => {
      optionalUser(c, "read:accounts");
      const a = await target(c.req.param("id"));
      const page = pageParams(c.get("params"), 40, 80);
      // A private account's lists are for its followers (and itself), like its posts.
      const me = c.get("account");
      if (a.isPrivate && me?.id !== a.id && (!me || (await relationship(db, me.id, a.id)).following !== "accepted")) return c.json([]);
      const rows = await followList(db, a.id, direction, { maxId: page.maxId, limit: page.limit });
      setLinkHeader(c, ctx.config.origin, rows.map((r) => r.followId));
      return c.json(await renderAccounts(ctx, rows.map((r) => r.account)));
    });
  }

  api.post("/api/v1/accounts/:id/follow", async (c) => {
    const me = requireUser(c, "write:follows");
    const a = await target(c.req.param("id"));
    must(await ctx.services.follows.follow(me.id, a.id));
    return c.json(await rel(me, a.id));
  });
  api.post("/api/v1/accounts/:id/unfollow", async (c) => {
    const me = requireUser(c, "write:follows");
    const a = await target(c.req.param("id"));
    must(await ctx.services.follows.unfollow(me.id, a.id));
    return c.json(await rel(me, a.id));
  });
  api.post("/api/v1/accounts/:id/remove_from_followers", async (c) => {
    const me = requireUser(c, "write:follows");
    const a = await target(c.req.param("id"));
    const r = await ctx.services.follows.removeFollower(me.id, a.id);
    if (!r.ok && r.error !== "not_found") must(r);
    return c.json(await rel(me, a.id));
  });
  for (const [action, scope] of [["block", "write:blocks"], ["unblock", "write:blocks"], ["mute", "write:mutes"], ["unmute", "write:mutes"]] as const) {
    api.post(`/api/v1/accounts/:id/${action}`, async (c) => {
      const me = requireUser(c, scope);
      const id = c.req.param("id");
      if (!(await findAccountById(db, id))) throw notFound();
      must(await ctx.services.blocks[action](me.id, id));
      return c.json(await rel(me, id));
    });
  }

  const listOf = async (c: ApiContext, table: "blocks" | "mutes", scope: string) => {
    const me = requireUser(c, scope);
    const rows = await db.selectFrom(table).select("target_id").where("account_id", "=", me.id).orderBy("created_at", "desc").limit(80).execute();
    const accounts = (await Promise.all(rows.map((r) => findAccountById(db, r.target_id)))).filter((a): a is Account => !!a);
    return c.json(await renderAccounts(ctx, accounts));
  };
  api.get("/api/v1/blocks", async (c) => listOf(c, "blocks", "read:blocks"));
  api.get("/api/v1/mutes", async (c) => listOf(c, "mutes", "read:mutes"));

  api.get("/api/v1/follow_requests", async (c) => {
    const me = requireUser(c, "read:follows");
    return c.json(await renderAccounts(ctx, await ctx.services.follows.pendingRequests(me.id)));
  });
  api.post("/api/v1/follow_requests/:id/authorize", async (c) => {
    const me = requireUser(c, "write:follows");
    must(await ctx.services.follows.approve(me.id, c.req.param("id")));
    return c.json(await rel(me, c.req.param("id")));
  });
  api.post("/api/v1/follow_requests/:id/reject", async (c) => {
    const me = requireUser(c, "write:follows");
    must(await ctx.services.follows.deny(me.id, c.req.param("id")));
    return c.json(await rel(me, c.req.param("id")));
  });
}
