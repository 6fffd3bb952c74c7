// The fediverse settings screen's tally of an opt-out: per remote server, how many posts
// Weft asked it to delete and how many of those requests it acknowledged (2xx). "Asked 12
// servers to delete 48 posts: 11 confirmed, 1 retrying." Written by federation/optout.ts.
import type { Kysely } from "kysely";
import { OPTOUT_ATTEMPTS } from "../../domain/fediverse.ts";
import type { Database } from "../schema.ts";

export interface ServerTally {
  server: string;
  /** Posts this server was asked to delete. */
  posts: number;
  /** Requests (deletions and follow removals) the server acknowledged. */
  confirmed: number;
  /** Requests still being retried. */
  pending: number;
  /** Requests that used all their tries without an acknowledgement. */
  failed: number;
}

export async function sharingTally(db: Kysely<Database>, accountId: string): Promise<ServerTally[]> {
  const rows = await db.selectFrom("sharing_requests").select(["server", "kind", "confirmed_at", "attempts"]).where("account_id", "=", accountId).execute();
  const byServer = new Map<string, ServerTally>();
  for (const r of rows) {
    const t = byServer.get(r.server) ?? { server: r.server, posts: 0, confirmed: 0, pending: 0, failed: 0 };
    if (r.kind === "delete") t.posts++;
    if (r.confirmed_at) t.confirmed++;
    else if (Number(r.attempts) >= OPTOUT_ATTEMPTS) t.failed++;
    else t.pending++;
    byServer.set(r.server, t);
  }
  return [...byServer.values()].sort((a, b) => a.server.localeCompare(b.server));
}
