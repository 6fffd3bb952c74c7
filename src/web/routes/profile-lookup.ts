// "@name" or "@name@host" from a URL -> an account. The local host in a handle means local.
import type { WeftContext } from "../../app.ts";
import type { Account } from "../../domain/account.ts";
import { findAccountByHandle } from "../../db/repositories/accounts.ts";

export async function findByHandle(ctx: WeftContext, raw: string): Promise<Account | null> {
  let h: string;
  try {
    h = decodeURIComponent(raw);
  } catch {
    return null;
  }
  const m = /^@([A-Za-z0-9_]{1,30})(?:@([A-Za-z0-9.-]+(?::\d+)?))?$/.exec(h);
  if (!m) return null;
  const domain = m[2] && m[2].toLowerCase() !== ctx.config.host.toLowerCase() ? m[2].toLowerCase() : null;
  return findAccountByHandle(ctx.db.kysely, m[1], domain);
}
