// Who receives an account's activities: its remote followers, grouped by server; Fedify
// then delivers once per shared inbox (preferSharedInbox).
import type { Recipient } from "@fedify/vocab";
import type { Kysely } from "kysely";
import type { Database } from "../db/schema.ts";

export interface RemoteInboxRow {
  uri: string | null;
  inbox_url: string | null;
  shared_inbox_url: string | null;
  domain: string | null;
}

export function toRecipient(r: RemoteInboxRow): Recipient | null {
  if (!r.uri || !r.inbox_url) return null;
  return {
    id: new URL(r.uri),
    inboxId: new URL(r.inbox_url),
    endpoints: r.shared_inbox_url ? { sharedInbox: new URL(r.shared_inbox_url) } : null,
  };
}

export async function remoteFollowers(db: Kysely<Database>, accountId: string): Promise<RemoteInboxRow[]> {
  return db
    .selectFrom("follows as f")
    .innerJoin("accounts as a", "a.id", "f.follower_id")
    .select(["a.uri", "a.inbox_url", "a.shared_inbox_url", "a.domain"])
    .where("f.followee_id", "=", accountId)
    .where("f.state", "=", "accepted")
    .where("a.domain", "is not", null)
    .execute();
}

export async function remoteAccounts(db: Kysely<Database>, ids: (string | null | undefined)[]): Promise<RemoteInboxRow[]> {
  const wanted = ids.filter((x): x is string => !!x);
  if (!wanted.length) return [];
  return db
    .selectFrom("accounts")
    .select(["uri", "inbox_url", "shared_inbox_url", "domain"])
    .where("id", "in", wanted)
    .where("domain", "is not", null)
    .execute();
}

export function recipientsOf(rows: RemoteInboxRow[]): Recipient[] {
  const seen = new Set<string>();
  const out: Recipient[] = [];
  for (const r of rows) {
    const rec = toRecipient(r);
    if (!rec || seen.has(rec.id!.href)) continue;
    seen.add(rec.id!.href);
    out.push(rec);
  }
  return out;
}
