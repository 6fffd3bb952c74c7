// What Fedify hands every dispatcher and inbox listener: the server's context plus the
// inbound-write service.
import type { WeftContext } from "../app.ts";
import type { Account } from "../domain/account.ts";
import { isShared } from "../domain/fediverse.ts";
import { isId } from "../domain/ids.ts";
import { findAccountById } from "../db/repositories/accounts.ts";
import type { RemoteService } from "../services/remote.ts";
import type { RemoteInteractionService } from "../services/remote-interactions.ts";

export interface FedData {
  weft: WeftContext;
  remote: RemoteService;
  interactions: RemoteInteractionService;
}

/** The local account behind an actor identifier, only while it is shared: the one gate. */
export async function sharedAccount(weft: WeftContext, identifier: string | null | undefined): Promise<Account | null> {
  if (!identifier || !isId(identifier)) return null;
  const account = await findAccountById(weft.db.kysely, identifier);
  return account && isShared(account, weft.config) ? account : null;
}
