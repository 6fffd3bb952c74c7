// Timelines, notifications and search: the same views as the web UI's feeds, paged by id
// cursors with Link headers.
import type { Hono } from "hono";
import type { WeftContext } from "../../../app.ts";
import { listNotifications } from "../../../db/views/notifications.ts";
import { followingFeed, hashtagFeed, publicFeed, searchAccounts, searchPosts, searchTags } from "../../../db/views/timelines.ts";
import { apiDb } from "../db.ts";
import { optionalUser, requireUser, type ApiEnv } from "../auth.ts";
import { bool, list, notFound, pageParams, setLinkHeader, str } from "../http.ts";
import { renderAccounts, renderNotifications, renderStatuses } from "../render.ts";
import { notificationTypesFromMastodon } from "../serializers/notification.ts";
import type { Account } from "../../../domain/account.ts";
import { isShared } from "../../../domain/fediverse.ts";
import { findAccountById } from "../../../db/repositories/accounts.ts";
import { hydratePosts } from "../../../db/views/post-views.ts";

export function mountTimelines(api: Hono<ApiEnv>, ctx: WeftContext): void {
  const db = ctx.db.kysely;

  api.get("/api/v1/timelines/home", async (c) => {
    const me = requireUser(c, "read:statuses");
    const views = await followingFeed(db, me.id, pageParams(c.get("params")));
    setLinkHeader(c, ctx.config.origin, views.map((v) => v.post.id));
    return c.json(await renderStatuses(ctx, me.id, views));
  });

  api.get("/api/v1/timelines/public", async (c) => {
    const viewer = optionalUser(c, "read:statuses");
    const p = c.get("params");
    const views = await publicFeed(db, viewer?.id ?? null, pageParams(p), { local: bool(p, "local") ?? false, remote: bool(p, "remote") ?? false });
    setLinkHeader(c, ctx.config.origin, views.map((v) => v.post.id));
    return c.json(await renderStatuses(ctx, viewer?.id ?? null, views));
  });

  api.get("/api/v1/timelines/tag/:tag", async (c) => {
    const viewer = optionalUser(c, "read:statuses");
    let views = await hashtagFeed(db, c.req.param("tag").replace(/^#/, ""), viewer?.id ?? null, pageParams(c.get("params")));
    if (bool(c.get("params"), "local")) views = views.filter((v) => v.post.local);
    setLinkHeader(c, ctx.config.origin, views.map((v) => v.post.id));
    return c.json(await renderStatuses(ctx, viewer?.id ?? null, views));
  });

  // Weft has no lists: every list is unknown.
  api.get("/api/v1/timelines/list/:id", (c) => {
    requireUser(c, "read:lists");
    throw notFound();
  });

  api.get("/api/v1/notifications", async (c) => {
    const me = requireUser(c, "read:notifications");
    const p = c.get("params");
    const page = pageParams(p, 40, 80);
    const types = list(p, "types");
    const exclude = list(p, "exclude_types");
    const included = types.length ? notificationTypesFromMastodon(types) : undefined;
    // Asking only for types Weft never makes (poll, status, update...) is an empty page.
    if (included && included.length === 0) return c.json([]);
    const items = await listNotifications(db, me.id, { ...page, types: included, excludeTypes: notificationTypesFromMastodon(exclude) });
    setLinkHeader(c, ctx.config.origin, items.map((n) => n.id));
    return c.json(await renderNotifications(ctx, me.id, items));
  });

  api.get("/api/v1/notifications/unread_count", async (c) => {
    const me = requireUser(c, "read:notifications");
    const marker = await apiDb(ctx.db).selectFrom("markers").select("last_read_id").where("account_id", "=", me.id).where("timeline", "=", "notifications").executeTakeFirst();
    let q = db.selectFrom("notifications").select((eb) => eb.fn.countAll<number>().as("n")).where("account_id", "=", me.id).where("filtered", "=", 0);
    if (marker) q = q.where("id", ">", marker.last_read_id);
    return c.json({ count: Number((await q.executeTakeFirstOrThrow()).n) });
  });

  api.get("/api/v1/notifications/:id", async (c) => {
    const me = requireUser(c, "read:notifications");
    const row = await db.selectFrom("notifications").select("id").where("id", "=", c.req.param("id")).where("account_id", "=", me.id).executeTakeFirst();
    if (!row) throw notFound();
    // The view pages by id: the page just older than id+1 starts with this one.
    const next = (BigInt(row.id) + 1n).toString().padStart(18, "0");
    const [n] = await listNotifications(db, me.id, { maxId: next, limit: 1 });
    if (!n || n.id !== row.id) throw notFound();
    return c.json((await renderNotifications(ctx, me.id, [n]))[0]);
  });

  api.post("/api/v1/notifications/clear", async (c) => {
    const me = requireUser(c, "write:notifications");
    await db.deleteFrom("notifications").where("account_id", "=", me.id).execute();
    return c.json({});
  });
  api.post("/api/v1/notifications/:id/dismiss", async (c) => {
    const me = requireUser(c, "write:notifications");
    await db.deleteFrom("notifications").where("id", "=", c.req.param("id")).where("account_id", "=", me.id).execute();
    return c.json({});
  });

  // Hashtag pages (Elk) read the tag first; Weft has no tag following yet.
  api.get("/api/v1/tags/:name", async (c) => {
    optionalUser(c, "read:statuses");
    const name = c.req.param("name").replace(/^#/, "");
    if (!/^[\p{L}\p{N}_]{1,100}$/u.test(name)) throw notFound();
    return c.json({ name: name.toLowerCase(), url: `${ctx.config.origin}/tags/${encodeURIComponent(name.toLowerCase())}`, history: [], following: false });
  });

  async function viewerShares(ctx: WeftContext, accountId: string): Promise<boolean> {
    const me = await findAccountById(ctx.db.kysely, accountId);
    return !!me && isShared(me, ctx.config);
  }

  // search v2. `resolve=true` with a remote handle asks the federation layer (through the
  // text renderer's resolveRemote hook, set when federation is mounted) to look it up.
  api.get("/api/v2/search", async (c) => {
    const viewer = optionalUser(c, "read:search");
    const p = c.get("params");
    const q = (str(p, "q") ?? "").trim();
    const type = str(p, "type");
    const limit = pageParams(p, 20, 40).limit;
    const want = (t: string) => !type || type === t;
    let accounts: Account[] = [];
    if (q && want("accounts")) {
      accounts = await searchAccounts(db, q, limit);
      const handle = /^@?([A-Za-z0-9_]{1,30})@([A-Za-z0-9.-]+(?::\d+)?)$/.exec(q);
      // Looking up other servers is for accounts that share with the fediverse (you cannot
      // reach out while unreachable), as in the web UI's search.
      if (handle && accounts.length === 0 && viewer && bool(p, "resolve") && (await viewerShares(ctx, viewer.id))) {
        const found = await ctx.services.text.lookupMention({ username: handle[1], domain: handle[2].toLowerCase() });
        if (found) accounts = [found];
      }
    }
    let statuses = q && want("statuses") ? await searchPosts(db, q, viewer?.id ?? null, { limit }) : [];
    // A pasted profile or post link (https) is looked up on its server, as in the web UI.
    if (/^https:\/\/\S+$/.test(q) && viewer && bool(p, "resolve") && (await viewerShares(ctx, viewer.id))) {
      const r = await ctx.services.reach.lookup(viewer.id, q);
      if (r.ok && "account" in r.value && want("accounts")) accounts = [r.value.account];
      if (r.ok && "post" in r.value && want("statuses")) statuses = await hydratePosts(db, [r.value.post], viewer.id);
    }
    const tags = q && want("hashtags") ? await searchTags(db, q, limit) : [];
    return c.json({
      accounts: await renderAccounts(ctx, accounts),
      statuses: await renderStatuses(ctx, viewer?.id ?? null, statuses),
      hashtags: tags.map((t) => ({ name: t.tag, url: `${ctx.config.origin}/tags/${encodeURIComponent(t.tag)}`, history: [], following: false })),
    });
  });
}
