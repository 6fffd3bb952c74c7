// Federation's own tables (migration 0002), typed here so the shared schema stays as it is.
import type { Kysely } from "kysely";
import type { Db } from "../db/kysely.ts";
import type { Database } from "../db/schema.ts";

export interface ActorKeysTable {
  account_id: string;
  kind: "rsa" | "ed25519";
  public_jwk: string;
  private_jwk: string;
  created_at: string;
}

export interface SharingRequestsTable {
  id: string;
  account_id: string;
  server: string;
  kind: "delete" | "reject" | "undo";
  object_uri: string;
  activity_json: string;
  recipients_json: string;
  attempts: number;
  last_error: string | null;
  created_at: string;
  confirmed_at: string | null;
}

export interface FederationDatabase extends Database {
  actor_keys: ActorKeysTable;
  sharing_requests: SharingRequestsTable;
}

export type FedKysely = Kysely<FederationDatabase>;

export function fedDb(db: Db | Kysely<Database>): FedKysely {
  return ("kysely" in db ? db.kysely : db) as unknown as FedKysely;
}
