// Turning fediverse sharing off: every server that holds the account's content (those of
// its remote followers) is asked to Delete each federated post, and each remote follower
// gets Reject(Follow) (Mastodon treats a Reject after Accept as removing the follow); the
// account's own follows of remote accounts are undone.
// Each request is its own durable job, sent directly (not through Fedify's queue) so its
// 2xx is recorded in `sharing_requests` for the tally; failures retry with backoff.
import { Activity } from "@fedify/vocab";
import type { Context } from "@fedify/fedify";
import type { WeftContext } from "../app.ts";
import type { Db } from "../db/kysely.ts";
import { OPTOUT_ATTEMPTS } from "../domain/fediverse.ts";
import { newId } from "../domain/ids.ts";
import { findAccountById } from "../db/repositories/accounts.ts";
import { enqueue } from "../jobs/queue.ts";
import { DEFAULT_RETRY } from "../jobs/worker.ts";
import * as A from "./activities.ts";
import type { FedData } from "./context.ts";
import { fedDb } from "./db.ts";
import { recipientsOf, type RemoteInboxRow } from "./recipients.ts";
import { actorUri, followUri, noteUri } from "./uris.ts";

export const OPTOUT_QUEUE = "sharing-optout";

type FedCtx = Context<FedData>;

export async function startOptOut(ctx: FedCtx, accountId: string): Promise<void> {
  const { weft } = ctx.data;
  const origin = weft.config.origin;
  const account = await findAccountById(weft.db.kysely, accountId);
  if (!account || account.fediverseSharing) return; // turned on again meanwhile
  const db = fedDb(weft.db);
  const followers = await db
    .selectFrom("follows as f")
    .innerJoin("accounts as a", "a.id", "f.follower_id")
    .select(["f.id as follow_id", "f.uri as follow_uri", "a.uri", "a.inbox_url", "a.shared_inbox_url", "a.domain"])
    .where("f.followee_id", "=", accountId)
    .where("a.domain", "is not", null)
    .execute();
  const posts = await db
    .selectFrom("posts")
    .select("id")
    .where("account_id", "=", accountId)
    .where("local", "=", 1)
    .where("federated_at", "is not", null)
    .execute();
  // Our own follows of remote accounts end too: with the actor gone, their servers could
  // not deliver to it anyway.
  const followees = await db
    .selectFrom("follows as f")
    .innerJoin("accounts as a", "a.id", "f.followee_id")
    .select(["f.id as follow_id", "a.uri", "a.inbox_url", "a.shared_inbox_url", "a.domain"])
    .where("f.follower_id", "=", accountId)
    .where("a.domain", "is not", null)
    .execute();
  const byServer = new Map<string, typeof followers>();
  for (const f of followers) byServer.set(f.domain!, [...(byServer.get(f.domain!) ?? []), f]);

  const now = new Date().toISOString();
  const requests: { id: string; server: string; kind: "delete" | "reject" | "undo"; object_uri: string; activity_json: string; recipients_json: string }[] = [];
  for (const [server, rows] of byServer) {
    const recipients = JSON.stringify(rows.map((r): RemoteInboxRow => ({ uri: r.uri, inbox_url: r.inbox_url, shared_inbox_url: r.shared_inbox_url, domain: r.domain })));
    for (const p of posts) {
      const del = A.deleteNote(origin, accountId, noteUri(origin, p.id));
      requests.push({ id: newId(), server, kind: "delete", object_uri: noteUri(origin, p.id), activity_json: JSON.stringify(await del.toJsonLd()), recipients_json: recipients });
    }
    for (const f of rows) {
      if (!f.follow_uri || !f.uri) continue;
      const follow = A.theirFollow(f.follow_uri, f.uri, actorUri(origin, accountId));
      const reject = A.rejectFollow(origin, accountId, follow, f.follow_id);
      const single = JSON.stringify([{ uri: f.uri, inbox_url: f.inbox_url, shared_inbox_url: f.shared_inbox_url, domain: f.domain }]);
      requests.push({ id: newId(), server, kind: "reject", object_uri: f.follow_uri, activity_json: JSON.stringify(await reject.toJsonLd()), recipients_json: single });
    }
  }
  for (const f of followees) {
    if (!f.uri) continue;
    const undo = A.undoOurFollow(origin, f.follow_id, accountId, f.uri);
    const single = JSON.stringify([{ uri: f.uri, inbox_url: f.inbox_url, shared_inbox_url: f.shared_inbox_url, domain: f.domain }]);
    requests.push({ id: newId(), server: f.domain!, kind: "undo", object_uri: followUri(origin, f.follow_id), activity_json: JSON.stringify(await undo.toJsonLd()), recipients_json: single });
  }
  await db.transaction().execute(async (tx) => {
    for (const r of requests) {
      await tx.insertInto("sharing_requests").values({ ...r, account_id: accountId, attempts: 0, last_error: null, created_at: now, confirmed_at: null }).execute();
      await enqueue(tx as never, OPTOUT_QUEUE, { id: r.id });
    }
    // Remote followers go; posts written later are not pushed retroactively.
    const ended = [...followers, ...followees].map((f) => f.follow_id);
    if (ended.length) await tx.deleteFrom("follows").where("id", "in", ended).execute();
    await tx.updateTable("posts").set({ federated_at: null }).where("account_id", "=", accountId).execute();
  });
  weft.signal.notify();
}

export function registerOptOutWorker(weft: WeftContext, makeCtx: () => FedCtx, deliver: (ctx: FedCtx, accountId: string, recipients: ReturnType<typeof recipientsOf>, activity: Activity) => Promise<void>): void {
  weft.worker.handle(
    OPTOUT_QUEUE,
    async (payload: { id: string }, job) => {
      const db = fedDb(weft.db);
      const row = await db.selectFrom("sharing_requests").selectAll().where("id", "=", payload.id).executeTakeFirst();
      if (!row || row.confirmed_at) return; // cleared by turning sharing on again, or done
      const ctx = makeCtx();
      try {
        const activity = await Activity.fromJsonLd(JSON.parse(row.activity_json), { documentLoader: ctx.documentLoader, contextLoader: ctx.contextLoader });
        await deliver(ctx, row.account_id, recipientsOf(JSON.parse(row.recipients_json)), activity);
      } catch (err) {
        // The job's own count decides when the queue gives up; a try cut short by a crash
        // did not count here, so the row takes the larger of the two (the tally reads it).
        const attempts = Math.max(Number(row.attempts) + 1, job.attempts);
        await db.updateTable("sharing_requests").set({ attempts, last_error: String(err).slice(0, 500) }).where("id", "=", row.id).execute();
        throw err;
      }
      await db.updateTable("sharing_requests").set({ attempts: Number(row.attempts) + 1, confirmed_at: new Date().toISOString(), last_error: null }).where("id", "=", row.id).execute();
    },
    // Whole milliseconds: the jobs table's run_at is a bigint, and PostgreSQL refuses the
    // fractional delay DEFAULT_RETRY's jitter produces (the retry then waited for the lease).
    { maxAttempts: OPTOUT_ATTEMPTS, backoffMs: (n) => Math.round(DEFAULT_RETRY.backoffMs(n)) },
  );
}

/** Turning sharing on again starts fresh: the last opt-out's tally goes. */
export async function clearTally(db: Db, accountId: string): Promise<void> {
  await db.kysely.deleteFrom("sharing_requests").where("account_id", "=", accountId).execute();
}
