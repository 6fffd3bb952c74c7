// Account rows <-> domain Accounts.
import type { Kysely, Selectable } from "kysely";
import type { AccountsTable, Database } from "../schema.ts";
import type { Account } from "../../domain/account.ts";

export type AccountRow = Selectable<AccountsTable>;

export function rowToAccount(r: AccountRow): Account {
  return {
    id: r.id,
    username: r.username,
    domain: r.domain,
    displayName: r.display_name,
    bio: r.bio,
    bioHtml: r.bio_html,
    isPrivate: Number(r.is_private) === 1,
    fediverseSharing: Number(r.fediverse_sharing) === 1,
    isAdmin: Number(r.is_admin) === 1,
    approved: Number(r.approved) === 1,
    suspended: r.suspended_at !== null,
    avatarUrl: r.avatar_url,
    headerUrl: r.header_url,
    createdAt: r.created_at,
    uri: r.uri,
    url: r.url,
  };
}

export async function findAccountById(db: Kysely<Database>, id: string): Promise<Account | null> {
  const r = await db.selectFrom("accounts").selectAll().where("id", "=", id).executeTakeFirst();
  return r ? rowToAccount(r) : null;
}

export async function findLocalAccount(db: Kysely<Database>, username: string): Promise<Account | null> {
  const r = await db
    .selectFrom("accounts")
    .selectAll()
    .where("username_lower", "=", username.toLowerCase())
    .where("domain", "is", null)
    .executeTakeFirst();
  return r ? rowToAccount(r) : null;
}

export async function findAccountByHandle(
  db: Kysely<Database>,
  username: string,
  domain: string | null,
): Promise<Account | null> {
  let q = db.selectFrom("accounts").selectAll().where("username_lower", "=", username.toLowerCase());
  q = domain === null ? q.where("domain", "is", null) : q.where("domain", "=", domain.toLowerCase());
  const r = await q.executeTakeFirst();
  return r ? rowToAccount(r) : null;
}
