// Row types of the client API's own tables (migration 0003-oauth), kept beside the API
// rather than in the shared schema so the API's tables stay its own business. `apiDb()`
// is the same Kysely instance, typed to see them too.
import type { Kysely } from "kysely";
import type { Database } from "../../db/schema.ts";
import type { Db } from "../../db/kysely.ts";

export interface OAuthAppsTable {
  id: string;
  name: string;
  website: string | null;
  /** Newline-separated. */
  redirect_uris: string;
  scopes: string;
  client_id: string;
  client_secret: string;
  created_at: string;
}

export interface OAuthCodesTable {
  code_hash: string;
  app_id: string;
  account_id: string;
  redirect_uri: string;
  scopes: string;
  code_challenge: string | null;
  code_challenge_method: string | null;
  expires_at: number;
  created_at: string;
}

export interface OAuthTokensTable {
  id: string;
  token_hash: string;
  app_id: string | null;
  account_id: string | null;
  scopes: string;
  created_at: string;
  revoked_at: string | null;
}

export interface BookmarksTable {
  id: string;
  account_id: string;
  post_id: string;
  created_at: string;
}

export type PinsTable = BookmarksTable;

export interface MarkersTable {
  account_id: string;
  timeline: string;
  last_read_id: string;
  version: number;
  updated_at: string;
}

export interface IdempotencyKeysTable {
  account_id: string;
  key: string;
  post_id: string;
  created_at: string;
}

export interface ApiDatabase extends Database {
  oauth_apps: OAuthAppsTable;
  oauth_codes: OAuthCodesTable;
  oauth_tokens: OAuthTokensTable;
  bookmarks: BookmarksTable;
  pins: PinsTable;
  markers: MarkersTable;
  idempotency_keys: IdempotencyKeysTable;
}

export function apiDb(db: Db): Kysely<ApiDatabase> {
  return db.kysely as unknown as Kysely<ApiDatabase>;
}
