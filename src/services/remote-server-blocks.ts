// Blocking a whole server for oneself (Mastodon's per-user domain block): its accounts'
// posts disappear from the user's feeds, threads and search (visibleTo), their
// notifications go, follows both ways end (Undo and Reject go out), and new interactions
// from there do not reach the user (notify, receiveFollow).
import { fail, ok, type Result } from "../domain/result.ts";
import { nowIso, type ServiceDeps } from "./deps.ts";
import type { FollowService } from "./follows.ts";

const DOMAIN = /^(?:[a-z0-9-]+\.)+[a-z0-9-]+(?::\d{1,5})?$/;

export function normalizeServer(raw: string): string | null {
  let s = raw.trim().toLowerCase().replace(/^@/, "");
  if (s.includes("@")) s = s.split("@").pop()!;
  if (/^https?:\/\//.test(s)) {
    try {
      s = new URL(s).host;
    } catch {
      return null;
    }
  }
  return DOMAIN.test(s) ? s : null;
}

export async function blockServer(deps: ServiceDeps, follows: FollowService, accountId: string, raw: string): Promise<Result<string>> {
  const domain = normalizeServer(raw);
  if (!domain) return fail("invalid", "Enter a server name like mastodon.example.");
  if (domain === deps.config.host.toLowerCase()) return fail("invalid", "This is your own server: block people here one by one.");
  const db = deps.db.kysely;
  await db.insertInto("domain_blocks").values({ account_id: accountId, domain, created_at: nowIso() }).onConflict((oc) => oc.columns(["account_id", "domain"]).doNothing()).execute();
  const there = db.selectFrom("accounts").select("id").where("domain", "=", domain);
  const out = await db.selectFrom("follows").select("followee_id").where("follower_id", "=", accountId).where("followee_id", "in", there).execute();
  for (const f of out) await follows.unfollow(accountId, f.followee_id);
  const inc = await db.selectFrom("follows").select("follower_id").where("followee_id", "=", accountId).where("follower_id", "in", there).execute();
  for (const f of inc) await follows.removeFollower(accountId, f.follower_id);
  await db.deleteFrom("notifications").where("account_id", "=", accountId).where("from_account_id", "in", there).execute();
  return ok(domain);
}

export async function unblockServer(deps: ServiceDeps, accountId: string, domain: string): Promise<void> {
  await deps.db.kysely.deleteFrom("domain_blocks").where("account_id", "=", accountId).where("domain", "=", domain.toLowerCase()).execute();
}

export async function blockedServers(deps: ServiceDeps, accountId: string): Promise<string[]> {
  const rows = await deps.db.kysely.selectFrom("domain_blocks").select("domain").where("account_id", "=", accountId).orderBy("domain").execute();
  return rows.map((r) => r.domain);
}

/** Whether `accountId` blocked the server of `otherId` (a remote account). */
export async function blocksServerOf(deps: Pick<ServiceDeps, "db">, accountId: string, otherId: string): Promise<boolean> {
  const r = await deps.db.kysely
    .selectFrom("domain_blocks")
    .innerJoin("accounts", "accounts.domain", "domain_blocks.domain")
    .select("domain_blocks.domain")
    .where("domain_blocks.account_id", "=", accountId)
    .where("accounts.id", "=", otherId)
    .executeTakeFirst();
  return !!r;
}
