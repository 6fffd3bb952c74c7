// The fediverse-sharing gate: one function that the actor and WebFinger dispatchers, the
// inbox and outbound delivery all consult. Nothing federates past it.
import type { Account } from "./account.ts";

export interface SiteFederation {
  /** The operator's switch (WEFT_FEDERATION). */
  federation: boolean;
}

export function isShared(
  account: Pick<Account, "domain" | "fediverseSharing" | "isPrivate" | "suspended" | "approved">,
  site: SiteFederation,
): boolean {
  return (
    site.federation &&
    account.domain === null &&
    account.fediverseSharing &&
    !account.isPrivate &&
    !account.suspended &&
    account.approved
  );
}

/** Why sharing cannot be turned on, or null when it can. */
export function cannotEnableSharing(
  account: Pick<Account, "isPrivate" | "suspended" | "domain">,
  site: SiteFederation,
): string | null {
  if (!site.federation) return "This server does not federate: its operator turned federation off.";
  if (account.domain !== null) return "Only local accounts have this setting.";
  if (account.suspended) return "Suspended accounts cannot share with the fediverse.";
  if (account.isPrivate) return "Only public accounts can turn on fediverse sharing. Make your account public first.";
  return null;
}

/**
 * Tries of each deletion or follow-removal request after sharing is turned off: with the
 * queue's backoff (2^n s, at most 6 h) 20 tries span more than a day. A request that used
 * them all without an acknowledgement shows as given up, no longer as retrying.
 */
export const OPTOUT_ATTEMPTS = 20;
