// Bearer tokens. Only a sha256 of each token is stored, so a leaked database does not
// leak working tokens. Tokens never expire (Tusky cannot cope with expiry, Tusky#1955);
// they end only when revoked.
import { createHash, randomBytes } from "node:crypto";
import type { Db } from "../../db/kysely.ts";
import { newId } from "../../domain/ids.ts";
import { nowIso } from "../../services/deps.ts";
import { apiDb } from "./db.ts";
import { parseScopes, unknownScopes } from "./scopes.ts";

export function sha256(s: string): string {
  return createHash("sha256").update(s).digest("hex");
}

export function randomToken(): string {
  return randomBytes(32).toString("base64url");
}

export interface TokenGrant {
  tokenId: string;
  appId: string | null;
  /** null for an app-only (client_credentials) token. */
  accountId: string | null;
  scopes: string[];
  createdAt: string;
}

export async function issueToken(db: Db, grant: { appId: string | null; accountId: string | null; scopes: string[] }): Promise<{ token: string; grant: TokenGrant }> {
  const token = randomToken();
  const row = {
    id: newId(),
    token_hash: sha256(token),
    app_id: grant.appId,
    account_id: grant.accountId,
    scopes: grant.scopes.join(" "),
    created_at: nowIso(),
    revoked_at: null,
  };
  await apiDb(db).insertInto("oauth_tokens").values(row).execute();
  return { token, grant: { tokenId: row.id, appId: row.app_id, accountId: row.account_id, scopes: grant.scopes, createdAt: row.created_at } };
}

/**
 * A token for a local account, for bots and scripts (`weft token create`). Throws on an
 * unknown scope or account: the CLI turns that into a message.
 */
export async function createToken(db: Db, accountId: string, scopes: string | string[] = "read write follow push"): Promise<string> {
  const list = Array.isArray(scopes) ? scopes : parseScopes(scopes);
  const bad = unknownScopes(list);
  if (bad.length) throw new Error(`unknown scope ${bad.join(", ")}`);
  const acct = await apiDb(db).selectFrom("accounts").select("domain").where("id", "=", accountId).executeTakeFirst();
  if (!acct || acct.domain !== null) throw new Error("no such local account");
  return (await issueToken(db, { appId: null, accountId, scopes: list })).token;
}

export async function findToken(db: Db, token: string): Promise<TokenGrant | null> {
  if (!token || token.length > 200) return null;
  const r = await apiDb(db)
    .selectFrom("oauth_tokens")
    .selectAll()
    .where("token_hash", "=", sha256(token))
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  if (!r) return null;
  return { tokenId: r.id, appId: r.app_id, accountId: r.account_id, scopes: parseScopes(r.scopes, ""), createdAt: r.created_at };
}

export async function revokeToken(db: Db, token: string, appId: string): Promise<void> {
  await apiDb(db)
    .updateTable("oauth_tokens")
    .set({ revoked_at: nowIso() })
    .where("token_hash", "=", sha256(token))
    .where("app_id", "=", appId)
    .where("revoked_at", "is", null)
    .execute();
}
