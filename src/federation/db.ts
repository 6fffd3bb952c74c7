// Federation's own key table (migration 0002), typed here so the shared schema stays as it
// is; `sharing_requests` is in the shared schema, since the settings screen reads its tally.
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

export interface FederationDatabase extends Database {
  actor_keys: ActorKeysTable;
}

export type FedKysely = Kysely<FederationDatabase>;

export function fedDb(db: Db | Kysely<Database>): FedKysely {
  return ("kysely" in db ? db.kysely : db) as unknown as FedKysely;
}
