// Instance metadata, preferences, read markers, reports, and the endpoints apps call at
// start that Weft has nothing for yet: empty lists, as Hollo does (stub-endpoints.test.ts).
import type { Hono } from "hono";
import type { WeftContext } from "../../../app.ts";
import { findAccountById } from "../../../db/repositories/accounts.ts";
import { newId } from "../../../domain/ids.ts";
import { nowIso } from "../../../services/deps.ts";
import { optionalUser, requireUser, type ApiEnv } from "../auth.ts";
import { apiDb } from "../db.ts";
import { ApiError, list, notFound, str } from "../http.ts";
import { renderAccount } from "../render.ts";
import { instanceV1, instanceV2 } from "../serializers/instance.ts";

const EMPTY_LISTS = [
  "/api/v1/custom_emojis",
  "/api/v1/lists",
  "/api/v1/filters",
  "/api/v2/filters",
  "/api/v1/announcements",
  "/api/v1/followed_tags",
  "/api/v1/trends",
  "/api/v1/trends/tags",
  "/api/v1/trends/statuses",
  "/api/v1/trends/links",
  "/api/v1/suggestions",
  "/api/v2/suggestions",
  "/api/v1/featured_tags",
  "/api/v1/conversations",
  "/api/v1/scheduled_statuses",
  "/api/v1/endorsements",
  "/api/v1/domain_blocks",
  "/api/v1/instance/rules",
  "/api/v1/instance/peers",
  "/api/v1/instance/domain_blocks",
];

export function mountInstance(api: Hono<ApiEnv>, ctx: WeftContext): void {
  const db = ctx.db.kysely;
  const contact = async () => {
    const admin = await db.selectFrom("accounts").select("id").where("is_admin", "=", 1).where("domain", "is", null).orderBy("id").executeTakeFirst();
    const account = admin ? await findAccountById(db, admin.id) : null;
    return account ? renderAccount(ctx, account) : null;
  };
  const localUsers = () =>
    db.selectFrom("accounts").select((eb) => eb.fn.countAll<number>().as("n")).where("domain", "is", null).where("suspended_at", "is", null).executeTakeFirstOrThrow();

  api.get("/api/v1/instance", async (c) => {
    const [users, statuses, domains] = await Promise.all([
      localUsers(),
      db.selectFrom("posts").select((eb) => eb.fn.countAll<number>().as("n")).where("local", "=", 1).executeTakeFirstOrThrow(),
      db.selectFrom("accounts").select((eb) => eb.fn.count<number>("domain").distinct().as("n")).where("domain", "is not", null).executeTakeFirstOrThrow(),
    ]);
    return c.json(instanceV1(ctx.config, { users: Number(users.n), statuses: Number(statuses.n), domains: Number(domains.n) }, await contact()));
  });

  api.get("/api/v2/instance", async (c) => c.json(instanceV2(ctx.config, Number((await localUsers()).n), await contact())));

  for (const path of EMPTY_LISTS) api.get(path, (c) => c.json([]));
  api.get("/api/v1/instance/extended_description", (c) => c.json({ updated_at: null, content: "" }));
  api.get("/api/v1/instance/translation_languages", (c) => c.json({}));

  api.get("/api/v1/preferences", (c) => {
    requireUser(c, "read:accounts");
    return c.json({
      "posting:default:visibility": "public",
      "posting:default:sensitive": false,
      "posting:default:language": null,
      "reading:expand:media": "default",
      "reading:expand:spoilers": false,
    });
  });

  // Read markers (Tusky, Phanpy, Ivory): where the user stopped reading each timeline.
  const TIMELINES = ["home", "notifications"];
  api.get("/api/v1/markers", async (c) => {
    const me = requireUser(c, "read:statuses");
    const wanted = list(c.get("params"), "timeline").filter((t) => TIMELINES.includes(t));
    const rows = await apiDb(ctx.db).selectFrom("markers").selectAll().where("account_id", "=", me.id).execute();
    const out: Record<string, unknown> = {};
    for (const r of rows) {
      if (wanted.length && !wanted.includes(r.timeline)) continue;
      out[r.timeline] = { last_read_id: r.last_read_id, version: Number(r.version), updated_at: r.updated_at };
    }
    return c.json(out);
  });
  api.post("/api/v1/markers", async (c) => {
    const me = requireUser(c, "write:statuses");
    const p = c.get("params");
    const out: Record<string, unknown> = {};
    for (const timeline of TIMELINES) {
      const entry = p[timeline] as Record<string, unknown> | undefined;
      const id = entry && typeof entry === "object" ? str(entry, "last_read_id") : undefined;
      if (!id) continue;
      if (!/^\d{1,20}$/.test(id)) throw new ApiError(422, "Validation failed: last_read_id must be an id");
      const now = nowIso();
      const row = await apiDb(ctx.db)
        .insertInto("markers")
        .values({ account_id: me.id, timeline, last_read_id: id, version: 1, updated_at: now })
        .onConflict((oc) => oc.columns(["account_id", "timeline"]).doUpdateSet((eb) => ({ last_read_id: id, updated_at: now, version: eb("markers.version", "+", 1) })))
        .returningAll()
        .executeTakeFirstOrThrow();
      out[timeline] = { last_read_id: row.last_read_id, version: Number(row.version), updated_at: row.updated_at };
    }
    if (Object.keys(out).length === 0) throw new ApiError(422, "Validation failed: give home[last_read_id] or notifications[last_read_id]");
    return c.json(out);
  });

  api.post("/api/v1/reports", async (c) => {
    const me = requireUser(c, "write:reports");
    const p = c.get("params");
    const target = await findAccountById(db, str(p, "account_id") ?? "");
    if (!target) throw notFound();
    const statusIds = list(p, "status_ids");
    const owned = statusIds.length
      ? await db.selectFrom("posts").select("id").where("id", "in", statusIds).where("account_id", "=", target.id).execute()
      : [];
    if (owned.length !== statusIds.length) throw new ApiError(422, "Validation failed: statuses must belong to the reported account");
    const comment = (str(p, "comment") ?? "").slice(0, 1000);
    const id = newId();
    const createdAt = nowIso();
    await db
      .insertInto("reports")
      .values({ id, reporter_id: me.id, target_account_id: target.id, post_ids_json: JSON.stringify(statusIds), comment, uri: null, created_at: createdAt, resolved_at: null })
      .execute();
    return c.json({
      id,
      action_taken: false,
      action_taken_at: null,
      category: str(p, "category") ?? "other",
      comment,
      forwarded: false,
      created_at: createdAt,
      status_ids: statusIds,
      rule_ids: [],
      target_account: await renderAccount(ctx, target),
    });
  });

  // Web push is not offered: a 404 is what Elk copes with (Elk#1737).
  api.get("/api/v1/push/subscription", (c) => {
    optionalUser(c, "push");
    return c.json({ error: "Record not found" }, 404);
  });
}
