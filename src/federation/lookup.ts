// Resolving remote handles: @user@host -> WebFinger -> actor document -> a stored remote
// account. Wired into the text renderer (mentions of remote accounts in local posts get
// linked, tagged and addressed) and used to follow a remote handle.
import { isActor } from "@fedify/vocab";
import type { Federation } from "@fedify/fedify";
import type { WeftContext } from "../app.ts";
import type { Account } from "../domain/account.ts";
import { fail, ok, type Result } from "../domain/result.ts";
import { isShared } from "../domain/fediverse.ts";
import { findAccountById } from "../db/repositories/accounts.ts";
import type { FollowState } from "../services/follows.ts";
import type { FedData } from "./context.ts";
import { asActorToAccountFields } from "./mappers/as-to-domain.ts";
import { INSTANCE_ACTOR } from "./uris.ts";

// The handle grammar is strict: `user@mastodon.so/cial` is refused, not normalized
// (SECURITY-CASES 37, CVE-2023-42451).
const HANDLE_RE = /^@?([A-Za-z0-9_.-]{1,64})@((?:[A-Za-z0-9-]+\.)+[A-Za-z0-9-]+(?::\d{1,5})?)$/;

export function parseHandle(handle: string): { username: string; domain: string } | null {
  const m = HANDLE_RE.exec(handle.trim());
  return m ? { username: m[1], domain: m[2].toLowerCase() } : null;
}

export function wireRemoteMentions(weft: WeftContext, federation: Federation<FedData>, data: FedData): void {
  weft.services.text.resolveRemote = async (username, domain) => {
    if (!parseHandle(`${username}@${domain}`)) return null;
    const ctx = federation.createContext(new URL(weft.config.origin), data);
    const documentLoader = await ctx.getDocumentLoader({ identifier: INSTANCE_ACTOR });
    const object = await ctx.lookupObject(`acct:${username}@${domain}`, { documentLoader }).catch(() => null);
    if (!object || !isActor(object) || !object.id) return null;
    // The actor must live on the domain that was asked (SECURITY-CASES 35, 36).
    if (object.id.host.toLowerCase() !== domain.toLowerCase()) return null;
    const fields = await asActorToAccountFields(object);
    return fields ? data.remote.upsertAccount(fields) : null;
  };
}

/** Finds a remote account by handle (stored, else through WebFinger). */
export async function resolveHandle(weft: WeftContext, handle: string): Promise<Account | null> {
  const h = parseHandle(handle);
  if (!h || !weft.config.federation) return null;
  return weft.services.text.lookupMention({ username: h.username, domain: h.domain });
}

/**
 * Follows `@user@host` for a local account: resolves the handle, stores the actor and
 * asks the follow service; the Follow goes out through outbound.ts and stays pending
 * until the remote Accept.
 */
export async function followRemoteHandle(weft: WeftContext, accountId: string, handle: string): Promise<Result<{ account: Account; state: FollowState }>> {
  // Without sharing nothing would be sent for this account: the follow would hang pending.
  const me = await findAccountById(weft.db.kysely, accountId);
  if (!me || !isShared(me, weft.config)) {
    return fail("forbidden", "Turn on fediverse sharing to follow people on other servers.");
  }
  const target = await resolveHandle(weft, handle);
  if (!target) return fail("not_found", `Could not find ${handle} on the fediverse.`);
  const r = await weft.services.follows.follow(accountId, target.id);
  return r.ok ? ok({ account: target, state: r.value }) : r;
}
